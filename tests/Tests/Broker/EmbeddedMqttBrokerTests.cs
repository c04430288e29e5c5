using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using OrleansAio.Silo.Broker;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Broker;

/// <summary>Behaviour of the embedded broker beyond the shared subscription contract.</summary>
public sealed class EmbeddedMqttBrokerTests(EmbeddedBrokerFixture fixture) : IClassFixture<EmbeddedBrokerFixture>, IAsyncLifetime
{
    private int errorsBefore;

    /// <inheritdoc />
    public ValueTask InitializeAsync()
    {
        errorsBefore = fixture.Errors.Count;
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Assert.Empty(fixture.Errors.Skip(errorsBefore));
        return ValueTask.CompletedTask;
    }

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static string NewTopicBase() => $"broker-tests/{Guid.NewGuid():N}";

    [Fact]
    public async Task InvalidShareNamesGetTopicFilterInvalidAndTheConnectionStaysUsable()
    {
        var topic = NewTopicBase();
        string[] invalid = ["$share//t", "$share/g+/t", "$share/g#/t", "$share/g", "$share/g/", "$share/g/a/#/b", "$share/g/a+/b"];

        // MQTTnet's high-level client validates filters and would never send these: speak the packets directly.
        using var raw = new MqttClientFactory().CreateLowLevelMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", fixture.Port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .Build();
        await raw.ConnectAsync(options, Ct);
        await raw.SendAsync(new MqttConnectPacket { ClientId = MqttTestClient.TestClientId("raw"), CleanSession = true, KeepAlivePeriod = 60 }, Ct);
        var connAck = Assert.IsType<MqttConnAckPacket>(await raw.ReceiveAsync(Ct));
        Assert.Equal(MqttConnectReasonCode.Success, connAck.ReasonCode);

        var subscribe = new MqttSubscribePacket { PacketIdentifier = 1 };
        foreach (var filter in invalid)
        {
            subscribe.TopicFilters.Add(new MqttTopicFilter { Topic = filter, QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce });
        }

        subscribe.TopicFilters.Add(new MqttTopicFilter { Topic = $"$share/g/{topic}", QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce });
        await raw.SendAsync(subscribe, Ct);
        var subAck = Assert.IsType<MqttSubAckPacket>(await raw.ReceiveAsync(Ct));

        Assert.Equal(
            [.. invalid.Select(_ => MqttSubscribeReasonCode.TopicFilterInvalid), MqttSubscribeReasonCode.GrantedQoS1],
            subAck.ReasonCodes);
        await using var publisher = await fixture.ConnectClientAsync("pub", cancellationToken: Ct);
        await publisher.PublishAsync(topic, "after", retain: false, Ct);
        var publish = Assert.IsType<MqttPublishPacket>(await raw.ReceiveAsync(Ct));
        Assert.Equal(topic, publish.Topic);
        await raw.SendAsync(new MqttPubAckPacket { PacketIdentifier = publish.PacketIdentifier }, Ct);
        await raw.SendAsync(new MqttDisconnectPacket(), Ct);
    }

    [Fact]
    public async Task SubAckReasonCodesFollowThePacketOrderWhenQualityOfServiceLevelsDiffer()
    {
        var topic = NewTopicBase();
        await using var client = await fixture.ConnectClientAsync("a", cancellationToken: Ct);
        var options = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(new MqttTopicFilter { Topic = "$share//x", QualityOfServiceLevel = MqttQualityOfServiceLevel.AtMostOnce })
            .WithTopicFilter(new MqttTopicFilter { Topic = $"$share/g/{topic}/a", QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce })
            .WithTopicFilter(new MqttTopicFilter { Topic = $"{topic}/b", QualityOfServiceLevel = MqttQualityOfServiceLevel.AtMostOnce })
            .WithTopicFilter(new MqttTopicFilter { Topic = $"{topic}/c", QualityOfServiceLevel = MqttQualityOfServiceLevel.ExactlyOnce })
            .Build();

        var result = await client.Client.SubscribeAsync(options, Ct);

        Assert.Equal(
            [
                MqttClientSubscribeResultCode.TopicFilterInvalid,
                MqttClientSubscribeResultCode.GrantedQoS1,
                MqttClientSubscribeResultCode.GrantedQoS0,
                MqttClientSubscribeResultCode.GrantedQoS2,
            ],
            result.Items.Select(i => i.ResultCode));
    }

