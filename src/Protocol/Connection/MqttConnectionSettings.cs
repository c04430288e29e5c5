using System.Collections;
using System.Globalization;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;

namespace OrleansAio.Protocol.Connection;

/// <summary>
/// How to reach and authenticate to the MQTT broker: the connection settings of the AIO SDKs (services.md section 5.1), read from a
/// connection string, from <c>AIO_*</c> environment variables or from a configuration section.
/// </summary>
/// <remarks>
/// <para>
/// Every source is validated by the same rules (<see cref="Validate()"/>), and every problem raises a
/// <see cref="MqttConnectionSettingsException"/> naming the setting. Files are checked to exist when the settings are created and
/// read when <see cref="ToMqttClientOptions"/> builds the options, so a rotated password or token is picked up on the next connect.
/// </para>
/// <para>
/// Deliberate differences from the public .NET SDK (see <c>src/Protocol/Session/README.md</c>): an unset <c>AIO_MQTT_CLEAN_START</c>
/// means <see langword="false"/> (the SDK's <c>FromEnvVars</c> turns it into <see langword="true"/>); <c>KeyPasswordFile</c> is always
/// a file whose trimmed content is the key password (the SDK's connection string uses the value itself as the password); the
/// validation runs for every source (the SDK validates connection strings only); certificate revocation is never checked against a
/// private CA given by <c>CaFile</c> (the SDK's choice depends on the source); the SAT token path is not sent as a CONNECT user
/// property.
/// </para>
/// </remarks>
public sealed class MqttConnectionSettings
{
    /// <summary>The Authentication Method of Kubernetes service-account-token authentication.</summary>
    public const string SatAuthenticationMethod = "K8S-SAT";

    private static readonly TimeSpan MaxKeepAlive = TimeSpan.FromSeconds(ushort.MaxValue);
    private static readonly TimeSpan MaxSessionExpiry = TimeSpan.FromSeconds(uint.MaxValue);

    /// <summary>The setting keys with their environment variables, in the order of services.md section 5.1.</summary>
    private static readonly (string Key, string EnvironmentVariable)[] Keys =
    [
        (nameof(HostName), "AIO_BROKER_HOSTNAME"),
        (nameof(TcpPort), "AIO_BROKER_TCP_PORT"),
        (nameof(UseTls), "AIO_MQTT_USE_TLS"),
        (nameof(CaFile), "AIO_TLS_CA_FILE"),
        (nameof(CleanStart), "AIO_MQTT_CLEAN_START"),
        (nameof(KeepAlive), "AIO_MQTT_KEEP_ALIVE"),
        (nameof(ClientId), "AIO_MQTT_CLIENT_ID"),
        (nameof(SessionExpiry), "AIO_MQTT_SESSION_EXPIRY"),
        (nameof(Username), "AIO_MQTT_USERNAME"),
        (nameof(PasswordFile), "AIO_MQTT_PASSWORD_FILE"),
        (nameof(CertFile), "AIO_TLS_CERT_FILE"),
        (nameof(KeyFile), "AIO_TLS_KEY_FILE"),
        (nameof(KeyPasswordFile), "AIO_TLS_KEY_PASSWORD_FILE"),
        (nameof(SatAuthFile), "AIO_SAT_FILE"),
    ];

    /// <summary>The broker's host name or IP address. Required.</summary>
    public string HostName { get; init; } = string.Empty;

    /// <summary>The broker's TCP port; default 8883.</summary>
    public int TcpPort { get; init; } = 8883;

    /// <summary>Whether to connect with TLS 1.2 or 1.3; default <see langword="true"/>.</summary>
    public bool UseTls { get; init; } = true;

    /// <summary>A PEM file with the CA certificates that the broker's certificate must chain to; default: the system trust store.</summary>
    public string? CaFile { get; init; }

    /// <summary>Clean Start on the first connect of a session (every reconnect resumes the session); default <see langword="false"/>.</summary>
    public bool CleanStart { get; init; }

    /// <summary>The MQTT keep-alive interval, whole seconds from 0 (off) to 65535; default 60 s.</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The MQTT client identifier. Required.</summary>
    public string ClientId { get; init; } = string.Empty;

