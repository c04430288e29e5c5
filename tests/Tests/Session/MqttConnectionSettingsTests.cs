using System.Collections;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Configuration;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using OrleansAio.Protocol.Connection;

namespace OrleansAio.Tests.Session;

public sealed class MqttConnectionSettingsTests : IDisposable
{
    private readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("aio-settings-");

    public void Dispose() => directory.Delete(recursive: true);

    [Fact]
    public void ConnectionStringWithOnlyRequiredKeysUsesTheDocumentedDefaults()
    {
        var settings = MqttConnectionSettings.FromConnectionString("HostName=broker;ClientId=c1");

        Assert.Equal("broker", settings.HostName);
        Assert.Equal("c1", settings.ClientId);
        Assert.Equal(8883, settings.TcpPort);
        Assert.True(settings.UseTls);
        Assert.False(settings.CleanStart);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.KeepAlive);
        Assert.Equal(TimeSpan.FromSeconds(3600), settings.SessionExpiry);
        Assert.Null(settings.CaFile);
        Assert.Null(settings.Username);
        Assert.Null(settings.PasswordFile);
        Assert.Null(settings.CertFile);
        Assert.Null(settings.KeyFile);
        Assert.Null(settings.KeyPasswordFile);
        Assert.Null(settings.SatAuthFile);
    }

    [Fact]
    public void ConnectionStringKeysAreCaseInsensitiveAndEveryKeyIsRead()
    {
        var password = WriteFile("password", "secret");
        var settings = MqttConnectionSettings.FromConnectionString(
            $" hostname = aio-broker ; TCPPORT=1883;usetls=False;CLEANSTART=true;keepalive=15;clientid=c9;SessionExpiry=0;" +
            $"USERNAME=user;passwordfile={password};");

        Assert.Equal("aio-broker", settings.HostName);
        Assert.Equal(1883, settings.TcpPort);
        Assert.False(settings.UseTls);
        Assert.True(settings.CleanStart);
        Assert.Equal(TimeSpan.FromSeconds(15), settings.KeepAlive);
        Assert.Equal("c9", settings.ClientId);
        Assert.Equal(TimeSpan.Zero, settings.SessionExpiry);
        Assert.Equal("user", settings.Username);
        Assert.Equal(password, settings.PasswordFile);
    }

    [Fact]
    public void ConnectionStringTakesTheFileSettings()
    {
        var (ca, cert, key) = WriteCertificateFiles();
        var keyPassword = WriteFile("keypass", "pw\n");
        var sat = WriteFile("token", "jwt");
        var settings = MqttConnectionSettings.FromConnectionString(
            $"HostName=h;ClientId=c;CaFile={ca};CertFile={cert};KeyFile={key};KeyPasswordFile={keyPassword};SatAuthFile={sat}");

        Assert.Equal(ca, settings.CaFile);
        Assert.Equal(cert, settings.CertFile);
        Assert.Equal(key, settings.KeyFile);
        Assert.Equal(keyPassword, settings.KeyPasswordFile);
        Assert.Equal(sat, settings.SatAuthFile);
    }

    [Fact]
    public void DefaultClientIdIsUsedOnlyWhenTheStringHasNone()
    {
        Assert.Equal("fallback", MqttConnectionSettings.FromConnectionString("HostName=h", "fallback").ClientId);
        Assert.Equal("own", MqttConnectionSettings.FromConnectionString("HostName=h;ClientId=own", "fallback").ClientId);
    }

    [Theory]
    [InlineData("ClientId=c", "HostName", "is required but missing")]
    [InlineData("HostName=;ClientId=c", "HostName", "is required but missing")]
    [InlineData("HostName=h", "ClientId", "is required but missing")]
    [InlineData("HostName=h;ClientId=c;TcpPort=abc", "TcpPort", "(value 'abc')")]
    [InlineData("HostName=h;ClientId=c;TcpPort=0", "TcpPort", "from 1 to 65535 (value '0')")]
    [InlineData("HostName=h;ClientId=c;TcpPort=65536", "TcpPort", "(value '65536')")]
    [InlineData("HostName=h;ClientId=c;UseTls=yes", "UseTls", "must be 'true' or 'false' (value 'yes')")]
    [InlineData("HostName=h;ClientId=c;CleanStart=1", "CleanStart", "must be 'true' or 'false' (value '1')")]
    [InlineData("HostName=h;ClientId=c;KeepAlive=-1", "KeepAlive", "(value '-1')")]
    [InlineData("HostName=h;ClientId=c;KeepAlive=65536", "KeepAlive", "from 0 to 65535 (value '65536')")]
    [InlineData("HostName=h;ClientId=c;KeepAlive=1.5", "KeepAlive", "(value '1.5')")]
    [InlineData("HostName=h;ClientId=c;SessionExpiry=4294967296", "SessionExpiry", "(value '4294967296')")]
    [InlineData("HostName=h;ClientId=c;SessionExpiry=soon", "SessionExpiry", "(value 'soon')")]
    [InlineData("HostName=h;ClientId=c;Port=1883", "Port", "is not a connection setting")]
    [InlineData("HostName=h;ClientId=c;hostname=other", "HostName", "is given more than once (value 'other')")]
    [InlineData("HostName=h;ClientId", "ConnectionString", "every element must be key=value (value 'ClientId')")]
    [InlineData("=h;ClientId=c", "ConnectionString", "every element must be key=value")]
    [InlineData("   ", "ConnectionString", "is empty")]
    [InlineData("HostName=h;ClientId=c;CaFile=/nonexistent/ca.pem", "CaFile", "file not found (value '/nonexistent/ca.pem')")]
    [InlineData("HostName=h;ClientId=c;Username=u;PasswordFile=/nonexistent/pw", "PasswordFile", "file not found")]
    [InlineData("HostName=h;ClientId=c;SatAuthFile=/nonexistent/token", "SatAuthFile", "file not found")]
    [InlineData("HostName=h;ClientId=c;CertFile=/nonexistent/c.pem;KeyFile=/nonexistent/k.pem", "CertFile", "file not found")]
    public void BadConnectionStringNamesTheSetting(string connectionString, string settingName, string problem)
    {
        var error = Assert.Throws<MqttConnectionSettingsException>(() => MqttConnectionSettings.FromConnectionString(connectionString));

        Assert.Equal(settingName, error.SettingName);
        Assert.StartsWith(settingName + ": ", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SatFileAndPasswordFileTogetherAreRejected()
    {
        var password = WriteFile("pw", "p");
        var token = WriteFile("token", "t");

        var error = Assert.Throws<MqttConnectionSettingsException>(() => MqttConnectionSettings.FromConnectionString(
            $"HostName=h;ClientId=c;Username=u;PasswordFile={password};SatAuthFile={token}"));

        Assert.Equal("SatAuthFile", error.SettingName);
        Assert.Contains("cannot be combined with PasswordFile", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KeyWithoutCertificateIsRejected()
    {
        var (_, _, key) = WriteCertificateFiles();

        var error = Assert.Throws<MqttConnectionSettingsException>(
            () => MqttConnectionSettings.FromConnectionString($"HostName=h;ClientId=c;KeyFile={key}"));

        Assert.Equal("KeyFile", error.SettingName);
        Assert.Contains("requires CertFile", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CertificateWithoutKeyIsRejected()
    {
        var (_, cert, _) = WriteCertificateFiles();

        var error = Assert.Throws<MqttConnectionSettingsException>(
            () => MqttConnectionSettings.FromConnectionString($"HostName=h;ClientId=c;CertFile={cert}"));

        Assert.Equal("CertFile", error.SettingName);
        Assert.Contains("requires KeyFile", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KeyPasswordWithoutKeyIsRejected()
    {
        var keyPassword = WriteFile("kp", "x");

        var error = Assert.Throws<MqttConnectionSettingsException>(
            () => MqttConnectionSettings.FromConnectionString($"HostName=h;ClientId=c;KeyPasswordFile={keyPassword}"));

        Assert.Equal("KeyPasswordFile", error.SettingName);
    }

    [Fact]
    public void PasswordWithoutUserNameIsRejected()
    {
        var password = WriteFile("pw", "p");

        var error = Assert.Throws<MqttConnectionSettingsException>(
            () => MqttConnectionSettings.FromConnectionString($"HostName=h;ClientId=c;PasswordFile={password}"));

        Assert.Equal("PasswordFile", error.SettingName);
        Assert.Contains("requires Username", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TlsFilesWithoutTlsAreRejected()
    {
        var (ca, _, _) = WriteCertificateFiles();

        var error = Assert.Throws<MqttConnectionSettingsException>(
            () => MqttConnectionSettings.FromConnectionString($"HostName=h;ClientId=c;UseTls=false;CaFile={ca}"));

        Assert.Equal("CaFile", error.SettingName);
        Assert.Contains("requires UseTls=true", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void X509CanBeCombinedWithSatOrWithUserNameAndPassword()
    {
        var (ca, cert, key) = WriteCertificateFiles();
        var token = WriteFile("token", "t");
        var password = WriteFile("pw", "p");

        MqttConnectionSettings.FromConnectionString($"HostName=h;ClientId=c;CaFile={ca};CertFile={cert};KeyFile={key};SatAuthFile={token}");
        MqttConnectionSettings.FromConnectionString(
            $"HostName=h;ClientId=c;CertFile={cert};KeyFile={key};Username=u;PasswordFile={password}");
    }

    [Fact]
    public void EnvironmentVariablesAreRead()
    {
        var token = WriteFile("token", "t");
        var environment = new Hashtable
        {
            ["AIO_BROKER_HOSTNAME"] = "aio-broker",
            ["AIO_BROKER_TCP_PORT"] = "18883",
            ["AIO_MQTT_USE_TLS"] = "false",
            ["AIO_MQTT_CLEAN_START"] = "true",
            ["AIO_MQTT_KEEP_ALIVE"] = "30",
            ["AIO_MQTT_CLIENT_ID"] = "env-client",
            ["AIO_MQTT_SESSION_EXPIRY"] = "120",
            ["AIO_MQTT_USERNAME"] = "user",
            ["AIO_SAT_FILE"] = token,
            ["UNRELATED"] = "ignored",
        };

        var settings = MqttConnectionSettings.FromEnvironmentVariables(environment);

        Assert.Equal("aio-broker", settings.HostName);
        Assert.Equal(18883, settings.TcpPort);
        Assert.False(settings.UseTls);
        Assert.True(settings.CleanStart);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.KeepAlive);
        Assert.Equal("env-client", settings.ClientId);
        Assert.Equal(TimeSpan.FromSeconds(120), settings.SessionExpiry);
        Assert.Equal("user", settings.Username);
        Assert.Equal(token, settings.SatAuthFile);
    }

    [Fact]
    public void EnvironmentVariablesReadTheTlsFiles()
    {
        var (ca, cert, key) = WriteCertificateFiles();
        var keyPassword = WriteFile("kp", "pw");
        var password = WriteFile("pw", "p");
        var settings = MqttConnectionSettings.FromEnvironmentVariables(new Hashtable
        {
            ["AIO_BROKER_HOSTNAME"] = "h",
            ["AIO_MQTT_CLIENT_ID"] = "c",
            ["AIO_TLS_CA_FILE"] = ca,
            ["AIO_TLS_CERT_FILE"] = cert,
            ["AIO_TLS_KEY_FILE"] = key,
            ["AIO_TLS_KEY_PASSWORD_FILE"] = keyPassword,
            ["AIO_MQTT_USERNAME"] = "u",
            ["AIO_MQTT_PASSWORD_FILE"] = password,
        });

        Assert.Equal(ca, settings.CaFile);
        Assert.Equal(cert, settings.CertFile);
        Assert.Equal(key, settings.KeyFile);
        Assert.Equal(keyPassword, settings.KeyPasswordFile);
        Assert.Equal(password, settings.PasswordFile);
    }

    [Fact]
    public void UnsetCleanStartVariableMeansFalseUnlikeTheDotNetSdk()
    {
        var settings = MqttConnectionSettings.FromEnvironmentVariables(
            new Hashtable { ["AIO_BROKER_HOSTNAME"] = "h", ["AIO_MQTT_CLIENT_ID"] = "c" });

        Assert.False(settings.CleanStart);
        Assert.Equal(8883, settings.TcpPort);
        Assert.True(settings.UseTls);
    }

    [Theory]
    [InlineData("AIO_BROKER_HOSTNAME", null, "AIO_BROKER_HOSTNAME")]
    [InlineData("AIO_MQTT_CLIENT_ID", null, "AIO_MQTT_CLIENT_ID")]
    [InlineData("AIO_BROKER_TCP_PORT", "port", "AIO_BROKER_TCP_PORT")]
    [InlineData("AIO_MQTT_USE_TLS", "maybe", "AIO_MQTT_USE_TLS")]
    [InlineData("AIO_MQTT_CLEAN_START", "nope", "AIO_MQTT_CLEAN_START")]
    [InlineData("AIO_MQTT_KEEP_ALIVE", "x", "AIO_MQTT_KEEP_ALIVE")]
    [InlineData("AIO_MQTT_SESSION_EXPIRY", "-5", "AIO_MQTT_SESSION_EXPIRY")]
    [InlineData("AIO_TLS_CA_FILE", "/nonexistent/ca.pem", "AIO_TLS_CA_FILE")]
    [InlineData("AIO_TLS_KEY_FILE", "/nonexistent/key.pem", "AIO_TLS_KEY_FILE")]
    public void BadEnvironmentVariableIsNamed(string variable, string? value, string expectedName)
    {
        var environment = new Hashtable { ["AIO_BROKER_HOSTNAME"] = "h", ["AIO_MQTT_CLIENT_ID"] = "c" };
        if (value is null)
        {
            environment.Remove(variable);
        }
        else
        {
            environment[variable] = value;
        }

        var error = Assert.Throws<MqttConnectionSettingsException>(() => MqttConnectionSettings.FromEnvironmentVariables(environment));

        Assert.Equal(expectedName, error.SettingName);
        Assert.StartsWith(expectedName + ": ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EnvironmentSatFileAndPasswordFileTogetherAreRejectedUnlikeTheDotNetSdk()
    {
        var error = Assert.Throws<MqttConnectionSettingsException>(() => MqttConnectionSettings.FromEnvironmentVariables(new Hashtable
        {
            ["AIO_BROKER_HOSTNAME"] = "h",
            ["AIO_MQTT_CLIENT_ID"] = "c",
            ["AIO_MQTT_USERNAME"] = "u",
            ["AIO_MQTT_PASSWORD_FILE"] = WriteFile("pw", "p"),
            ["AIO_SAT_FILE"] = WriteFile("token", "t"),
        }));

        Assert.Equal("AIO_SAT_FILE", error.SettingName);
        Assert.Contains("AIO_MQTT_PASSWORD_FILE", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigurationSectionUsesTheConnectionStringKeys()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mqtt:hostName"] = "cfg-broker",
            ["Mqtt:TcpPort"] = "1883",
            ["Mqtt:UseTls"] = "false",
            ["Mqtt:ClientId"] = "cfg-client",
            ["Mqtt:SessionExpiry"] = "10",
            ["Mqtt:KeepAlive"] = "5",
        }).Build();

        var settings = MqttConnectionSettings.FromConfiguration(configuration.GetSection("Mqtt"));

        Assert.Equal("cfg-broker", settings.HostName);
        Assert.Equal(1883, settings.TcpPort);
        Assert.False(settings.UseTls);
        Assert.Equal("cfg-client", settings.ClientId);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.SessionExpiry);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.KeepAlive);
    }

    [Theory]
    [InlineData("Mqtt:Hostname", "h", "Mqtt:TcpPort", "eighty", "TcpPort")]
    [InlineData("Mqtt:ClientId", "c", "Mqtt:Nonsense", "1", "Nonsense")]
    [InlineData("Mqtt:ClientId", "c", "Mqtt:KeepAlive", "1", "HostName")]
    public void BadConfigurationIsNamed(string key1, string value1, string key2, string value2, string expectedName)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [key1] = value1,
            [key2] = value2,
        }).Build();

        var error = Assert.Throws<MqttConnectionSettingsException>(() => MqttConnectionSettings.FromConfiguration(configuration.GetSection("Mqtt")));

        Assert.Equal(expectedName, error.SettingName);
    }

    [Fact]
    public void InitializedSettingsAreValidatedWhenOptionsAreBuilt()
    {
        var settings = new MqttConnectionSettings { HostName = "h", ClientId = "c", KeepAlive = TimeSpan.FromDays(2) };

        var error = Assert.Throws<MqttConnectionSettingsException>(() => settings.ToMqttClientOptions());

        Assert.Equal("KeepAlive", error.SettingName);
    }

    [Fact]
    public void OptionsCarryMqtt5TheSessionAndTheEndpoint()
    {
        var settings = MqttConnectionSettings.FromConnectionString(
            "HostName=broker.local;TcpPort=1884;UseTls=false;ClientId=c1;CleanStart=true;KeepAlive=20;SessionExpiry=300");

        var options = settings.ToMqttClientOptions(userProperties: [new MqttUserProperty("k", Encoding.UTF8.GetBytes("v"))]);

        Assert.Equal(MqttProtocolVersion.V500, options.ProtocolVersion);
        Assert.Equal("c1", options.ClientId);
        Assert.True(options.CleanSession);
        Assert.Equal(TimeSpan.FromSeconds(20), options.KeepAlivePeriod);
        Assert.Equal(300u, options.SessionExpiryInterval);
        var tcp = Assert.IsType<MqttClientTcpOptions>(options.ChannelOptions);
        var endpoint = Assert.IsType<System.Net.DnsEndPoint>(tcp.RemoteEndpoint);
        Assert.Equal("broker.local", endpoint.Host);
        Assert.Equal(1884, endpoint.Port);
        Assert.False(tcp.TlsOptions.UseTls);
        // Not MQTTnet's 8 KiB: a fixed small SO_RCVBUF turns off the kernel's autotuning and bursts then stall on retransmits.
        Assert.Equal(1 << 20, tcp.BufferSize);
        Assert.Null(options.Credentials);
        Assert.Null(options.AuthenticationMethod);
        var property = Assert.Single(options.UserProperties);
        Assert.Equal("k", property.Name);
        Assert.Equal("v", property.ReadValueAsString());
    }

    [Fact]
    public void CleanStartCanBeOverriddenForReconnects()
    {
        var settings = MqttConnectionSettings.FromConnectionString("HostName=h;UseTls=false;ClientId=c;CleanStart=true");

        Assert.False(settings.ToMqttClientOptions(cleanStart: false).CleanSession);
        Assert.True(settings.ToMqttClientOptions().CleanSession);
    }

    [Fact]
    public void PasswordFileBytesBecomeThePasswordAndAreReReadOnEveryConnect()
    {
        var passwordFile = WriteFile("pw", "first");
        var options = MqttConnectionSettings.FromConnectionString($"HostName=h;UseTls=false;ClientId=c;Username=user;PasswordFile={passwordFile}")
            .ToMqttClientOptions();

        Assert.Equal("user", options.Credentials.GetUserName(options));
        Assert.Equal("first"u8.ToArray(), options.Credentials.GetPassword(options));
        File.WriteAllText(passwordFile, "rotated");
        Assert.Equal("rotated"u8.ToArray(), options.Credentials.GetPassword(options));
    }

    [Fact]
    public void SatFileBecomesK8sSatEnhancedAuthentication()
    {
        var token = WriteFile("token", "header.payload.signature");
        var options = MqttConnectionSettings.FromConnectionString($"HostName=h;UseTls=false;ClientId=c;SatAuthFile={token}")
            .ToMqttClientOptions();

        Assert.Equal("K8S-SAT", options.AuthenticationMethod);
        Assert.Equal("header.payload.signature"u8.ToArray(), options.AuthenticationData);
        Assert.Null(options.Credentials);
    }

    [Fact]
    public void TlsOptionsCarryTheCaAndTheClientCertificate()
    {
        var (ca, cert, key) = WriteCertificateFiles(keyPassword: "kpw");
        var keyPassword = WriteFile("kp", "kpw\n");
        var options = MqttConnectionSettings.FromConnectionString(
            $"HostName=broker;ClientId=c;CaFile={ca};CertFile={cert};KeyFile={key};KeyPasswordFile={keyPassword}").ToMqttClientOptions();

        var tls = options.ChannelOptions.TlsOptions;
        Assert.True(tls.UseTls);
        Assert.Equal(SslProtocols.Tls12 | SslProtocols.Tls13, tls.SslProtocol);
        Assert.Equal("broker", tls.TargetHost);
        Assert.Single(tls.TrustChain);
        var clientCertificate = Assert.IsType<X509Certificate2>(Assert.Single(tls.ClientCertificatesProvider.GetCertificates()));
        Assert.True(clientCertificate.HasPrivateKey);
    }

    [Fact]
    public void WrongKeyPasswordNamesTheKeyFile()
    {
        var (_, cert, key) = WriteCertificateFiles(keyPassword: "right");
        var keyPassword = WriteFile("kp", "wrong");
        var settings = MqttConnectionSettings.FromConnectionString(
            $"HostName=broker;ClientId=c;CertFile={cert};KeyFile={key};KeyPasswordFile={keyPassword}");

        var error = Assert.Throws<MqttConnectionSettingsException>(() => settings.ToMqttClientOptions());

        Assert.Equal("KeyFile", error.SettingName);
    }

    [Fact]
    public void CaFileWithoutCertificateIsRejected()
    {
        var ca = WriteFile("ca.pem", "not a certificate");
        var settings = MqttConnectionSettings.FromConnectionString($"HostName=broker;ClientId=c;CaFile={ca}");

        var error = Assert.Throws<MqttConnectionSettingsException>(() => settings.ToMqttClientOptions());

        Assert.Equal("CaFile", error.SettingName);
    }

    private string WriteFile(string name, string content)
    {
        var path = Path.Combine(directory.FullName, name);
        File.WriteAllText(path, content);
        return path;
    }

    private (string Ca, string Cert, string Key) WriteCertificateFiles(string? keyPassword = null)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=test-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var caCertificate = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

        using var clientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var clientRequest = new CertificateRequest("CN=client", clientKey, HashAlgorithmName.SHA256);
        using var clientCertificate = clientRequest.Create(
            caCertificate, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), [1, 2, 3, 4]);

        var keyPem = keyPassword is null
            ? clientKey.ExportPkcs8PrivateKeyPem()
            : clientKey.ExportEncryptedPkcs8PrivateKeyPem(
                keyPassword, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000));
        return (WriteFile("ca.pem", caCertificate.ExportCertificatePem()),
            WriteFile("client.pem", clientCertificate.ExportCertificatePem()),
            WriteFile("client.key", keyPem));
    }
}
