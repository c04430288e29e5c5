using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using OrleansAio.Protocol.StateStore;
using OrleansAio.Silo.Broker;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Security;

/// <summary>
/// Authentication and authorization of the embedded broker through real MQTT connections: the loopback-only anonymous rule,
/// the credentials file, <c>K8S-SAT</c> tokens (expiry, re-authentication), X.509 client certificates over TLS with a CA made
/// in the test, the ACL file and the built-in per-client protections. Every test captures all logs (trace level) and checks
/// that no password, token or private key appears in any line.
/// </summary>
public sealed class BrokerSecurityTests : IAsyncLifetime
{
    private readonly TempDirectory directory = new("broker-security");
    private readonly CapturingLoggerProvider logs = new();
    private readonly ILoggerFactory loggerFactory;
    private readonly List<string> secrets = [];
    private readonly List<IAsyncDisposable> disposables = [];

    public BrokerSecurityTests() => loggerFactory = logs.CreateFactory(LogLevel.Trace);

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var disposable in Enumerable.Reverse(disposables))
        {
            await disposable.DisposeAsync();
        }

        loggerFactory.Dispose();
        directory.Dispose();
        var lines = logs.Entries.Select(e => e.Message + " " + e.Exception).ToList();
        if (Environment.GetEnvironmentVariable("AIO_SECURITY_TEST_LOG") is { Length: > 0 } dump)
        {
            await File.AppendAllLinesAsync(dump, logs.Entries.Select(e => $"{e.Level} {e.Category} {e.EventId.Id} {e.Message} {e.Exception}"));
        }
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(lines, line => line.Contains(secret, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void ANonLoopbackBindWithoutAuthenticationRefusesToStartNamingTheSetting()
    {
        var error = Assert.Throws<EmbeddedBrokerException>(
            () => new EmbeddedMqttBroker(new EmbeddedMqttBrokerOptions { Port = FreePort.Get(), BindAddress = "0.0.0.0" }, loggerFactory));
        Assert.Equal("BindAddress", error.Setting);
        Assert.Contains("Broker:Authentication:PasswordFile", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task AnonymousIsRefusedOnANonLoopbackBindEvenWhenAskedFor()
    {
        var passwordFile = await WritePasswordFileAsync("alice", "correct horse");
        var options = new EmbeddedMqttBrokerOptions { Port = FreePort.Get(), BindAddress = "0.0.0.0" };
        options.Security.Authentication.PasswordFile = passwordFile;
        options.Security.Authentication.AllowAnonymous = true;
        var error = Assert.Throws<EmbeddedBrokerException>(() => new EmbeddedMqttBroker(options, loggerFactory));
        Assert.Equal("Broker:Authentication:AllowAnonymous", error.Setting);
    }

    [Fact]
    public async Task ANonLoopbackBindWithAuthenticationRefusesAnonymousClients()
    {
        var passwordFile = await WritePasswordFileAsync("alice", "correct horse");
        var broker = await StartAsync(o =>
        {
            o.BindAddress = "0.0.0.0";
            o.Security.Authentication.PasswordFile = passwordFile;
        });
        var (_, anonymous) = await ConnectAsync(broker, "anon");
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, anonymous.ResultCode);
        var (_, alice) = await ConnectAsync(broker, "alice-1", b => b.WithCredentials("alice", "correct horse"));
        Assert.Equal(MqttClientConnectResultCode.Success, alice.ResultCode);
    }

    [Fact]
    public async Task PasswordsAreCheckedAgainstTheCredentialsFile()
    {
        var passwordFile = await WritePasswordFileAsync("alice", "correct horse");
        secrets.Add("wrong horse");
        var broker = await StartAsync(o => o.Security.Authentication.PasswordFile = passwordFile);

        var (_, good) = await ConnectAsync(broker, "alice-1", b => b.WithCredentials("alice", "correct horse"));
        Assert.Equal(MqttClientConnectResultCode.Success, good.ResultCode);
        Assert.Equal(new BrokerClientIdentity("alice-1", "alice", BrokerAuthenticationMethod.Password), broker.Identities.Find("alice-1"));

        var (_, wrong) = await ConnectAsync(broker, "alice-2", b => b.WithCredentials("alice", "wrong horse"));
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, wrong.ResultCode);
        var (_, unknown) = await ConnectAsync(broker, "bob-1", b => b.WithCredentials("bob", "correct horse"));
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, unknown.ResultCode);
        var (_, anonymous) = await ConnectAsync(broker, "anon");
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, anonymous.ResultCode);
        var (_, spoofedSilo) = await ConnectAsync(broker, "silo", b => b.WithCredentials(BrokerSecurity.InternalUserName, "guess"));
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, spoofedSilo.ResultCode);

        // A user added later is accepted without a restart (the file is re-read when it changes).
        await BrokerPasswordFile.AddUserAsync(passwordFile, "bob", "battery staple", iterations: 1000, Ct);
        secrets.Add("battery staple");
        File.SetLastWriteTimeUtc(passwordFile, DateTime.UtcNow.AddSeconds(5));
        var (_, bob) = await ConnectAsync(broker, "bob-2", b => b.WithCredentials("bob", "battery staple"));
        Assert.Equal(MqttClientConnectResultCode.Success, bob.ResultCode);

        Assert.Contains(logs.Entries, e => e.EventId.Id == 31 && e.Message.Contains("alice-2", StringComparison.Ordinal) && e.Message.Contains("BadUserNameOrPassword", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AClientIdBelongsToItsUsersSessionAndTheSilosIdToTheSilo()
    {
        var passwordFile = await WritePasswordFileAsync("alice", "correct horse");
        await BrokerPasswordFile.AddUserAsync(passwordFile, "bob", "battery staple", iterations: 1000, Ct);
        secrets.Add("battery staple");
        var broker = await StartAsync(o =>
        {
            o.Security.Authentication.PasswordFile = passwordFile;
            o.StartupClientId = "silo-1";
            o.InternalPassword = Encoding.UTF8.GetBytes("in-process secret of the test");
        });
        secrets.Add("in-process secret of the test");
        broker.AdmitAllClients();

        var (alice, first) = await ConnectAsync(broker, "alice-dev", b => b.WithCredentials("alice", "correct horse").WithCleanStart(false).WithSessionExpiryInterval(600));
        Assert.Equal(MqttClientConnectResultCode.Success, first.ResultCode);

        // Bob may not take over Alice's session (its queued messages, its observations, the client-id rules), clean or not.
        var (_, resumed) = await ConnectAsync(broker, "alice-dev", b => b.WithCredentials("bob", "battery staple").WithCleanStart(false));
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, resumed.ResultCode);
        var (_, clean) = await ConnectAsync(broker, "alice-dev", b => b.WithCredentials("bob", "battery staple"));
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, clean.ResultCode);
        Assert.True(alice.IsConnected);
        Assert.Equal("alice", broker.Identities.Find("alice-dev")?.UserName);

        // Alice herself may resume it.
        var (_, again) = await ConnectAsync(broker, "alice-dev", b => b.WithCredentials("alice", "correct horse").WithCleanStart(false));
        Assert.Equal(MqttClientConnectResultCode.Success, again.ResultCode);
        Assert.True(again.IsSessionPresent);

        // The silo's own client id is reserved for the silo's credentials, whoever else logs in with it.
        var (_, siloId) = await ConnectAsync(broker, "silo-1", b => b.WithCredentials("alice", "correct horse"));
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, siloId.ResultCode);

        // An id with a topic separator or wildcard would own another client's per-client sub-tree.
        var (_, slash) = await ConnectAsync(broker, "alice/2", b => b.WithCredentials("alice", "correct horse"));
        Assert.Equal(MqttClientConnectResultCode.ClientIdentifierNotValid, slash.ResultCode);
        Assert.Contains(logs.Entries, e => e.EventId.Id == 31 && e.Message.Contains("another user", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RetainedMessagesAreNotDeliveredPastTheReadChecks()
    {
        var passwordFile = await WritePasswordFileAsync("alice", "correct horse");
        var aclFile = Path.Combine(directory.Path, "acl-retained");
        await File.WriteAllTextAsync(aclFile, "user alice\ntopic readwrite sensors/#\ntopic deny sensors/secret/#\ntopic read clients/#\n", Ct);
        var broker = await StartAsync(o =>
        {
            o.Security.Authentication.PasswordFile = passwordFile;
            o.Security.Acl.File = aclFile;
        });
        foreach (var topic in new[] { "sensors/secret/k", "clients/victim/rpc/response", "sensors/retained-ok" })
        {
            await broker.Server.InjectApplicationMessage(
                new MQTTnet.Server.InjectedMqttApplicationMessage(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload("v").WithRetainFlag().Build()), Ct);
        }

        var (alice, _) = await ConnectAsync(broker, "alice-r", b => b.WithCredentials("alice", "correct horse"));
        var received = new List<string>();
        alice.ApplicationMessageReceivedAsync += args =>
        {
            lock (received)
            {
                received.Add(args.ApplicationMessage.Topic);
            }

            return Task.CompletedTask;
        };
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await SubscribeAsync(alice, "sensors/#"));
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await SubscribeAsync(alice, "clients/+/rpc/#"));

        // Retained messages pass the same per-message read check as live ones (MQTTnet enqueues them through the same
        // interceptor): the readable one arrives, the denied and the other client's do not. A live message after the retained
        // ones would have arrived: once it is here, nothing retained is still on its way.
        await broker.Server.InjectApplicationMessage(
            new MQTTnet.Server.InjectedMqttApplicationMessage(new MqttApplicationMessageBuilder().WithTopic("sensors/open").WithPayload("v").Build()), Ct);
        while (!received.Contains("sensors/open"))
        {
            await Task.Delay(50, Ct);
        }

        lock (received)
        {
            Assert.DoesNotContain("sensors/secret/k", received);
            Assert.DoesNotContain("clients/victim/rpc/response", received);
            Assert.Contains("sensors/retained-ok", received);
        }
    }

    [Fact]
    public async Task ServiceAccountTokensAreValidatedAsJwts()
    {
        using var issuer = new TestTokenIssuer();
        using var stranger = new TestTokenIssuer();
        var broker = await StartSatBrokerAsync(issuer);

        var valid = issuer.Create("system:serviceaccount:aio:thermostat", DateTimeOffset.UtcNow.AddHours(1));
        var (_, ok) = await ConnectAsync(broker, "sat-1", b => b.WithEnhancedAuthentication(BrokerSecurity.SatMethod, TestTokenIssuer.Bytes(valid)));
        Assert.Equal(MqttClientConnectResultCode.Success, ok.ResultCode);
        Assert.Equal("system:serviceaccount:aio:thermostat", broker.Identities.Find("sat-1")?.UserName);

        var expired = issuer.Create("system:serviceaccount:aio:thermostat", DateTimeOffset.UtcNow.AddMinutes(-10));
        var wronglySigned = stranger.Create("system:serviceaccount:aio:thermostat", DateTimeOffset.UtcNow.AddHours(1));
        var wrongAudience = issuer.Create("system:serviceaccount:aio:thermostat", DateTimeOffset.UtcNow.AddHours(1), audience: "someone-else");
        var wrongIssuer = issuer.Create("system:serviceaccount:aio:thermostat", DateTimeOffset.UtcNow.AddHours(1), issuer: "https://elsewhere");
        foreach (var (token, reason) in new[] { (expired, "expired"), (wronglySigned, "signature"), (wrongAudience, "audience"), (wrongIssuer, "issuer") })
        {
            secrets.Add(token);
            var (_, refused) = await ConnectAsync(broker, "sat-bad", b => b.WithEnhancedAuthentication(BrokerSecurity.SatMethod, TestTokenIssuer.Bytes(token)));
            Assert.Equal(MqttClientConnectResultCode.NotAuthorized, refused.ResultCode);
            Assert.Contains(logs.Entries, e => e.EventId.Id == 31 && e.Message.Contains(reason, StringComparison.Ordinal));
        }

        var (_, badMethod) = await ConnectAsync(broker, "sat-method", b => b.WithEnhancedAuthentication("SCRAM-SHA-1", Encoding.UTF8.GetBytes("x")));
        Assert.Equal(MqttClientConnectResultCode.BadAuthenticationMethod, badMethod.ResultCode);
        secrets.Add(valid);
        // A JWT's signature part alone must not show either.
        secrets.Add(valid.Split('.')[2]);
    }

    [Fact]
    public async Task AConnectionEndsWhenItsTokenExpiresUnlessItReauthenticates()
    {
        using var issuer = new TestTokenIssuer();
        var broker = await StartSatBrokerAsync(issuer);

        // No re-authentication: the broker disconnects the client with Not authorized when the token expires.
        var shortLived = issuer.Create("system:serviceaccount:aio:short", DateTimeOffset.UtcNow.AddSeconds(3));
        secrets.Add(shortLived);
        var disconnected = new TaskCompletionSource<MqttClientDisconnectReason>(TaskCreationOptions.RunContinuationsAsynchronously);
        var (expiring, result) = await ConnectAsync(
            broker,
            "sat-expiring",
            b => b.WithEnhancedAuthentication(BrokerSecurity.SatMethod, TestTokenIssuer.Bytes(shortLived)),
            client => client.DisconnectedAsync += args =>
            {
                disconnected.TrySetResult(args.Reason);
                return Task.CompletedTask;
            });
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        Assert.Equal(MqttClientDisconnectReason.NotAuthorized, await disconnected.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct));
        Assert.False(expiring.IsConnected);

        // Re-authentication with a fresh token (AUTH, reason Re-authenticate) is answered with AUTH Success and keeps the
        // connection past the first token's expiry.
        var first = issuer.Create("system:serviceaccount:aio:renewing", DateTimeOffset.UtcNow.AddSeconds(4));
        var fresh = issuer.Create("system:serviceaccount:aio:renewing", DateTimeOffset.UtcNow.AddHours(1));
        secrets.Add(first);
        secrets.Add(fresh);
        var handler = new RecordingAuthHandler();
        var renewedDisconnect = new TaskCompletionSource<MqttClientDisconnectReason>(TaskCreationOptions.RunContinuationsAsynchronously);
        var (renewing, renewedResult) = await ConnectAsync(
            broker,
            "sat-renewing",
            b => b.WithEnhancedAuthentication(BrokerSecurity.SatMethod, TestTokenIssuer.Bytes(first)).WithEnhancedAuthenticationHandler(handler),
            client => client.DisconnectedAsync += args =>
            {
                renewedDisconnect.TrySetResult(args.Reason);
                return Task.CompletedTask;
            });
        Assert.Equal(MqttClientConnectResultCode.Success, renewedResult.ResultCode);
        await renewing.SendEnhancedAuthenticationExchangeDataAsync(
            new MqttEnhancedAuthenticationExchangeData { ReasonCode = MqttAuthenticateReasonCode.ReAuthenticate, AuthenticationData = TestTokenIssuer.Bytes(fresh) },
            Ct);
        Assert.Equal(MqttAuthenticateReasonCode.Success, await handler.Received.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct));

        // Past the first token's expiry: still connected and usable.
        await Task.Delay(TimeSpan.FromSeconds(6), Ct);
        Assert.False(renewedDisconnect.Task.IsCompleted);
        await renewing.PingAsync(Ct);
        Assert.True(renewing.IsConnected);

        // A re-authentication with a bad token ends the connection.
        var expired = issuer.Create("system:serviceaccount:aio:renewing", DateTimeOffset.UtcNow.AddMinutes(-5));
        secrets.Add(expired);
        await renewing.SendEnhancedAuthenticationExchangeDataAsync(
            new MqttEnhancedAuthenticationExchangeData { ReasonCode = MqttAuthenticateReasonCode.ReAuthenticate, AuthenticationData = TestTokenIssuer.Bytes(expired) },
            Ct);
        Assert.Equal(MqttClientDisconnectReason.NotAuthorized, await renewedDisconnect.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct));
    }

    [Fact]
    public async Task ClientCertificatesFromTheConfiguredCaAuthenticateOverTls()
    {
        using var ca = new TestCertificateAuthority();
        using var otherCa = new TestCertificateAuthority("untrusted CA");
        using var server = ca.IssueServer();
        using var client = ca.IssueClient("device-7");
        using var untrusted = otherCa.IssueClient("device-7");
        var serverPem = Path.Combine(directory.Path, "server.pem");
        var serverKey = Path.Combine(directory.Path, "server.key");
        TestCertificateAuthority.WritePem(server, serverPem, serverKey);
        var caFile = Path.Combine(directory.Path, "ca.pem");
        ca.WriteCaPem(caFile);
        // Every line of the key's base 64 body, and the whole body.
        var keyBody = File.ReadAllLines(serverKey).Where(l => !l.StartsWith("-----", StringComparison.Ordinal)).ToList();
        secrets.AddRange(keyBody);
        secrets.Add(string.Concat(keyBody));
        var tlsPort = FreePort.Get();
        var broker = await StartAsync(o =>
        {
            o.Security.Tls.CertificateFile = serverPem;
            o.Security.Tls.KeyFile = serverKey;
            o.Security.Tls.Port = tlsPort;
            o.Security.Tls.ClientCaFile = caFile;
        });

        var (_, trusted) = await ConnectAsync(broker, "device-7", b => b.WithTcpServer("127.0.0.1", tlsPort).WithTlsOptions(Tls(ca, client)));
        Assert.Equal(MqttClientConnectResultCode.Success, trusted.ResultCode);
        Assert.Equal(new BrokerClientIdentity("device-7", "device-7", BrokerAuthenticationMethod.Certificate), broker.Identities.Find("device-7"));

        // A certificate from another CA fails the TLS handshake: the broker never sees a CONNECT.
        await Assert.ThrowsAnyAsync<MQTTnet.Exceptions.MqttCommunicationException>(
            () => ConnectAsync(broker, "device-7b", b => b.WithTcpServer("127.0.0.1", tlsPort).WithTlsOptions(Tls(ca, untrusted))));
        Assert.Contains(logs.Entries, e => e.EventId.Id == 32);
        Assert.Null(broker.Identities.Find("device-7b"));

        // TLS without a certificate, and no other credentials: Not authorized (authentication is configured, so no anonymous).
        var (_, noCertificate) = await ConnectAsync(broker, "device-8", b => b.WithTcpServer("127.0.0.1", tlsPort).WithTlsOptions(Tls(ca, null)));
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, noCertificate.ResultCode);
    }

    [Fact]
    public async Task TheAclGrantsAndDeniesPublishAndSubscribeWithSubstitutionAndIsReloaded()
    {
        var passwordFile = await WritePasswordFileAsync("alice", "correct horse");
        var aclFile = Path.Combine(directory.Path, "acl");
        await File.WriteAllTextAsync(
            aclFile,
            """
            # anonymous clients: only public topics
            topic read public/#
            user alice
            topic readwrite sensors/#
            topic deny sensors/secret/#
            pattern readwrite own/%c/#
            pattern write users/%u/inbox
            """,
            Ct);
        var broker = await StartAsync(o =>
        {
            o.Security.Authentication.PasswordFile = passwordFile;
            o.Security.Authentication.AllowAnonymous = true;
            o.Security.Acl.File = aclFile;
        });
        var (alice, _) = await ConnectAsync(broker, "alice-1", b => b.WithCredentials("alice", "correct horse"));
        var (anonymous, _) = await ConnectAsync(broker, "anon-1");

        Assert.True(Published(await alice.PublishStringAsync("sensors/t1", "1", MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: Ct)));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await alice.PublishStringAsync("sensors/secret/k", "1", MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: Ct)).ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await alice.PublishStringAsync("elsewhere", "1", MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: Ct)).ReasonCode);
        Assert.True(Published(await alice.PublishStringAsync("own/alice-1/x", "1", MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: Ct)));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await alice.PublishStringAsync("own/anon-1/x", "1", MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: Ct)).ReasonCode);
        Assert.True(Published(await alice.PublishStringAsync("users/alice/inbox", "1", MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: Ct)));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await anonymous.PublishStringAsync("public/x", "1", MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: Ct)).ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await anonymous.PublishStringAsync("users/anon/inbox", "1", MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: Ct)).ReasonCode);

        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await SubscribeAsync(alice, "sensors/+/t"));
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await SubscribeAsync(alice, "sensors/#"));
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await SubscribeAsync(alice, "sensors/secret/#"));
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await SubscribeAsync(alice, "#"));
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await SubscribeAsync(alice, "users/alice/inbox"));
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await SubscribeAsync(alice, "$share/g/own/alice-1/#"));
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await SubscribeAsync(anonymous, "public/#"));
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await SubscribeAsync(anonymous, "sensors/t1"));

        // Delivery is checked too: the granted sensors/# never delivers the denied sensors/secret/... (injected by the server).
        var received = new List<string>();
        alice.ApplicationMessageReceivedAsync += args =>
        {
            lock (received)
            {
                received.Add(args.ApplicationMessage.Topic);
            }

            return Task.CompletedTask;
        };
        foreach (var topic in new[] { "sensors/secret/k", "sensors/open" })
        {
            await broker.Server.InjectApplicationMessage(
                new MQTTnet.Server.InjectedMqttApplicationMessage(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload("v").Build()), Ct);
        }

        while (!received.Contains("sensors/open"))
        {
            await Task.Delay(50, Ct);
        }

        lock (received)
        {
            Assert.DoesNotContain("sensors/secret/k", received);
        }

        // Changed on disk: the broker reloads it.
        await File.AppendAllTextAsync(aclFile, "\nuser alice\ntopic write elsewhere\n", Ct);
        while (!Published(await alice.PublishStringAsync("elsewhere", "1", MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: Ct)))
        {
            await Task.Delay(100, Ct);
        }

    }

    [Fact]
    public async Task AClientCannotReadAnotherClientsResponseOrNotificationTopics()
    {
        var broker = await StartAsync(_ => { });
        var (victim, _) = await ConnectAsync(broker, "victim");
        var (snoop, _) = await ConnectAsync(broker, "snoop");

        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await SubscribeAsync(snoop, "clients/victim/#"));
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await SubscribeAsync(snoop, StateStoreTopics.NotificationFilter("victim")));
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await SubscribeAsync(victim, "clients/victim/#"));
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await SubscribeAsync(victim, StateStoreTopics.NotificationFilter("victim")));

        // A wildcard subscription is granted but never delivers another client's per-client messages.
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await SubscribeAsync(snoop, "#"));
        var snooped = new List<string>();
        var victimGot = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        snoop.ApplicationMessageReceivedAsync += args =>
        {
            lock (snooped)
            {
                snooped.Add(args.ApplicationMessage.Topic);
            }

            return Task.CompletedTask;
        };
        victim.ApplicationMessageReceivedAsync += args =>
        {
            if (args.ApplicationMessage.Topic == "clients/victim/done")
            {
                victimGot.TrySetResult(args.ApplicationMessage.Topic);
            }

            return Task.CompletedTask;
        };
        var (executor, _) = await ConnectAsync(broker, "executor");
        await executor.PublishStringAsync("clients/victim/rpc/response", "secret answer", MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: Ct);
        await executor.PublishStringAsync(StateStoreTopics.NotificationTopic("victim", "k"u8), "notify", MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: Ct);
        await executor.PublishStringAsync("open/topic", "public", MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: Ct);
        await executor.PublishStringAsync("clients/victim/done", "done", MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: Ct);
        await victimGot.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        while (!snooped.Contains("open/topic"))
        {
            await Task.Delay(50, Ct);
        }

        lock (snooped)
        {
            Assert.DoesNotContain(snooped, t => t.StartsWith("clients/", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task ARequestCannotClaimAnotherClientsSourceId()
    {
        var broker = await StartAsync(_ => { });
        var (mallory, _) = await ConnectAsync(broker, "mallory");
        var spoofed = new MqttApplicationMessageBuilder()
            .WithTopic(StateStoreTopics.RequestTopic)
            .WithPayload("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"u8.ToArray())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithUserProperty("__srcId", Encoding.UTF8.GetBytes("victim"))
            .Build();
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await mallory.PublishAsync(spoofed, Ct)).ReasonCode);
        var honest = new MqttApplicationMessageBuilder()
            .WithTopic("some/topic")
            .WithUserProperty("__srcId", Encoding.UTF8.GetBytes("mallory"))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        Assert.True(Published(await mallory.PublishAsync(honest, Ct)));
        var (_, reserved) = await ConnectAsync(broker, "statestore");
        Assert.Equal(MqttClientConnectResultCode.ClientIdentifierNotValid, reserved.ResultCode);
    }

    async Task<EmbeddedMqttBroker> StartSatBrokerAsync(TestTokenIssuer issuer)
    {
        var keys = Path.Combine(directory.Path, "sat-keys.pem");
        issuer.WritePublicKeyPem(keys);
        return await StartAsync(o =>
        {
            o.Security.Authentication.Sat.SigningKeysFile = keys;
            o.Security.Authentication.Sat.Issuer = TestTokenIssuer.Issuer;
            o.Security.Authentication.Sat.Audience = TestTokenIssuer.Audience;
            o.Security.Authentication.Sat.ClockSkew = TimeSpan.Zero;
        });
    }

    async Task<string> WritePasswordFileAsync(string user, string password)
    {
        var path = Path.Combine(directory.Path, "passwords");
        await BrokerPasswordFile.AddUserAsync(path, user, password, iterations: 1000, Ct);
        secrets.Add(password);
        foreach (var part in (await File.ReadAllTextAsync(path, Ct)).Trim().Split(':')[3..])
        {
            secrets.Add(part);
        }

        return path;
    }

    async Task<EmbeddedMqttBroker> StartAsync(Action<EmbeddedMqttBrokerOptions> configure)
    {
        var options = new EmbeddedMqttBrokerOptions { Port = FreePort.Get() };
        configure(options);
        var broker = new EmbeddedMqttBroker(options, loggerFactory);
        disposables.Add(broker);
        await broker.StartAsync(Ct);
        return broker;
    }

    async Task<(IMqttClient Client, MqttClientConnectResult Result)> ConnectAsync(
        EmbeddedMqttBroker broker, string clientId, Action<MqttClientOptionsBuilder>? configure = null, Action<IMqttClient>? hook = null)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        disposables.Add(new ClientDisposer(client));
        hook?.Invoke(client);
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", broker.Port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId(clientId)
            .WithCleanStart(true)
            .WithTimeout(TimeSpan.FromSeconds(30));
        configure?.Invoke(builder);
        var result = await client.ConnectAsync(builder.Build(), Ct);
        return (client, result);
    }

    static bool Published(MqttClientPublishResult result) =>
        result.ReasonCode is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers;

    static async Task<MqttClientSubscribeResultCode> SubscribeAsync(IMqttClient client, string filter)
    {
        var result = await client.SubscribeAsync(
            new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build(), Ct);
        return Assert.Single(result.Items).ResultCode;
    }

    static MqttClientTlsOptions Tls(TestCertificateAuthority ca, X509Certificate2? clientCertificate)
    {
        var builder = new MqttClientTlsOptionsBuilder()
            .UseTls()
            .WithTargetHost("localhost")
            .WithTrustChain([ca.Certificate]);
        if (clientCertificate is not null)
        {
            builder = builder.WithClientCertificates([clientCertificate]);
        }

        return builder.Build();
    }

    sealed class RecordingAuthHandler : IMqttEnhancedAuthenticationHandler
    {
        public TaskCompletionSource<MqttAuthenticateReasonCode> Received { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task HandleEnhancedAuthenticationAsync(MqttEnhancedAuthenticationEventArgs eventArgs)
        {
            Received.TrySetResult(eventArgs.ReasonCode);
            return Task.CompletedTask;
        }
    }

    sealed class ClientDisposer(IMqttClient client) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            if (client.IsConnected)
            {
                try
                {
                    await client.DisconnectAsync();
                }
                catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or ObjectDisposedException)
                {
                    // Gone already.
                }
            }

            client.Dispose();
        }
    }
}