    /// <summary>The Session Expiry Interval sent in CONNECT, whole seconds up to 4294967295; default 3600 s.</summary>
    public TimeSpan SessionExpiry { get; init; } = TimeSpan.FromSeconds(3600);

    /// <summary>The MQTT user name; credentials are sent only when it is set.</summary>
    public string? Username { get; init; }

    /// <summary>A file whose bytes are the MQTT password; requires <see cref="Username"/>, excludes <see cref="SatAuthFile"/>.</summary>
    public string? PasswordFile { get; init; }

    /// <summary>A PEM file with the client certificate for TLS client authentication; given together with <see cref="KeyFile"/>.</summary>
    public string? CertFile { get; init; }

    /// <summary>A PEM file with the private key of <see cref="CertFile"/>.</summary>
    public string? KeyFile { get; init; }

    /// <summary>A file whose trimmed content is the password of an encrypted <see cref="KeyFile"/>.</summary>
    public string? KeyPasswordFile { get; init; }

    /// <summary>A Kubernetes service-account token file for <c>K8S-SAT</c> enhanced authentication; excludes <see cref="PasswordFile"/>.</summary>
    public string? SatAuthFile { get; init; }

    /// <summary>
    /// Parses a connection string of <c>;</c>-separated <c>key=value</c> pairs with case-insensitive keys, for example
    /// <c>HostName=localhost;TcpPort=1883;UseTls=false;ClientId=c1</c>. Durations are whole seconds.
    /// </summary>
    /// <param name="connectionString">The connection string.</param>
    /// <param name="defaultClientId">The client identifier to use when the string has no <c>ClientId</c>.</param>
    /// <returns>The validated settings.</returns>
    /// <exception cref="MqttConnectionSettingsException">The string is malformed, has an unknown or repeated key, or a setting is invalid.</exception>
    public static MqttConnectionSettings FromConnectionString(string connectionString, string? defaultClientId = null)
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

    /// <summary>Reads the <c>AIO_*</c> environment variables of services.md section 5.1.</summary>
    /// <param name="environment">The variables to read, as returned by <see cref="Environment.GetEnvironmentVariables()"/>;
    /// <see langword="null"/> reads the process environment.</param>
    /// <returns>The validated settings.</returns>
    /// <exception cref="MqttConnectionSettingsException">A variable is invalid or a required one is missing; the exception names the variable.</exception>
    public static MqttConnectionSettings FromEnvironmentVariables(IDictionary? environment = null)
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

    /// <summary>Reads a configuration section whose keys are the connection-string keys (<c>HostName</c>, <c>TcpPort</c>, ...).</summary>
    /// <param name="section">The section, for example <c>configuration.GetSection("Mqtt")</c>.</param>
    /// <returns>The validated settings.</returns>
    /// <exception cref="MqttConnectionSettingsException">The section has an unknown key or a setting is invalid.</exception>
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

    /// <summary>Checks every rule of the settings: required values, ranges, combinations and that the named files exist.</summary>
    /// <exception cref="MqttConnectionSettingsException">The first rule broken, naming the setting.</exception>
    public void Validate() => Validate(key => key);

    /// <summary>
    /// Builds MQTTnet client options for an MQTT 5 connection with these settings: TLS 1.2/1.3 with the CA file and client
    /// certificate, user name and password file, or <c>K8S-SAT</c> enhanced authentication with the token file's bytes.
    /// </summary>
    /// <param name="cleanStart">Overrides <see cref="CleanStart"/>; a session client passes <see langword="false"/> on reconnects.</param>
    /// <param name="userProperties">CONNECT user properties to add.</param>
    /// <returns>The client options; files are read now, so call this again before each connect to pick up rotated secrets.</returns>
    /// <exception cref="MqttConnectionSettingsException">A setting is invalid or a file cannot be read or parsed.</exception>
    public MqttClientOptions ToMqttClientOptions(bool? cleanStart = null, IEnumerable<MqttUserProperty>? userProperties = null)
    {
        Validate();
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(HostName, TcpPort)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(ClientId)
            .WithCleanStart(cleanStart ?? CleanStart)
            .WithKeepAlivePeriod(KeepAlive)
            .WithSessionExpiryInterval((uint)SessionExpiry.TotalSeconds);

        if (UseTls)
        {
            builder.WithTlsOptions(BuildTlsOptions());
        }

        if (Username is not null)
        {
            builder.WithCredentials(new FileCredentialsProvider(Username, PasswordFile));
        }

        if (SatAuthFile is not null)
        {
            builder.WithEnhancedAuthentication(SatAuthenticationMethod, ReadFile(nameof(SatAuthFile), SatAuthFile));
        }

        var options = builder.Build();
        if (userProperties is not null)
        {
            options.UserProperties ??= [];
            options.UserProperties.AddRange(userProperties);
        }

        return options;
    }

