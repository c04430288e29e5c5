using System.Collections;
using System.CommandLine;
using System.Globalization;
using OrleansAio.Cli.Common;
using OrleansAio.Protocol.Connection;

namespace OrleansAio.Cli.Connection;

/// <summary>
/// The connection options every command takes, turned into <see cref="MqttConnectionSettings"/> with the session client's own rules.
/// </summary>
/// <remarks>
/// Sources, later ones winning key by key: the <c>AIO_*</c> environment variables, or instead of them <c>--connection-string</c>;
/// then the individual options (<c>--host</c>, <c>--port</c>, ...). With none of these the CLI connects to the local development
/// broker, <c>localhost:1883</c> without TLS (the silo's embedded broker). Without a client id each run uses a fresh
/// <c>aio-cli-...</c> one, and every run starts a clean session.
/// </remarks>
public sealed class ConnectionOptions
{
    private const string HostVariable = "AIO_BROKER_HOSTNAME";

    /// <summary>The setting keys in connection-string form with their environment variables.</summary>
    private static readonly (string Key, string Variable)[] Keys =
    [
        ("HostName", HostVariable), ("TcpPort", "AIO_BROKER_TCP_PORT"), ("UseTls", "AIO_MQTT_USE_TLS"), ("CaFile", "AIO_TLS_CA_FILE"),
        ("CleanStart", "AIO_MQTT_CLEAN_START"), ("KeepAlive", "AIO_MQTT_KEEP_ALIVE"), ("ClientId", "AIO_MQTT_CLIENT_ID"),
        ("SessionExpiry", "AIO_MQTT_SESSION_EXPIRY"), ("Username", "AIO_MQTT_USERNAME"), ("PasswordFile", "AIO_MQTT_PASSWORD_FILE"),
        ("CertFile", "AIO_TLS_CERT_FILE"), ("KeyFile", "AIO_TLS_KEY_FILE"), ("KeyPasswordFile", "AIO_TLS_KEY_PASSWORD_FILE"),
        ("SatAuthFile", "AIO_SAT_FILE"),
    ];

    /// <summary><c>--connection-string</c>: an AIO connection string; replaces the <c>AIO_*</c> variables.</summary>
    public Option<string?> ConnectionString { get; } = new("--connection-string", "-c")
    {
        Description = "AIO connection string, e.g. 'HostName=broker;TcpPort=1883;UseTls=false' (keys as in src/Protocol/Session/README.md); replaces the AIO_* variables",
        Recursive = true,
        HelpName = "string",
    };

    /// <summary><c>--host</c>.</summary>
    public Option<string?> Host { get; } = new("--host") { Description = "Broker host name or address [default: localhost]", Recursive = true };

    /// <summary><c>--port</c>.</summary>
    public Option<int?> Port { get; } = new("--port", "-p") { Description = "Broker TCP port [default: 1883, or 8883 with TLS]", Recursive = true };

    /// <summary><c>--tls</c>.</summary>
    public Option<bool?> Tls { get; } = new("--tls") { Description = "Connect with TLS 1.2/1.3 (--tls false to turn it off) [default: off, on with --ca/--cert]", Recursive = true };

    /// <summary><c>--ca</c>.</summary>
    public Option<string?> Ca { get; } = new("--ca") { Description = "PEM file with the CA certificates the broker's certificate must chain to", Recursive = true, HelpName = "file" };

    /// <summary><c>--cert</c>.</summary>
    public Option<string?> Cert { get; } = new("--cert") { Description = "PEM client certificate for X.509 authentication (with --key)", Recursive = true, HelpName = "file" };

    /// <summary><c>--key</c>.</summary>
    public Option<string?> Key { get; } = new("--key") { Description = "PEM private key of --cert", Recursive = true, HelpName = "file" };

    /// <summary><c>--key-password-file</c>.</summary>
    public Option<string?> KeyPasswordFile { get; } = new("--key-password-file") { Description = "File holding the password of an encrypted --key", Recursive = true, HelpName = "file" };

    /// <summary><c>--sat-file</c>.</summary>
    public Option<string?> SatFile { get; } = new("--sat-file") { Description = "Kubernetes service-account token file (K8S-SAT authentication)", Recursive = true, HelpName = "file" };

    /// <summary><c>--user</c>.</summary>
    public Option<string?> User { get; } = new("--user", "-u") { Description = "MQTT user name", Recursive = true };

    /// <summary><c>--password-file</c>.</summary>
    public Option<string?> PasswordFile { get; } = new("--password-file") { Description = "File whose bytes are the MQTT password (with --user)", Recursive = true, HelpName = "file" };

    /// <summary><c>--client-id</c>.</summary>
    public Option<string?> ClientId { get; } = new("--client-id") { Description = "MQTT client id [default: a fresh aio-cli-... per run]", Recursive = true };

    /// <summary><c>--connect-timeout</c>.</summary>
    public Option<TimeSpan?> ConnectTimeout { get; } = new("--connect-timeout")
    {
        Description = "How long to wait for the broker to accept the connection [default: 10s]",
        Recursive = true,
        CustomParser = result => Durations.Parse(result),
        HelpName = "duration",
    };

