using System.Collections;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using MQTTnet;
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

    /// <summary>
    /// An in-memory password, used when <see cref="PasswordFile"/> is not set (never read from a connection string): the silo's
    /// own session to its embedded broker uses a secret generated in process.
    /// </summary>
    public ReadOnlyMemory<byte>? Password { get; init; }

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
    public static MqttConnectionSettings FromConnectionString(string connectionString, string? defaultClientId = null) =>
        MqttConnectionSettingsParser.FromConnectionString(connectionString, defaultClientId);

    /// <summary>Reads the <c>AIO_*</c> environment variables of services.md section 5.1.</summary>
    /// <param name="environment">The variables to read, as returned by <see cref="Environment.GetEnvironmentVariables()"/>;
    /// <see langword="null"/> reads the process environment.</param>
    /// <returns>The validated settings.</returns>
    /// <exception cref="MqttConnectionSettingsException">A variable is invalid or a required one is missing; the exception names the variable.</exception>
    public static MqttConnectionSettings FromEnvironmentVariables(IDictionary? environment = null) =>
        MqttConnectionSettingsParser.FromEnvironmentVariables(environment);

    /// <summary>Reads a configuration section whose keys are the connection-string keys (<c>HostName</c>, <c>TcpPort</c>, ...).</summary>
    /// <param name="section">The section, for example <c>configuration.GetSection("Mqtt")</c>.</param>
    /// <returns>The validated settings.</returns>
    /// <exception cref="MqttConnectionSettingsException">The section has an unknown key or a setting is invalid.</exception>
    public static MqttConnectionSettings FromConfiguration(IConfiguration section) => MqttConnectionSettingsParser.FromConfiguration(section);

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
    public MqttClientOptions ToMqttClientOptions(bool? cleanStart = null, IEnumerable<MqttUserProperty>? userProperties = null) =>
        MqttClientOptionsFactory.Create(this, cleanStart, userProperties);

    /// <summary>Checks every rule, naming a setting by <paramref name="nameOf"/> (the environment variable when read from the environment).</summary>
    /// <param name="nameOf">Maps a property name to the name the error reports.</param>
    internal void Validate(Func<string, string> nameOf)
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
}