    [Fact]
    public async Task MemberReconnectingWithCleanStartLeavesItsGroup()
    {
        var topic = NewTopicBase();
        await using var a = await fixture.ConnectClientAsync("a", sessionExpirySeconds: 300, cancellationToken: Ct);
        await using var b = await fixture.ConnectClientAsync("b", cancellationToken: Ct);
        await using var publisher = await fixture.ConnectClientAsync("pub", cancellationToken: Ct);
        await a.SubscribeAsync($"$share/g/{topic}", Ct);
        await b.SubscribeAsync($"$share/g/{topic}", Ct);
        await a.DisconnectAsync(Ct);

        await a.ReconnectAsync(300, cleanStart: true, Ct);
        var sent = await publisher.PublishManyAsync(topic, 40, "m", Ct);

        await GroupAssertions.AssertGroupReceivedEachOnceAsync(sent, b);
        Assert.Equal([b.ClientId], fixture.Broker.Router.GetMembers("g", topic));
    }

    [Fact]
    public async Task RetainedMessagesAreNotSentToANewSharedSubscription()
    {
        var topic = NewTopicBase();
        await using var publisher = await fixture.ConnectClientAsync("pub", cancellationToken: Ct);
        await using var member = await fixture.ConnectClientAsync("member", cancellationToken: Ct);
        await using var plain = await fixture.ConnectClientAsync("plain", cancellationToken: Ct);
        await publisher.PublishAsync($"{topic}/data", "retained", retain: true, Ct);

        await member.SubscribeAsync($"$share/g/{topic}/data", Ct);
        await plain.SubscribeAsync($"{topic}/data", Ct);
        await publisher.PublishAsync($"{topic}/data", "live", retain: false, Ct);

        await MqttTestClient.WaitUntilAsync(() => member.Received.Contains("live"), "the live message at the shared member", Ct);
        await MqttTestClient.WaitUntilAsync(() => plain.Received.Contains("live"), "the live message at the plain subscriber", Ct);
        Assert.Equal(["live"], member.Received);
        Assert.Equal(["retained", "live"], plain.Received);
        await publisher.PublishAsync($"{topic}/data", string.Empty, retain: true, Ct);
    }

    [Fact]
    public async Task WithNoMemberConnectedMessagesWaitInOnePersistentSessionEach()
    {
        var topic = NewTopicBase();
        await using var a = await fixture.ConnectClientAsync("a", sessionExpirySeconds: 300, cancellationToken: Ct);
        await using var b = await fixture.ConnectClientAsync("b", sessionExpirySeconds: 300, cancellationToken: Ct);
        await using var publisher = await fixture.ConnectClientAsync("pub", cancellationToken: Ct);
        await a.SubscribeAsync($"$share/g/{topic}", Ct);
        await b.SubscribeAsync($"$share/g/{topic}", Ct);
        await a.DisconnectAsync(Ct);
        await b.DisconnectAsync(Ct);
        await WaitUntilDisconnectedAsync(fixture.Broker, a.ClientId);
        await WaitUntilDisconnectedAsync(fixture.Broker, b.ClientId);

        var sent = await publisher.PublishManyAsync(topic, 40, "m", Ct);
        await a.ReconnectAsync(300, cleanStart: false, Ct);
        await b.ReconnectAsync(300, cleanStart: false, Ct);

        await GroupAssertions.AssertGroupReceivedEachOnceAsync(sent, a, b);
        Assert.NotEmpty(a.Received);
        Assert.NotEmpty(b.Received);
    }