    internal static byte[] ReadFile(string settingName, string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new MqttConnectionSettingsException(settingName, $"file cannot be read: {ex.Message}", path, ex);
        }
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
            HostName = Text(nameof(HostName)) ?? string.Empty,
            TcpPort = Integer(nameof(TcpPort), 1, ushort.MaxValue) ?? defaults.TcpPort,
            UseTls = Boolean(nameof(UseTls)) ?? defaults.UseTls,
            CaFile = Text(nameof(CaFile)),
            CleanStart = Boolean(nameof(CleanStart)) ?? defaults.CleanStart,
            KeepAlive = Seconds(nameof(KeepAlive), ushort.MaxValue) is { } keepAlive ? TimeSpan.FromSeconds(keepAlive) : defaults.KeepAlive,
            ClientId = Text(nameof(ClientId)) ?? defaultClientId ?? string.Empty,
            SessionExpiry = Seconds(nameof(SessionExpiry), uint.MaxValue) is { } expiry ? TimeSpan.FromSeconds(expiry) : defaults.SessionExpiry,
            Username = Text(nameof(Username)),
            PasswordFile = Text(nameof(PasswordFile)),
            CertFile = Text(nameof(CertFile)),
            KeyFile = Text(nameof(KeyFile)),
            KeyPasswordFile = Text(nameof(KeyPasswordFile)),
            SatAuthFile = Text(nameof(SatAuthFile)),
        };
        settings.Validate(nameOf);
        return settings;
    }

    private void Validate(Func<string, string> nameOf)
    {
        if (string.IsNullOrWhiteSpace(HostName))
        {
            throw new MqttConnectionSettingsException(nameOf(nameof(HostName)), "is required but missing");
        }

        if (string.IsNullOrWhiteSpace(ClientId))
        {
            throw new MqttConnectionSettingsException(nameOf(nameof(ClientId)), "is required but missing");
        }

        if (TcpPort is < 1 or > ushort.MaxValue)
        {
            throw new MqttConnectionSettingsException(nameOf(nameof(TcpPort)), $"must be a whole number from 1 to {ushort.MaxValue}", Invariant(TcpPort));
        }

        if (KeepAlive < TimeSpan.Zero || KeepAlive > MaxKeepAlive)
        {
            throw new MqttConnectionSettingsException(
                nameOf(nameof(KeepAlive)), $"must be whole seconds from 0 to {ushort.MaxValue}", Invariant(KeepAlive.TotalSeconds));
        }

        if (SessionExpiry < TimeSpan.Zero || SessionExpiry > MaxSessionExpiry)
        {
            throw new MqttConnectionSettingsException(
                nameOf(nameof(SessionExpiry)), $"must be whole seconds from 0 to {uint.MaxValue}", Invariant(SessionExpiry.TotalSeconds));
        }

        if (SatAuthFile is not null && PasswordFile is not null)
        {
            throw new MqttConnectionSettingsException(
                nameOf(nameof(SatAuthFile)), $"cannot be combined with {nameOf(nameof(PasswordFile))}: choose SAT or password authentication", SatAuthFile);
        }

        if (PasswordFile is not null && Username is null)
        {
            throw new MqttConnectionSettingsException(
                nameOf(nameof(PasswordFile)), $"requires {nameOf(nameof(Username))}: a password is only sent with a user name", PasswordFile);
        }

        if (KeyFile is not null && CertFile is null)
        {
            throw new MqttConnectionSettingsException(nameOf(nameof(KeyFile)), $"requires {nameOf(nameof(CertFile))}", KeyFile);
        }

        if (CertFile is not null && KeyFile is null)
        {
            throw new MqttConnectionSettingsException(nameOf(nameof(CertFile)), $"requires {nameOf(nameof(KeyFile))}", CertFile);
        }

        if (KeyPasswordFile is not null && KeyFile is null)
        {
            throw new MqttConnectionSettingsException(nameOf(nameof(KeyPasswordFile)), $"requires {nameOf(nameof(KeyFile))}", KeyPasswordFile);
        }

        if (!UseTls && (CaFile ?? CertFile) is not null)
        {
            var key = CaFile is not null ? nameof(CaFile) : nameof(CertFile);
            throw new MqttConnectionSettingsException(nameOf(key), $"requires {nameOf(nameof(UseTls))}=true", CaFile ?? CertFile);
        }

        foreach (var (key, path) in new[]
                 {
                     (nameof(CaFile), CaFile), (nameof(PasswordFile), PasswordFile), (nameof(CertFile), CertFile),
                     (nameof(KeyFile), KeyFile), (nameof(KeyPasswordFile), KeyPasswordFile), (nameof(SatAuthFile), SatAuthFile),
                 })
        {
            if (path is not null && !File.Exists(path))
            {
                throw new MqttConnectionSettingsException(nameOf(key), "file not found", path);
            }
        }
    }

    private static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);

    private MqttClientTlsOptions BuildTlsOptions()
    {
        var tls = new MqttClientTlsOptionsBuilder()
            .UseTls(true)
            .WithSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13)
            .WithTargetHost(HostName);

        if (CaFile is not null)
        {
            var trust = new X509Certificate2Collection();
            try
            {
                trust.ImportFromPemFile(CaFile);
            }
            catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
            {
                throw new MqttConnectionSettingsException(nameof(CaFile), $"is not a readable PEM certificate file: {ex.Message}", CaFile, ex);
            }

            if (trust.Count == 0)
            {
                throw new MqttConnectionSettingsException(nameof(CaFile), "contains no PEM certificate", CaFile);
            }

            // A private CA rarely publishes revocation lists; checking them would fail every handshake offline.
            tls.WithTrustChain(trust).WithRevocationMode(X509RevocationMode.NoCheck);
        }

        if (CertFile is not null && KeyFile is not null)
        {
            tls.WithClientCertificates(new X509Certificate2Collection(LoadClientCertificate(CertFile, KeyFile)));
        }

        return tls.Build();
    }

    private X509Certificate2 LoadClientCertificate(string certFile, string keyFile)
    {
        string? keyPassword = null;
        if (KeyPasswordFile is not null)
        {
            keyPassword = System.Text.Encoding.UTF8.GetString(ReadFile(nameof(KeyPasswordFile), KeyPasswordFile)).Trim();
        }

        try
        {
            using var ephemeral = keyPassword is null
                ? X509Certificate2.CreateFromPemFile(certFile, keyFile)
                : X509Certificate2.CreateFromEncryptedPemFile(certFile, keyPassword, keyFile);

            // SslStream wants a certificate whose key is backed by a store, not an ephemeral PEM key.
            return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), password: null);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new MqttConnectionSettingsException(
                nameof(KeyFile), $"the client certificate and key cannot be loaded: {ex.Message}", keyFile, ex);
        }
    }

    /// <summary>Reads the password file on every connect, so a rotated password is used by the next reconnect.</summary>
    private sealed class FileCredentialsProvider(string username, string? passwordFile) : IMqttClientCredentialsProvider
    {
        public string GetUserName(MqttClientOptions clientOptions) => username;

        public byte[]? GetPassword(MqttClientOptions clientOptions) =>
            passwordFile is null ? null : ReadFile(nameof(PasswordFile), passwordFile);
    }
}
