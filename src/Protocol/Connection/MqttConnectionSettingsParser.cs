using System.Collections;
using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace OrleansAio.Protocol.Connection;

/// <summary>
/// Reads <see cref="MqttConnectionSettings"/> from its three sources (a connection string, the <c>AIO_*</c> environment variables, a
/// configuration section) into one set of key/value pairs, parses the values and validates the result.
/// </summary>
internal static class MqttConnectionSettingsParser
{
    /// <summary>The setting keys with their environment variables, in the order of services.md section 5.1.</summary>
    private static readonly (string Key, string EnvironmentVariable)[] Keys =
    [
        (nameof(MqttConnectionSettings.HostName), "AIO_BROKER_HOSTNAME"),
        (nameof(MqttConnectionSettings.TcpPort), "AIO_BROKER_TCP_PORT"),
        (nameof(MqttConnectionSettings.UseTls), "AIO_MQTT_USE_TLS"),
        (nameof(MqttConnectionSettings.CaFile), "AIO_TLS_CA_FILE"),
        (nameof(MqttConnectionSettings.CleanStart), "AIO_MQTT_CLEAN_START"),
        (nameof(MqttConnectionSettings.KeepAlive), "AIO_MQTT_KEEP_ALIVE"),
        (nameof(MqttConnectionSettings.ClientId), "AIO_MQTT_CLIENT_ID"),
        (nameof(MqttConnectionSettings.SessionExpiry), "AIO_MQTT_SESSION_EXPIRY"),
        (nameof(MqttConnectionSettings.Username), "AIO_MQTT_USERNAME"),
        (nameof(MqttConnectionSettings.PasswordFile), "AIO_MQTT_PASSWORD_FILE"),
        (nameof(MqttConnectionSettings.CertFile), "AIO_TLS_CERT_FILE"),
        (nameof(MqttConnectionSettings.KeyFile), "AIO_TLS_KEY_FILE"),
        (nameof(MqttConnectionSettings.KeyPasswordFile), "AIO_TLS_KEY_PASSWORD_FILE"),
        (nameof(MqttConnectionSettings.SatAuthFile), "AIO_SAT_FILE"),
    ];