    [Fact]
    public async Task OneClientWithAPlainAndASharedSubscriptionOnTheSameFilterReceivesEveryMessage()
    {
        var topic = NewTopicBase();
        await using var a = await fixture.ConnectClientAsync("a", cancellationToken: Ct);
        await using var b = await fixture.ConnectClientAsync("b", cancellationToken: Ct);
        await using var publisher = await fixture.ConnectClientAsync("pub", cancellationToken: Ct);
        await a.SubscribeAsync($"$share/g/{topic}", Ct);
        await a.SubscribeAsync(topic, Ct);
        await b.SubscribeAsync($"$share/g/{topic}", Ct);

        var sent = await publisher.PublishManyAsync(topic, 50, "m", Ct);

        await MqttTestClient.WaitUntilAsync(() => a.Received.Count >= sent.Count, "the plain subscription to deliver every message", Ct);

        // The plain UNSUBSCRIBE must keep the shared membership alive (MQTTnet holds one subscription per filter string).
        var unsubscribe = await a.Client.UnsubscribeAsync(new MqttClientUnsubscribeOptionsBuilder().WithTopicFilter(topic).Build(), Ct);
        Assert.Equal(MqttClientUnsubscribeResultCode.Success, Assert.Single(unsubscribe.Items).ResultCode);
        var second = await publisher.PublishManyAsync(topic, 50, "n", Ct);
        await GroupAssertions.AssertGroupReceivedEachOnceAsync(second, a, b);
        Assert.Contains(a.Received, p => p.StartsWith('n'));
        Assert.Equivalent(new[] { a.ClientId, b.ClientId }, fixture.Broker.Router.GetMembers("g", topic), strict: true);
    }

    [Fact]
    public async Task OneClientInTwoGroupsOnTheSameFilterServesBothAndCanLeaveOne()
    {
        var topic = NewTopicBase();
        await using var a = await fixture.ConnectClientAsync("a", cancellationToken: Ct);
        await using var b = await fixture.ConnectClientAsync("b", cancellationToken: Ct);
        await using var c = await fixture.ConnectClientAsync("c", cancellationToken: Ct);
        await using var publisher = await fixture.ConnectClientAsync("pub", cancellationToken: Ct);
        await a.SubscribeAsync($"$share/g1/{topic}", Ct);
        await a.SubscribeAsync($"$share/g2/{topic}", Ct);
        await b.SubscribeAsync($"$share/g1/{topic}", Ct);
        await c.SubscribeAsync($"$share/g2/{topic}", Ct);

        var first = await publisher.PublishManyAsync(topic, 60, "m", Ct);

        // MQTTnet holds one subscription per filter string: a message chosen for a in both groups reaches a once.
        await GroupAssertions.AssertGroupReceivedEachOnceAsync(first, a, b);
        await GroupAssertions.AssertGroupReceivedEachOnceAsync(first, a, c);

        var unsubscribe = await a.Client.UnsubscribeAsync(
            new MqttClientUnsubscribeOptionsBuilder().WithTopicFilter($"$share/g1/{topic}").Build(), Ct);
        Assert.Equal(MqttClientUnsubscribeResultCode.Success, Assert.Single(unsubscribe.Items).ResultCode);
        var second = await publisher.PublishManyAsync(topic, 60, "n", Ct);

        await GroupAssertions.AssertGroupReceivedEachOnceAsync(second, b);
        await GroupAssertions.AssertGroupReceivedEachOnceAsync(second, a, c);
        Assert.Contains(a.Received, p => p.StartsWith('n'));
    }

    [Fact]
    public async Task UnsubscribingAShareTheClientNeverJoinedSaysNoSubscriptionExisted()
    {
        await using var client = await fixture.ConnectClientAsync("a", cancellationToken: Ct);

        var result = await client.Client.UnsubscribeAsync(
            new MqttClientUnsubscribeOptionsBuilder().WithTopicFilter($"$share/g/{NewTopicBase()}").Build(), Ct);

        Assert.Equal(MqttClientUnsubscribeResultCode.NoSubscriptionExisted, Assert.Single(result.Items).ResultCode);
    }

    [Fact]
    public async Task MqttNetLogIsBridgedAtDebug()
    {
        await using var client = await fixture.ConnectClientAsync("a", cancellationToken: Ct);
        await client.DisconnectAsync(Ct);

        await MqttTestClient.WaitUntilAsync(
            () => fixture.Logs.Entries.Any(e => e.Category.StartsWith("MQTTnet.", StringComparison.Ordinal) &&
                                                e.Level == LogLevel.Debug &&
                                                e.Message.Contains(client.ClientId, StringComparison.Ordinal)),
            "an MQTTnet log line about the client at Debug",
            Ct);
    }

