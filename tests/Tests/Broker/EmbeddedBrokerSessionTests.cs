using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using OrleansAio.Silo.Broker;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Broker;

/// <summary>Client identifiers, session expiry, queue overflow logging and start-up admission of the embedded broker.</summary>
public sealed class EmbeddedBrokerSessionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnMqtt5ClientWithAnEmptyClientIdGetsOneAssigned()
    {
        await using var broker = new EmbeddedBrokerFixture();
        await broker.InitializeAsync();
        using var client = new MqttClientFactory().CreateMqttClient();

        // As mosquitto_sub -V mqttv5 connects by default (MQTT 5 §3.1.3.1: the server assigns one and returns it).
        var connected = await client.ConnectAsync(
            new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithProtocolVersion(MqttProtocolVersion.V500).WithClientId(string.Empty).Build(), Ct);

        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
        Assert.False(string.IsNullOrEmpty(connected.AssignedClientIdentifier));
        Assert.Contains(await broker.Broker.Server.GetClientsAsync(), c => c.Id == connected.AssignedClientIdentifier);
        await client.DisconnectAsync(cancellationToken: Ct);
    }

    [Fact]
    public async Task ASessionWithExpiryZeroEndsWithItsConnectionAndQueuesNothing()
    {
        await using var broker = new EmbeddedBrokerFixture();
        await broker.InitializeAsync();
        var topic = $"session-tests/{Guid.NewGuid():N}";
        await using var subscriber = await broker.ConnectClientAsync("expiry0", sessionExpirySeconds: 0, Ct);
        await using var publisher = await broker.ConnectClientAsync("pub", cancellationToken: Ct);
        await subscriber.SubscribeAsync(topic, Ct);

        await subscriber.DisconnectAsync(Ct);
        await MqttTestClient.WaitUntilAsync(async () => !await HasSessionAsync(broker, subscriber.ClientId), "the session to end", Ct);
        await publisher.PublishManyAsync(topic, 20, "m", Ct);

        // MQTT 5 §3.1.2.11: nothing is kept for it; the later messages go nowhere.
        Assert.False(await HasSessionAsync(broker, subscriber.ClientId));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ASessionWithExpiryZeroEndsWhenItsConnectionDropsToo(bool cleanStart)
    {
        await using var broker = new EmbeddedBrokerFixture();
        await broker.InitializeAsync();
        var topic = $"session-tests/{Guid.NewGuid():N}";
        var subscriber = await MqttTestClient.ConnectAsync(broker.Port, "dropped", sessionExpirySeconds: 0, cleanStart: cleanStart, cancellationToken: Ct);
        await using var publisher = await broker.ConnectClientAsync("pub", cancellationToken: Ct);
        await subscriber.SubscribeAsync(topic, Ct);

        // No DISCONNECT: the process died or the network went away.
        subscriber.Client.Dispose();
        await MqttTestClient.WaitUntilAsync(async () => !(await broker.Broker.Server.GetClientsAsync()).Any(c => c.Id == subscriber.ClientId), "the broker to notice", Ct);
        await publisher.PublishManyAsync(topic, 20, "m", Ct);

        await MqttTestClient.WaitUntilAsync(async () => !await HasSessionAsync(broker, subscriber.ClientId), "the session to end", Ct);
    }

    [Fact]
    public async Task AGroupMemberWhoseSessionEndedGetsNoShareOfLaterMessages()
    {
        await using var broker = new EmbeddedBrokerFixture();
        await broker.InitializeAsync();
        var topic = $"session-tests/{Guid.NewGuid():N}";
        var gone = await MqttTestClient.ConnectAsync(broker.Port, "gone", sessionExpirySeconds: 0, cleanStart: false, cancellationToken: Ct);
        await using var live = await broker.ConnectClientAsync("live", cancellationToken: Ct);
        await using var publisher = await broker.ConnectClientAsync("pub", cancellationToken: Ct);
        await gone.SubscribeAsync($"$share/g/{topic}", Ct);
        await live.SubscribeAsync($"$share/g/{topic}", Ct);

        gone.Client.Dispose();
        await MqttTestClient.WaitUntilAsync(async () => !(await broker.Broker.Server.GetClientsAsync()).Any(c => c.Id == gone.ClientId), "the broker to notice", Ct);
        var sent = await publisher.PublishManyAsync(topic, 10, "m", Ct);

        // Its session ended with its connection (expiry 0): the group has one member left, which gets every message.
        await MqttTestClient.WaitUntilAsync(() => live.Received.Count >= sent.Count, "every message at the live member", Ct);
        Assert.Equal(sent, live.Received.Order());
        Assert.False(await HasSessionAsync(broker, gone.ClientId));
    }

    [Fact]
    public async Task APersistentSessionEndsAfterItsExpiryUnlessTheClientComesBack()
    {
        await using var broker = new EmbeddedBrokerFixture();
        await broker.InitializeAsync();
        await using var leaving = await broker.ConnectClientAsync("expires", sessionExpirySeconds: 1, Ct);
        await using var returning = await broker.ConnectClientAsync("returns", sessionExpirySeconds: 1, Ct);

        await leaving.DisconnectAsync(Ct);
        await returning.DisconnectAsync(Ct);
        Assert.True(await HasSessionAsync(broker, leaving.ClientId));
        await returning.ReconnectAsync(1, cleanStart: false, Ct);
        await MqttTestClient.WaitUntilAsync(async () => !await HasSessionAsync(broker, leaving.ClientId), "the expired session to end", Ct);

        // The client that came back within its expiry keeps its session.
        Assert.True(await HasSessionAsync(broker, returning.ClientId));
    }

    [Fact]
    public async Task AnOverflowingQueueLogsOnceWhenItStartsAndOnceWithTheCountWhenItEnds()
    {
        const int limit = 5;
        const int extra = 200;
        await using var broker = new EmbeddedBrokerFixture(new EmbeddedMqttBrokerOptions { MaxPendingMessagesPerClient = limit });
        await broker.InitializeAsync();
        var topic = $"session-tests/{Guid.NewGuid():N}";
        await using var subscriber = await broker.ConnectClientAsync("overflow", sessionExpirySeconds: 300, Ct);
        await using var publisher = await broker.ConnectClientAsync("pub", cancellationToken: Ct);
        await subscriber.SubscribeAsync(topic, Ct);
        await subscriber.DisconnectAsync(Ct);
        await MqttTestClient.WaitUntilAsync(async () => !(await broker.Broker.Server.GetClientsAsync()).Any(c => c.Id == subscriber.ClientId), "the disconnect", Ct);

        await publisher.PublishManyAsync(topic, limit + extra, "m", Ct);
        await subscriber.ReconnectAsync(300, cleanStart: false, Ct);

        IReadOnlyList<CapturedLog> Overflow() =>
            [.. broker.Logs.Entries.Where(e => e.Level == LogLevel.Warning && e.Message.Contains(subscriber.ClientId, StringComparison.Ordinal))];
        await MqttTestClient.WaitUntilAsync(() => Overflow().Count >= 2, "the overflow's two lines", Ct);
        Assert.Equal(2, Overflow().Count);
        Assert.StartsWith("Dropping messages for client", Overflow()[0].Message, StringComparison.Ordinal);
        Assert.StartsWith($"Dropped {extra} messages for client {subscriber.ClientId}", Overflow()[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhileStartingOnlyTheSilosOwnSessionIsAdmittedThenEveryone()
    {
        var siloClientId = "silo-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = new EmbeddedBrokerFixture(new EmbeddedMqttBrokerOptions { StartupClientId = siloClientId });
        await broker.InitializeAsync();
        using var early = new MqttClientFactory().CreateMqttClient();
        var earlyOptions = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId("early-" + Guid.NewGuid().ToString("N")[..8]).Build();

        Assert.Equal(MqttClientConnectResultCode.ServerUnavailable, (await early.ConnectAsync(earlyOptions, Ct)).ResultCode);
        await using var silo = await MqttTestClient.ConnectAsync(broker.Port, "silo", clientId: siloClientId, cancellationToken: Ct);

        broker.Broker.AdmitAllClients();

        Assert.Equal(MqttClientConnectResultCode.Success, (await early.ConnectAsync(earlyOptions, Ct)).ResultCode);
        await early.DisconnectAsync(cancellationToken: Ct);
    }

    private static async Task<bool> HasSessionAsync(EmbeddedBrokerFixture broker, string clientId) =>
        (await broker.Broker.Server.GetSessionsAsync()).Any(s => s.Id == clientId);
}