    /// <summary>Every option, for adding to the root command.</summary>
    public IEnumerable<Option> All =>
        [ConnectionString, Host, Port, Tls, Ca, Cert, Key, KeyPasswordFile, SatFile, User, PasswordFile, ClientId, ConnectTimeout];

    /// <summary>Builds the settings from the parsed options and the environment.</summary>
    /// <param name="parse">The parse result.</param>
    /// <param name="environment">The environment variables.</param>
    /// <returns>The validated settings.</returns>
    /// <exception cref="CliException">A setting is invalid (bad input), naming the option, key or variable.</exception>
    public MqttConnectionSettings Build(ParseResult parse, IDictionary environment)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var origin = new Dictionary<string, string>(StringComparer.Ordinal);
        var connectionString = parse.GetValue(ConnectionString);
        if (connectionString is not null)
        {
            MqttConnectionSettings parsed;
            try
            {
                parsed = MqttConnectionSettings.FromConnectionString(connectionString, NewClientId());
            }
            catch (MqttConnectionSettingsException ex)
            {
                throw CliException.BadInput($"--connection-string: {ex.Message}", ex);
            }

            foreach (var (key, value) in ToValues(parsed))
            {
                values[key] = value;
                origin[key] = $"--connection-string {key}";
            }
        }
        else
        {
            foreach (var (key, variable) in Keys)
            {
                if (environment[variable] is string { Length: > 0 } value)
                {
                    values[key] = value;
                    origin[key] = variable;
                }
            }
        }

        void Override(string key, string? value, Option option)
        {
            if (value is not null)
            {
                values[key] = value;
                origin[key] = option.Name;
            }
        }

        Override("HostName", parse.GetValue(Host), Host);
        Override("TcpPort", parse.GetValue(Port)?.ToString(CultureInfo.InvariantCulture), Port);
        Override("UseTls", parse.GetValue(Tls) is { } tls ? (tls ? "true" : "false") : null, Tls);
        Override("CaFile", parse.GetValue(Ca), Ca);
        Override("CertFile", parse.GetValue(Cert), Cert);
        Override("KeyFile", parse.GetValue(Key), Key);
        Override("KeyPasswordFile", parse.GetValue(KeyPasswordFile), KeyPasswordFile);
        Override("SatAuthFile", parse.GetValue(SatFile), SatFile);
        Override("Username", parse.GetValue(User), User);
        Override("PasswordFile", parse.GetValue(PasswordFile), PasswordFile);
        Override("ClientId", parse.GetValue(ClientId), ClientId);

        // The local development broker unless a source says otherwise; TLS when a TLS file is given.
        values.TryAdd("HostName", "localhost");
        values.TryAdd("UseTls", values.ContainsKey("CaFile") || values.ContainsKey("CertFile") ? "true" : "false");
        values.TryAdd("TcpPort", values["UseTls"] == "true" ? "8883" : "1883");
        values.TryAdd("ClientId", NewClientId());
        values.TryAdd("SessionExpiry", "60");
        values["CleanStart"] = "true";

        var asEnvironment = new Hashtable();
        foreach (var (key, variable) in Keys)
        {
            if (values.TryGetValue(key, out var value))
            {
                asEnvironment[variable] = value;
            }
        }

        try
        {
            return MqttConnectionSettings.FromEnvironmentVariables(asEnvironment);
        }
        catch (MqttConnectionSettingsException ex)
        {
            // The settings name the variable; say where the value really came from.
            var key = Keys.FirstOrDefault(k => k.Variable == ex.SettingName).Key;
            var source = key is not null && origin.TryGetValue(key, out var from) ? from : key ?? ex.SettingName;
            var message = ex.Message.StartsWith(ex.SettingName, StringComparison.Ordinal) ? source + ex.Message[ex.SettingName.Length..] : ex.Message;
            throw CliException.BadInput($"connection settings: {message}", ex);
        }
    }

    private static string NewClientId() => $"aio-cli-{Guid.NewGuid():N}"[..20];

    private static IEnumerable<(string Key, string Value)> ToValues(MqttConnectionSettings s)
    {
        yield return ("HostName", s.HostName);
        yield return ("TcpPort", s.TcpPort.ToString(CultureInfo.InvariantCulture));
        yield return ("UseTls", s.UseTls ? "true" : "false");
        yield return ("KeepAlive", ((long)s.KeepAlive.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        yield return ("ClientId", s.ClientId);
        yield return ("SessionExpiry", ((long)s.SessionExpiry.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        foreach (var (key, value) in new[]
                 {
                     ("CaFile", s.CaFile), ("Username", s.Username), ("PasswordFile", s.PasswordFile), ("CertFile", s.CertFile),
                     ("KeyFile", s.KeyFile), ("KeyPasswordFile", s.KeyPasswordFile), ("SatAuthFile", s.SatAuthFile),
                 })
        {
            if (value is not null)
            {
                yield return (key, value);
            }
        }
    }
}