    /// <summary>Parses a connection string; see <see cref="MqttConnectionSettings.FromConnectionString"/>.</summary>
    public static MqttConnectionSettings FromConnectionString(string connectionString, string? defaultClientId)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new MqttConnectionSettingsException("ConnectionString", "is empty", connectionString);
        }

        var values = new Dictionary<string, (string Value, string Name)>(StringComparer.OrdinalIgnoreCase);
        foreach (var element in connectionString.Split(';'))
        {
            if (string.IsNullOrWhiteSpace(element))
            {
                continue;
            }

            var separator = element.IndexOf('=', StringComparison.Ordinal);
            if (separator <= 0)
            {
                throw new MqttConnectionSettingsException("ConnectionString", "every element must be key=value", element.Trim());
            }

            var key = element[..separator].Trim();
            var canonical = CanonicalKey(key) ?? throw new MqttConnectionSettingsException(
                key, $"is not a connection setting; known keys are {string.Join(", ", Keys.Select(k => k.Key))}");
            if (!values.TryAdd(canonical, (element[(separator + 1)..].Trim(), canonical)))
            {
                throw new MqttConnectionSettingsException(canonical, "is given more than once", element[(separator + 1)..].Trim());
            }
        }

        return Create(values, key => key, defaultClientId);
    }

    /// <summary>Reads the environment variables; see <see cref="MqttConnectionSettings.FromEnvironmentVariables"/>.</summary>
    public static MqttConnectionSettings FromEnvironmentVariables(IDictionary? environment)
    {
        environment ??= Environment.GetEnvironmentVariables();
        var values = new Dictionary<string, (string Value, string Name)>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, variable) in Keys)
        {
            if (environment[variable] is string value)
            {
                values[key] = (value.Trim(), variable);
            }
        }

        return Create(values, EnvironmentVariableOf, defaultClientId: null);
    }

    /// <summary>Reads a configuration section; see <see cref="MqttConnectionSettings.FromConfiguration"/>.</summary>
    public static MqttConnectionSettings FromConfiguration(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var values = new Dictionary<string, (string Value, string Name)>(StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            var canonical = CanonicalKey(child.Key) ?? throw new MqttConnectionSettingsException(
                child.Key, $"is not a connection setting; known keys are {string.Join(", ", Keys.Select(k => k.Key))}");
            if (child.Value is not null)
            {
                values[canonical] = (child.Value.Trim(), canonical);
            }
        }

        return Create(values, key => key, defaultClientId: null);
    }

    private static string EnvironmentVariableOf(string key) => Keys.First(k => k.Key == key).EnvironmentVariable;

    private static string? CanonicalKey(string key) =>
        Keys.Select(k => k.Key).FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));

    private static MqttConnectionSettings Create(
        Dictionary<string, (string Value, string Name)> values, Func<string, string> nameOf, string? defaultClientId)
    {
        string? Text(string key) => values.TryGetValue(key, out var v) && v.Value.Length > 0 ? v.Value : null;

        int? Integer(string key, long min, long max)
        {
            var text = Text(key);
            if (text is null)
            {
                return null;
            }

            if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) || number < min || number > max)
            {
                throw new MqttConnectionSettingsException(nameOf(key), $"must be a whole number from {min} to {max}", text);
            }

            return checked((int)Math.Min(number, int.MaxValue));
        }

        long? Seconds(string key, long max)
        {
            var text = Text(key);
            if (text is null)
            {
                return null;
            }

            if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) || number < 0 || number > max)
            {
                throw new MqttConnectionSettingsException(nameOf(key), $"must be whole seconds from 0 to {max}", text);
            }

            return number;
        }

        bool? Boolean(string key)
        {
            var text = Text(key);
            if (text is null)
            {
                return null;
            }

            return bool.TryParse(text, out var flag)
                ? flag
                : throw new MqttConnectionSettingsException(nameOf(key), "must be 'true' or 'false'", text);
        }

        var defaults = new MqttConnectionSettings();
        var settings = new MqttConnectionSettings
        {
            HostName = Text(nameof(MqttConnectionSettings.HostName)) ?? string.Empty,
            TcpPort = Integer(nameof(MqttConnectionSettings.TcpPort), 1, ushort.MaxValue) ?? defaults.TcpPort,
            UseTls = Boolean(nameof(MqttConnectionSettings.UseTls)) ?? defaults.UseTls,
            CaFile = Text(nameof(MqttConnectionSettings.CaFile)),
            CleanStart = Boolean(nameof(MqttConnectionSettings.CleanStart)) ?? defaults.CleanStart,
            KeepAlive = Seconds(nameof(MqttConnectionSettings.KeepAlive), ushort.MaxValue) is { } keepAlive ? TimeSpan.FromSeconds(keepAlive) : defaults.KeepAlive,
            ClientId = Text(nameof(MqttConnectionSettings.ClientId)) ?? defaultClientId ?? string.Empty,
            SessionExpiry = Seconds(nameof(MqttConnectionSettings.SessionExpiry), uint.MaxValue) is { } expiry ? TimeSpan.FromSeconds(expiry) : defaults.SessionExpiry,
            Username = Text(nameof(MqttConnectionSettings.Username)),
            PasswordFile = Text(nameof(MqttConnectionSettings.PasswordFile)),
            CertFile = Text(nameof(MqttConnectionSettings.CertFile)),
            KeyFile = Text(nameof(MqttConnectionSettings.KeyFile)),
            KeyPasswordFile = Text(nameof(MqttConnectionSettings.KeyPasswordFile)),
            SatAuthFile = Text(nameof(MqttConnectionSettings.SatAuthFile)),
        };
        settings.Validate(nameOf);
        return settings;
    }
}
