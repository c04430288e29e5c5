using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;
using OrleansAio.Abstractions.StateStore;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Connection;
using OrleansAio.Protocol.DeviceRegistry;
using OrleansAio.Protocol.SchemaRegistry;
using OrleansAio.Protocol.Session;
using OrleansAio.Protocol.StateStore;
using OrleansAio.Silo.Broker;
using OrleansAio.Silo.Hosting;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Security;

/// <summary>
/// The whole silo with authentication on: users from a credentials file, per-key state-store rules and quotas, through the
/// real embedded broker and the state store's wire endpoint, with the SDK-shaped <see cref="StateStoreClient"/>.
/// </summary>
public sealed class StateStoreAuthorizationTests : IDisposable
{
    private readonly TempDirectory directory = new("statestore-authorization");
    private readonly SiloPorts ports = new();

    public void Dispose() => directory.Dispose();

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task KeysAreReadAndWrittenOnlyAsTheRulesAllowAndQuotasHold()
    {
        var logs = new SecretLogs();
        var passwords = Path.Combine(directory.Path, "passwords");
        await logs.AddUserAsync(passwords, "alice", "alice-secret", Ct);
        await logs.AddUserAsync(passwords, "bob", "bob-secret", Ct);
        var settings = ports.ToConfiguration();
        settings["Silo:DataDirectory"] = Path.Combine(directory.Path, "data");
        settings["Logging:LogLevel:Default"] = "Warning";
        settings["Broker:Authentication:PasswordFile"] = passwords;
        settings["StateStore:Authorization:Enabled"] = "true";
        settings["StateStore:Authorization:Rules:0:User"] = "alice";
        settings["StateStore:Authorization:Rules:0:Read:0"] = "%u/*";
        settings["StateStore:Authorization:Rules:0:Write:0"] = "%u/*";
        settings["StateStore:Authorization:Rules:1:Read:0"] = "shared/*";
        settings["StateStore:Authorization:Rules:2:User"] = "bob";
        settings["StateStore:Authorization:Rules:2:Write:0"] = "shared/*";
        settings["StateStore:Authorization:MaxKeysPerClient"] = "2";
        settings["StateStore:Authorization:MaxValueBytesPerClient"] = "32";
        settings["StateStore:Authorization:MaxBytesPerClient"] = "40";
        settings["Registries:Authorization:Enabled"] = "true";
        settings["Registries:Authorization:SchemaRegistry:Users:0"] = "bob";
        settings["Registries:Authorization:DeviceRegistry:Users:0"] = "bob";
        await using var silo = await SiloApplication.StartAsync(
            [], configuration => configuration.AddInMemoryCollection(settings), Ct, s => logs.AddTo(s.Services));

        await using var aliceSession = await ConnectAsync("alice", "alice", "alice-secret");
        await using var alice = new StateStoreClient(new ApplicationContext(), aliceSession);
        await using var bobSession = await ConnectAsync("bob", "bob", "bob-secret");
        await using var bob = new StateStoreClient(new ApplicationContext(), bobSession);

        Assert.True((await alice.SetAsync("alice/1", "v", cancellationToken: Ct)).Success);
        Assert.Equal("v", (await alice.GetAsync("alice/1", cancellationToken: Ct)).Value?.GetString());
        Assert.Equal(StateStoreServiceError.NotAuthorized, await ErrorOf(() => bob.GetAsync("alice/1", cancellationToken: Ct)));
        Assert.Equal(StateStoreServiceError.NotAuthorized, await ErrorOf(() => bob.SetAsync("alice/1", "overwritten", cancellationToken: Ct)));
        Assert.Equal(StateStoreServiceError.NotAuthorized, await ErrorOf(() => bob.DeleteAsync("alice/1", cancellationToken: Ct)));
        Assert.Equal(StateStoreServiceError.NotAuthorized, await ErrorOf(() => bob.ObserveAsync("alice/1", cancellationToken: Ct)));
        Assert.Equal(StateStoreServiceError.NotAuthorized, await ErrorOf(() => alice.SetAsync("shared/x", "v", cancellationToken: Ct)));
        Assert.True((await bob.SetAsync("shared/x", "from bob", cancellationToken: Ct)).Success);
        Assert.Equal("from bob", (await alice.GetAsync("shared/x", cancellationToken: Ct)).Value?.GetString());
        Assert.Equal("v", (await alice.GetAsync("alice/1", cancellationToken: Ct)).Value?.GetString());

        // Quotas: two keys per client, 32-byte values.
        Assert.Equal(StateStoreServiceError.QuotaExceeded, await ErrorOf(() => alice.SetAsync("alice/big", new string('x', 33), cancellationToken: Ct)));
        Assert.True((await alice.SetAsync("alice/2", "v", cancellationToken: Ct)).Success);
        Assert.Equal(StateStoreServiceError.QuotaExceeded, await ErrorOf(() => alice.SetAsync("alice/3", "v", cancellationToken: Ct)));
        Assert.True((await alice.SetAsync("alice/1", "rewritten", cancellationToken: Ct)).Success);
        Assert.Equal(1, (await alice.DeleteAsync("alice/2", cancellationToken: Ct)).DeletedItemsCount);
        Assert.True((await alice.SetAsync("alice/3", "v", cancellationToken: Ct)).Success);

        // 40 bytes per client, key plus value: bob holds shared/x (16 bytes); 28 more would pass it, 13 more do not.
        Assert.Equal(StateStoreServiceError.QuotaExceeded, await ErrorOf(() => bob.SetAsync("shared/y", new string('y', 20), cancellationToken: Ct)));
        Assert.True((await bob.SetAsync("shared/y", "small", cancellationToken: Ct)).Success);

        // The schema registry honours the same identities: only bob may put schemas; anyone may read them.
        var content = OrleansAio.Tests.SchemaRegistry.SchemaTexts.Unique("security");
        await using var aliceSchemas = new SchemaRegistryClient(new ApplicationContext(), aliceSession);
        await using var bobSchemas = new SchemaRegistryClient(new ApplicationContext(), bobSession);
        var refusal = await Assert.ThrowsAsync<SchemaRegistryErrorException>(() => aliceSchemas.PutAsync(content, SchemaFormat.JsonSchemaDraft07, cancellationToken: Ct));
        Assert.Equal(403, refusal.Error.Code);
        var schema = await bobSchemas.PutAsync(content, SchemaFormat.JsonSchemaDraft07, cancellationToken: Ct);
        Assert.Equal(schema.Name, (await aliceSchemas.GetAsync(schema.Name, cancellationToken: Ct)).Name);

        // And the device registry: alice may not change a device's status; bob gets as far as "no such device".
        await using var aliceDevices = new AzureDeviceRegistryClient(new ApplicationContext(), aliceSession);
        await using var bobDevices = new AzureDeviceRegistryClient(new ApplicationContext(), bobSession);
        var deviceRefusal = await Assert.ThrowsAsync<AkriServiceErrorException>(
            () => aliceDevices.UpdateDeviceStatusAsync("no-such-device", "e", new DeviceStatus(), cancellationToken: Ct));
        Assert.Equal(AkriServiceErrorCode.Unauthorized, deviceRefusal.Code);
        var notFound = await Assert.ThrowsAsync<AkriServiceErrorException>(
            () => bobDevices.UpdateDeviceStatusAsync("no-such-device", "e", new DeviceStatus(), cancellationToken: Ct));
        Assert.NotEqual(AkriServiceErrorCode.Unauthorized, notFound.Code);

        // Refusals are logged, secrets never (the silo's own internal secret is random bytes and never leaves memory).
        Assert.Contains(logs.Provider.Entries, e => e.Message.Contains("State store write refused", StringComparison.Ordinal));
        logs.AssertNoSecretLogged();
    }

