using System.Collections.Concurrent;
using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;
using OrleansAio.Abstractions.Common;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Connection;
using OrleansAio.Tests.Fixtures;
using OrleansAio.Tests.Security;

namespace OrleansAio.Tests.Session;

/// <summary>K8S-SAT enhanced authentication with re-authentication on token change, and TLS with a CA file and a client certificate.</summary>
public sealed class SessionAuthenticationTests : IAsyncLifetime
{
    private readonly CapturingLoggerProvider logs = new();
    private readonly ILoggerFactory loggerFactory;
    private readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("aio-session-auth-");

    public SessionAuthenticationTests()
    {
        loggerFactory = logs.CreateFactory(LogLevel.Debug);
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        loggerFactory.Dispose();
        directory.Delete(recursive: true);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task SatTokenAuthenticatesTheConnectAndAChangedTokenReAuthenticates()
    {
        // The embedded broker validates K8S-SAT tokens as JWTs: real tokens from a key made in the test.
        using var issuer = new TestTokenIssuer();
        await using var broker = await StartSatBrokerAsync(issuer);
        var token1 = issuer.Create("system:serviceaccount:aio:one", DateTimeOffset.UtcNow.AddHours(1));
        var token2 = issuer.Create("system:serviceaccount:aio:one", DateTimeOffset.UtcNow.AddHours(2));
        var accepted = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal) { [token1] = true };
        var connects = new ConcurrentQueue<(string? Method, string? Data)>();
        var auths = new ConcurrentQueue<MqttAuthPacket>();
        broker.Server.ValidatingConnectionAsync += args =>
        {
            var data = args.AuthenticationData is null ? null : Encoding.UTF8.GetString(args.AuthenticationData);
            connects.Enqueue((args.AuthenticationMethod, data));
            if (args.AuthenticationMethod != "K8S-SAT")
            {
                args.ReasonCode = MqttConnectReasonCode.BadAuthenticationMethod;
            }
            else if (data is null || !accepted.ContainsKey(data))
            {
                args.ReasonCode = MqttConnectReasonCode.NotAuthorized;
            }

            return Task.CompletedTask;
        };
        broker.Server.InterceptingInboundPacketAsync += args =>
        {
            if (args.Packet is MqttAuthPacket auth)
            {
                auths.Enqueue(auth);
                args.ProcessPacket = false;
            }

            return Task.CompletedTask;
        };
        var tokenDirectory = Directory.CreateDirectory(Path.Combine(directory.FullName, "sat"));
        var tokenFile = Path.Combine(tokenDirectory.FullName, "token");
        await File.WriteAllTextAsync(tokenFile, token1, TestContext.Current.CancellationToken);
        var settings = Settings(broker.Port, tokenFile);

        await using var session = await TestSession.ConnectAsync(settings, loggerFactory, o => o.SatFileChangeDebounce = TimeSpan.FromMilliseconds(50));
        Assert.Equal(("K8S-SAT", token1), Assert.Single(connects));

        // Kubernetes swaps the file rather than rewriting it in place.
        accepted[token2] = true;
        var staged = Path.Combine(tokenDirectory.FullName, "..token.tmp");
        await File.WriteAllTextAsync(staged, token2, TestContext.Current.CancellationToken);
        File.Move(staged, tokenFile, overwrite: true);

        await SessionTestSupport.UntilAsync(() => !auths.IsEmpty, "the AUTH packet after the token change");
        var reauth = Assert.Single(auths);
        Assert.Equal(MqttAuthenticateReasonCode.ReAuthenticate, reauth.ReasonCode);
        Assert.Equal("K8S-SAT", reauth.AuthenticationMethod);
        Assert.Equal(token2, Encoding.UTF8.GetString(reauth.AuthenticationData));

        accepted.TryRemove(token1, out _);
        await broker.Server.DisconnectClientAsync(settings.ClientId, MqttDisconnectReasonCode.ServerBusy);
        await SessionTestSupport.UntilAsync(() => session.Connects == 2, "the reconnect with the new token");
        Assert.Equal(("K8S-SAT", token2), connects.Last());
        Assert.True(session.Client.IsConnected);
    }