    [Fact]
    public async Task StartOnAPortInUseThrowsNamingThePort()
    {
        using var blocker = new TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        var port = ((IPEndPoint)blocker.LocalEndpoint).Port;
        var logs = new CapturingLoggerProvider();
        using var loggerFactory = logs.CreateFactory();
        await using var broker = new EmbeddedMqttBroker(new EmbeddedMqttBrokerOptions { Port = port }, loggerFactory);

        var exception = await Assert.ThrowsAsync<EmbeddedBrokerException>(() => broker.StartAsync(Ct));

        Assert.Equal(EmbeddedBrokerErrorKind.PortInUse, exception.Kind);
        Assert.Equal(port, exception.Port);
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "127.0.0.1", 10, "Port")]
    [InlineData(1883, "localhost", 10, "BindAddress")]
    [InlineData(1883, "127.0.0.1", 0, "MaxPendingMessagesPerClient")]
    public void BadOptionsAreRefusedNamingTheOption(int port, string bindAddress, int maxPending, string named)
    {
        var logs = new CapturingLoggerProvider();
        using var loggerFactory = logs.CreateFactory();
        var options = new EmbeddedMqttBrokerOptions { Port = port, BindAddress = bindAddress, MaxPendingMessagesPerClient = maxPending };

        var exception = Assert.Throws<EmbeddedBrokerException>(() => new EmbeddedMqttBroker(options, loggerFactory));

        Assert.Equal(EmbeddedBrokerErrorKind.InvalidOptions, exception.Kind);
        Assert.Contains(named, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PendingMessageLimitIsHonouredAndDropsAreLogged()
    {
        const int limit = 5;
        var topic = NewTopicBase();
        long droppedMeasured = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == EmbeddedMqttBroker.MeterName && instrument.Name == "aio.broker.messages.dropped")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref droppedMeasured, value));
        listener.Start();
        await using var limited = new EmbeddedBrokerFixture(new EmbeddedMqttBrokerOptions { MaxPendingMessagesPerClient = limit });
        await limited.InitializeAsync();
        await using var subscriber = await limited.ConnectClientAsync("sub", sessionExpirySeconds: 300, Ct);
        await using var publisher = await limited.ConnectClientAsync("pub", cancellationToken: Ct);
        await subscriber.SubscribeAsync(topic, Ct);
        await subscriber.DisconnectAsync(Ct);
        await WaitUntilDisconnectedAsync(limited.Broker, subscriber.ClientId);

        var sent = await publisher.PublishManyAsync(topic, limit * 2, "m", Ct);

        IReadOnlyList<CapturedLog> Drops() => [.. limited.Logs.Entries.Where(e => e.Level == LogLevel.Warning && e.Message.StartsWith("Dropped", StringComparison.Ordinal))];
        await MqttTestClient.WaitUntilAsync(() => Drops().Count >= limit, $"{limit} logged drops", Ct);
        var session = await limited.Broker.Server.GetSessionAsync(subscriber.ClientId);
        Assert.Equal(limit, session.PendingApplicationMessagesCount);
        Assert.Equal(limit, Drops().Count);
        Assert.All(Drops(), d => Assert.Contains(subscriber.ClientId, d.Message, StringComparison.Ordinal));
        Assert.Equal(limit, Interlocked.Read(ref droppedMeasured));

        await subscriber.ReconnectAsync(300, cleanStart: false, Ct);
        await MqttTestClient.WaitUntilAsync(() => subscriber.Received.Count >= limit, "the queued messages after reconnect", Ct);
        Assert.Equal(sent.Take(limit), subscriber.Received);
    }

    // A DISCONNECT travels on its own connection: wait until the broker has processed it before publishing.
    static async Task WaitUntilDisconnectedAsync(EmbeddedMqttBroker broker, string clientId)
    {
        using var deadline = new CancellationTokenSource(MqttTestClient.HangGuard, TimeProvider.System);
        while ((await broker.Server.GetClientsAsync()).Any(c => c.Id == clientId))
        {
            Assert.False(deadline.IsCancellationRequested, $"{clientId} still connected after {MqttTestClient.HangGuard.TotalSeconds} s");
            await Task.Delay(TimeSpan.FromMilliseconds(10), TimeProvider.System, Ct);
        }
    }
}