    [Fact]
    public async Task TheRealSiloRefusesAnonymousSnoopingAndSpoofing()
    {
        var logs = new SecretLogs();
        var passwords = Path.Combine(directory.Path, "passwords");
        await logs.AddUserAsync(passwords, "carol", "carol-secret", Ct);
        logs.Add("nope");
        var settings = ports.ToConfiguration();
        settings["Silo:DataDirectory"] = Path.Combine(directory.Path, "data");
        settings["Logging:LogLevel:Default"] = "Warning";
        settings["Broker:Authentication:PasswordFile"] = passwords;
        // Every address: allowed because authentication is configured; the silo's own session still connects over loopback.
        settings["Silo:BrokerBindAddress"] = "0.0.0.0";
        await using var silo = await SiloApplication.StartAsync([], configuration => configuration.AddInMemoryCollection(settings), Ct, s => logs.AddTo(s.Services));

        using var anonymous = new MqttClientFactory().CreateMqttClient();
        var refused = await anonymous.ConnectAsync(Options("anon").Build(), Ct);
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, refused.ResultCode);
        using var wrong = new MqttClientFactory().CreateMqttClient();
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, (await wrong.ConnectAsync(Options("wrong").WithCredentials("carol", "nope").Build(), Ct)).ResultCode);

        using var carol = new MqttClientFactory().CreateMqttClient();
        Assert.Equal(MqttClientConnectResultCode.Success, (await carol.ConnectAsync(Options("carol").WithCredentials("carol", "carol-secret").Build(), Ct)).ResultCode);
        var subscribe = await carol.SubscribeAsync(
            new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter($"clients/{silo.MqttSettings.ClientId}/#", MqttQualityOfServiceLevel.AtLeastOnce)
                .WithTopicFilter(StateStoreTopics.NotificationFilter("someone-else"), MqttQualityOfServiceLevel.AtLeastOnce)
                .Build(),
            Ct);
        Assert.All(subscribe.Items, item => Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, item.ResultCode));

        // A state-store request claiming another client's id is refused by the broker before the state store sees it.
        var spoofed = new MqttApplicationMessageBuilder()
            .WithTopic(StateStoreTopics.RequestTopic)
            .WithPayload("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"u8.ToArray())
            .WithUserProperty("__srcId", Encoding.UTF8.GetBytes(silo.MqttSettings.ClientId))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await carol.PublishAsync(spoofed, Ct)).ReasonCode);

        // Nor can it forge a notification to another client: in the silo's broker only the state store writes those topics.
        var forged = await carol.PublishStringAsync(
            StateStoreTopics.NotificationTopic("someone-else", "k"u8), "forged", MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: Ct);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, forged.ReasonCode);
        await carol.DisconnectAsync(cancellationToken: Ct);
        logs.AssertNoSecretLogged();
    }

    MqttClientOptionsBuilder Options(string suffix) => new MqttClientOptionsBuilder()
        .WithTcpServer("127.0.0.1", ports.Broker)
        .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
        .WithClientId(MqttTestClient.TestClientId(suffix))
        .WithCleanStart(true);

    static async Task<StateStoreServiceError?> ErrorOf(Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<AioProtocolException>(call);
        return error.GetStateStoreError();
    }

    async Task<MqttSessionClient> ConnectAsync(string suffix, string user, string password)
    {
        var session = new MqttSessionClient(new MqttSessionClientOptions(), NullLoggerFactory.Instance);
        await session.ConnectAsync(
            new MqttConnectionSettings
            {
                HostName = "127.0.0.1",
                TcpPort = ports.Broker,
                UseTls = false,
                ClientId = MqttTestClient.TestClientId(suffix),
                Username = user,
                Password = Encoding.UTF8.GetBytes(password),
            },
            Ct);
        return session;
    }
}