    [Fact]
    public async Task AnUnchangedTokenIsNotSentAgain()
    {
        using var issuer = new TestTokenIssuer();
        await using var broker = await StartSatBrokerAsync(issuer);
        var same = issuer.Create("system:serviceaccount:aio:one", DateTimeOffset.UtcNow.AddHours(1));
        var changed = issuer.Create("system:serviceaccount:aio:one", DateTimeOffset.UtcNow.AddHours(2));
        var auths = 0;
        broker.Server.InterceptingInboundPacketAsync += args =>
        {
            if (args.Packet is MqttAuthPacket)
            {
                Interlocked.Increment(ref auths);
                args.ProcessPacket = false;
            }

            return Task.CompletedTask;
        };
        var tokenFile = Path.Combine(directory.FullName, "token");
        await File.WriteAllTextAsync(tokenFile, same, TestContext.Current.CancellationToken);
        await using var session = await TestSession.ConnectAsync(
            Settings(broker.Port, tokenFile), loggerFactory, o => o.SatFileChangeDebounce = TimeSpan.Zero);

        await File.WriteAllTextAsync(tokenFile, same, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(tokenFile, changed, TestContext.Current.CancellationToken);
        await SessionTestSupport.UntilAsync(() => Volatile.Read(ref auths) >= 1, "the AUTH for the changed token");

        Assert.Equal(1, Volatile.Read(ref auths));
    }

    [Fact]
    public async Task ARejectedTokenFailsTheConnectWithTheReasonCode()
    {
        await using var broker = await FaultableBroker.StartAsync(loggerFactory, cancellationToken: TestContext.Current.CancellationToken);
        broker.Server.ValidatingConnectionAsync += args =>
        {
            args.ReasonCode = MqttConnectReasonCode.NotAuthorized;
            return Task.CompletedTask;
        };
        var tokenFile = Path.Combine(directory.FullName, "token");
        await File.WriteAllTextAsync(tokenFile, "bad", TestContext.Current.CancellationToken);
        var settings = Settings(broker.Port, tokenFile);
        await using var session = TestSession.Create(settings, loggerFactory, o => o.RetryOnFirstConnect = true);

        var error = await Assert.ThrowsAsync<AioProtocolException>(() => session.Client.ConnectAsync(settings, TestContext.Current.CancellationToken))
            .Guarded("connect");

        Assert.Contains("0x87", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TlsWithTheCaFileAndAClientCertificateConnects()
    {
        var pki = TestPki.Create(directory.FullName, "ca");
        X509Certificate? presented = null;
        var port = FreePort.Get();
        using var server = StartTlsServer(port, pki.ServerCertificate, (_, certificate, _, _) =>
        {
            presented = certificate;
            return certificate is not null && certificate.Issuer == pki.CaSubject;
        });
        await server.StartAsync();
        try
        {
            var settings = MqttConnectionSettings.FromConnectionString(
                $"HostName=127.0.0.1;TcpPort={port};ClientId={MqttTestClient.TestClientId("tls")};CaFile={pki.CaFile};" +
                $"CertFile={pki.ClientCertFile};KeyFile={pki.ClientKeyFile}");
            await using var session = await TestSession.ConnectAsync(settings, loggerFactory);
            await session.SubscribeAsync("tls/echo");

            await session.Client.PublishAsync(TestSession.Message("tls/echo", "over-tls"), TestContext.Current.CancellationToken).Guarded("publish");

            await SessionTestSupport.UntilAsync(() => session.Received.Contains("over-tls"), "the echoed message");
            Assert.NotNull(presented);
            Assert.Equal("CN=client", presented!.Subject);
        }
        finally
        {
            await server.StopAsync(new MqttServerStopOptions());
        }
    }

    [Fact]
    public async Task TlsWithAnotherCaFailsTheConnect()
    {
        var pki = TestPki.Create(directory.FullName, "ca");
        var otherPki = TestPki.Create(directory.FullName, "other");
        var port = FreePort.Get();
        using var server = StartTlsServer(port, pki.ServerCertificate, clientValidation: null);
        await server.StartAsync();
        try
        {
            var settings = MqttConnectionSettings.FromConnectionString(
                $"HostName=127.0.0.1;TcpPort={port};ClientId={MqttTestClient.TestClientId("tls")};CaFile={otherPki.CaFile}");
            await using var session = TestSession.Create(settings, loggerFactory);

            var error = await Assert.ThrowsAsync<AioProtocolException>(() => session.Client.ConnectAsync(settings, TestContext.Current.CancellationToken))
                .Guarded("connect");

            Assert.Equal(AioErrorKind.MqttError, error.Kind);
            Assert.False(session.Client.IsConnected);
        }
        finally
        {
            await server.StopAsync(new MqttServerStopOptions());
        }
    }

    [Fact]
    public async Task AnUnreadableCaFileFailsTheFirstConnectNamingTheSetting()
    {
        var caFile = Path.Combine(directory.FullName, "not-a-ca.pem");
        await File.WriteAllTextAsync(caFile, "garbage", TestContext.Current.CancellationToken);
        var settings = MqttConnectionSettings.FromConnectionString($"HostName=127.0.0.1;TcpPort={FreePort.Get()};ClientId=c;CaFile={caFile}");
        await using var session = TestSession.Create(settings, loggerFactory);

        var error = await Assert.ThrowsAsync<MqttConnectionSettingsException>(() => session.Client.ConnectAsync(settings, TestContext.Current.CancellationToken));

        Assert.Equal("CaFile", error.SettingName);
    }

    private Task<FaultableBroker> StartSatBrokerAsync(TestTokenIssuer issuer)
    {
        var keys = Path.Combine(directory.FullName, "sat-keys.pem");
        issuer.WritePublicKeyPem(keys);
        return FaultableBroker.StartAsync(loggerFactory, cancellationToken: TestContext.Current.CancellationToken, configure: o =>
        {
            o.Security.Authentication.Sat.SigningKeysFile = keys;
            o.Security.Authentication.Sat.Issuer = TestTokenIssuer.Issuer;
            o.Security.Authentication.Sat.Audience = TestTokenIssuer.Audience;
        });
    }

    private static MqttConnectionSettings Settings(int port, string tokenFile) => new()
    {
        HostName = "127.0.0.1",
        TcpPort = port,
        UseTls = false,
        ClientId = MqttTestClient.TestClientId("sat"),
        SatAuthFile = tokenFile,
    };

    private MqttServer StartTlsServer(int port, X509Certificate2 certificate, System.Net.Security.RemoteCertificateValidationCallback? clientValidation)
    {
        var builder = new MqttServerOptionsBuilder()
            .WithoutDefaultEndpoint()
            .WithEncryptedEndpoint()
            .WithEncryptedEndpointPort(port)
            .WithEncryptedEndpointBoundIPAddress(IPAddress.Loopback)
            .WithEncryptedEndpointBoundIPV6Address(IPAddress.None)
            .WithEncryptionCertificate(certificate)
            .WithEncryptionSslProtocol(SslProtocols.Tls12 | SslProtocols.Tls13)
            .WithPersistentSessions();
        if (clientValidation is not null)
        {
            builder.WithClientCertificate(clientValidation, checkCertificateRevocation: false);
        }

        return new MqttServerFactory().CreateMqttServer(builder.Build());
    }

    /// <summary>A CA, a server certificate for 127.0.0.1 and a client certificate, with the CA and client files written as PEM.</summary>
    private sealed record TestPki(string CaFile, string CaSubject, X509Certificate2 ServerCertificate, string ClientCertFile, string ClientKeyFile)
    {
        public static TestPki Create(string directory, string name)
        {
            var now = DateTimeOffset.UtcNow;
            using var caKey = RSA.Create(2048);
            var caRequest = new CertificateRequest($"CN={name}-test-ca", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));

            using var serverKey = RSA.Create(2048);
            var serverRequest = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            serverRequest.CertificateExtensions.Add(names.Build());
            serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
            using var serverPublic = serverRequest.Create(ca, now.AddDays(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(8));
            using var serverWithKey = serverPublic.CopyWithPrivateKey(serverKey);
            var server = X509CertificateLoader.LoadPkcs12(serverWithKey.Export(X509ContentType.Pkcs12), null);

            using var clientKey = RSA.Create(2048);
            var clientRequest = new CertificateRequest("CN=client", clientKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            clientRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
            using var client = clientRequest.Create(ca, now.AddDays(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(8));

            var caFile = Path.Combine(directory, $"{name}-ca.pem");
            var certFile = Path.Combine(directory, $"{name}-client.pem");
            var keyFile = Path.Combine(directory, $"{name}-client.key");
            File.WriteAllText(caFile, ca.ExportCertificatePem());
            File.WriteAllText(certFile, client.ExportCertificatePem());
            File.WriteAllText(keyFile, clientKey.ExportPkcs8PrivateKeyPem());
            return new TestPki(caFile, ca.Subject, server, certFile, keyFile);
        }
    }
}
