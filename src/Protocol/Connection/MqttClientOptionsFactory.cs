using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;

namespace OrleansAio.Protocol.Connection;

/// <summary>
/// Builds the MQTTnet client options of an MQTT 5 connection from <see cref="MqttConnectionSettings"/>: TLS with the CA file and
/// client certificate, credentials whose password file is read on every connect, and <c>K8S-SAT</c> enhanced authentication.
/// </summary>
internal static class MqttClientOptionsFactory
{
    /// <summary>Builds the options; see <see cref="MqttConnectionSettings.ToMqttClientOptions"/>.</summary>
    /// <param name="settings">The connection settings.</param>
    /// <param name="cleanStart">Overrides <see cref="MqttConnectionSettings.CleanStart"/>.</param>
    /// <param name="userProperties">CONNECT user properties to add.</param>
    /// <returns>The client options; the files named by the settings are read now.</returns>
    /// <exception cref="MqttConnectionSettingsException">A setting is invalid or a file cannot be read or parsed.</exception>
    public static MqttClientOptions Create(MqttConnectionSettings settings, bool? cleanStart, IEnumerable<MqttUserProperty>? userProperties)
    {
        settings.Validate();
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(settings.HostName, settings.TcpPort)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(settings.ClientId)
            .WithCleanStart(cleanStart ?? settings.CleanStart)
            .WithKeepAlivePeriod(settings.KeepAlive)
            .WithSessionExpiryInterval((uint)settings.SessionExpiry.TotalSeconds);

        if (settings.UseTls)
        {
            builder.WithTlsOptions(BuildTlsOptions(settings));
        }

        if (settings.Username is not null)
        {
            builder.WithCredentials(new FileCredentialsProvider(settings.Username, settings.PasswordFile, settings.Password));
        }

        if (settings.SatAuthFile is not null)
        {
            builder.WithEnhancedAuthentication(
                MqttConnectionSettings.SatAuthenticationMethod, ReadFile(nameof(MqttConnectionSettings.SatAuthFile), settings.SatAuthFile));
        }

        var options = builder.Build();
        if (options.ChannelOptions is MqttClientTcpOptions tcp)
        {
            // MQTTnet sets SO_RCVBUF/SO_SNDBUF to 8 KiB by default (16 KiB in the kernel), which turns off Linux's buffer
            // autotuning: a burst of requests then overflows the receive queue, segments are dropped and the whole connection
            // waits for TCP's 200 ms+ retransmission timeout (measured: state-store SETs at 64 in flight through Mosquitto fell
            // from about 1,900 to 90-700 ops/s, every caller stalled at once).
            tcp.BufferSize = SocketBufferBytes;
        }

        if (userProperties is not null)
        {
            options.UserProperties ??= [];
            options.UserProperties.AddRange(userProperties);
        }

        return options;
    }

    /// <summary>The socket send and receive buffer size asked for (the kernel doubles it, within <c>net.core.rmem_max</c>).</summary>
    internal const int SocketBufferBytes = 1 << 20;

    private static byte[] ReadFile(string settingName, string path)
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

    private static MqttClientTlsOptions BuildTlsOptions(MqttConnectionSettings settings)
    {
        var tls = new MqttClientTlsOptionsBuilder()
            .UseTls(true)
            .WithSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13)
            .WithTargetHost(settings.HostName);

        if (settings.CaFile is not null)
        {
            var trust = new X509Certificate2Collection();
            try
            {
                trust.ImportFromPemFile(settings.CaFile);
            }
            catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
            {
                throw new MqttConnectionSettingsException(
                    nameof(MqttConnectionSettings.CaFile), $"is not a readable PEM certificate file: {ex.Message}", settings.CaFile, ex);
            }

            if (trust.Count == 0)
            {
                throw new MqttConnectionSettingsException(nameof(MqttConnectionSettings.CaFile), "contains no PEM certificate", settings.CaFile);
            }

            // A private CA rarely publishes revocation lists; checking them would fail every handshake offline.
            tls.WithTrustChain(trust).WithRevocationMode(X509RevocationMode.NoCheck);
        }

        if (settings.CertFile is not null && settings.KeyFile is not null)
        {
            tls.WithClientCertificates(
                new X509Certificate2Collection(LoadClientCertificate(settings.CertFile, settings.KeyFile, settings.KeyPasswordFile)));
        }

        return tls.Build();
    }

    private static X509Certificate2 LoadClientCertificate(string certFile, string keyFile, string? keyPasswordFile)
    {
        string? keyPassword = null;
        if (keyPasswordFile is not null)
        {
            keyPassword = System.Text.Encoding.UTF8.GetString(ReadFile(nameof(MqttConnectionSettings.KeyPasswordFile), keyPasswordFile)).Trim();
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
                nameof(MqttConnectionSettings.KeyFile), $"the client certificate and key cannot be loaded: {ex.Message}", keyFile, ex);
        }
    }

    /// <summary>Reads the password file on every connect, so a rotated password is used by the next reconnect.</summary>
    private sealed class FileCredentialsProvider(string username, string? passwordFile, ReadOnlyMemory<byte>? password) : IMqttClientCredentialsProvider
    {
        public string GetUserName(MqttClientOptions clientOptions) => username;

        public byte[]? GetPassword(MqttClientOptions clientOptions) =>
            passwordFile is null ? password?.ToArray() : ReadFile(nameof(MqttConnectionSettings.PasswordFile), passwordFile);
    }
}
