using MQTTnet;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Broker;

/// <summary>
/// MQTT 5 shared subscription behaviour (§4.8.2), written once and run against every broker: the embedded broker and Mosquitto.
/// </summary>
public abstract class SharedSubscriptionContractTests
{
    const int MessageCount = 200;

    /// <summary>The loopback port of the broker under test (skips the test when the broker is unavailable).</summary>
    protected abstract int Port { get; }

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static string NewTopicBase() => $"shared-tests/{Guid.NewGuid():N}";

    Task<MqttTestClient> ConnectAsync(string suffix, uint sessionExpirySeconds = 0) =>
        MqttTestClient.ConnectAsync(Port, suffix, sessionExpirySeconds, cancellationToken: Ct);

    [Fact]
    public async Task ConnAckAdvertisesSharedSubscriptions()
    {
        await using var client = await ConnectAsync("a");

        Assert.True(client.ConnectResult!.SharedSubscriptionAvailable);
    }

    [Fact]
    public async Task TwoMembersOfOneGroupReceiveDisjointSetsCoveringEveryMessage()
    {
        var topic = NewTopicBase();
        await using var a = await ConnectAsync("a");
        await using var b = await ConnectAsync("b");
        await using var publisher = await ConnectAsync("pub");
        AssertGranted(await a.SubscribeAsync($"$share/g1/{topic}/#", Ct));
        AssertGranted(await b.SubscribeAsync($"$share/g1/{topic}/#", Ct));

        var sent = await publisher.PublishManyAsync($"{topic}/data", MessageCount, "m", Ct);

        await AssertGroupReceivedEachOnceAsync(sent, a, b);
        Assert.NotEmpty(a.Received);
        Assert.NotEmpty(b.Received);
    }

    [Fact]
    public async Task PlainSubscriberReceivesEveryMessageBesideTheGroup()
    {
        var topic = NewTopicBase();
        await using var a = await ConnectAsync("a");
        await using var b = await ConnectAsync("b");
        await using var plain = await ConnectAsync("plain");
        await using var publisher = await ConnectAsync("pub");
        AssertGranted(await a.SubscribeAsync($"$share/g1/{topic}/+", Ct));
        AssertGranted(await b.SubscribeAsync($"$share/g1/{topic}/+", Ct));
        AssertGranted(await plain.SubscribeAsync($"{topic}/+", Ct));

        var sent = await publisher.PublishManyAsync($"{topic}/data", MessageCount, "m", Ct);

        await MqttTestClient.WaitUntilAsync(() => plain.Received.Count >= sent.Count, "the plain subscriber to receive every message", Ct);
        Assert.Equal(sent.Order(StringComparer.Ordinal), plain.Received.Order(StringComparer.Ordinal));
        await AssertGroupReceivedEachOnceAsync(sent, a, b);
    }

    [Fact]
    public async Task SecondGroupReceivesEveryMessageAgain()
    {
        var topic = NewTopicBase();
        await using var a = await ConnectAsync("a");
        await using var b = await ConnectAsync("b");
        await using var c = await ConnectAsync("c");
        await using var d = await ConnectAsync("d");
        await using var publisher = await ConnectAsync("pub");
        AssertGranted(await a.SubscribeAsync($"$share/g1/{topic}/data", Ct));
        AssertGranted(await b.SubscribeAsync($"$share/g1/{topic}/data", Ct));
        AssertGranted(await c.SubscribeAsync($"$share/g2/{topic}/data", Ct));
        AssertGranted(await d.SubscribeAsync($"$share/g2/{topic}/data", Ct));

        var sent = await publisher.PublishManyAsync($"{topic}/data", MessageCount, "m", Ct);

        await AssertGroupReceivedEachOnceAsync(sent, a, b);
        await AssertGroupReceivedEachOnceAsync(sent, c, d);
    }

    [Fact]
    public async Task UnsubscribedMemberStopsReceivingAndTheOtherGetsEverything()
    {
        var topic = NewTopicBase();
        await using var a = await ConnectAsync("a");
        await using var b = await ConnectAsync("b");
        await using var publisher = await ConnectAsync("pub");
        AssertGranted(await a.SubscribeAsync($"$share/g1/{topic}/data", Ct));
        AssertGranted(await b.SubscribeAsync($"$share/g1/{topic}/data", Ct));
        AssertGranted(await a.SubscribeAsync($"{topic}/fence", Ct));

        var unsubscribe = await a.Client.UnsubscribeAsync(
            new MqttClientUnsubscribeOptionsBuilder().WithTopicFilter($"$share/g1/{topic}/data").Build(), Ct);

        Assert.Equal(MqttClientUnsubscribeResultCode.Success, Assert.Single(unsubscribe.Items).ResultCode);
        var sent = await publisher.PublishManyAsync($"{topic}/data", MessageCount, "m", Ct);
        await publisher.PublishAsync($"{topic}/fence", "fence", retain: false, Ct);

        await MqttTestClient.WaitUntilAsync(() => b.Received.Count >= sent.Count, "the remaining member to receive every message", Ct);
        await MqttTestClient.WaitUntilAsync(() => a.Received.Contains("fence"), "the unsubscribed member to receive the fence", Ct);
        Assert.Equal(sent.Order(StringComparer.Ordinal), b.Received.Order(StringComparer.Ordinal));
        Assert.Equal(["fence"], a.Received);
    }

    [Fact]
    public async Task DisconnectedMemberStopsReceivingAndTheOtherGetsEverything()
    {
        var topic = NewTopicBase();
        var a = await MqttTestClient.ConnectAsync(Port, "a", willTopic: $"{topic}/will", cancellationToken: Ct);
        await using var b = await ConnectAsync("b");
        await using var publisher = await ConnectAsync("pub");
        AssertGranted(await a.SubscribeAsync($"$share/g1/{topic}/data", Ct));
        AssertGranted(await b.SubscribeAsync($"$share/g1/{topic}/data", Ct));
        AssertGranted(await publisher.SubscribeAsync($"{topic}/will", Ct));
        var before = await publisher.PublishManyAsync($"{topic}/data", 20, "before", Ct);
        await AssertGroupReceivedEachOnceAsync(before, a, b);

        await a.Client.DisconnectAsync(
            new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.DisconnectWithWillMessage).Build(), Ct);
        await WaitUntilBrokerDroppedMemberAsync(a, publisher, "g1", $"{topic}/data");
        await a.DisposeAsync();
        var after = await publisher.PublishManyAsync($"{topic}/data", MessageCount, "after", Ct);

        await MqttTestClient.WaitUntilAsync(
            () => b.Received.Count(p => p.StartsWith("after", StringComparison.Ordinal)) >= after.Count,
            "the remaining member to receive every message published after the other left",
            Ct);
        Assert.Equal(
            after.Order(StringComparer.Ordinal),
            b.Received.Where(p => p.StartsWith("after", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// Waits until the broker has processed <paramref name="member"/>'s disconnect (a DISCONNECT travels on another connection
    /// than the publisher's messages). By default: until <paramref name="observer"/> received the member's will message.
    /// </summary>
    protected virtual Task WaitUntilBrokerDroppedMemberAsync(MqttTestClient member, MqttTestClient observer, string group, string filter) =>
        MqttTestClient.WaitUntilAsync(() => observer.Received.Contains(member.WillPayload), $"the will message of {member.ClientId}", Ct);

    /// <summary>Asserts that the members of one group received every sent payload exactly once between them.</summary>
    protected static Task AssertGroupReceivedEachOnceAsync(IReadOnlyList<string> sent, params MqttTestClient[] members) =>
        GroupAssertions.AssertGroupReceivedEachOnceAsync(sent, members);

    /// <summary>Asserts every filter of a SUBACK was granted.</summary>
    protected static void AssertGranted(MqttClientSubscribeResult result)
    {
        foreach (var item in result.Items)
        {
            Assert.True(
                item.ResultCode <= MqttClientSubscribeResultCode.GrantedQoS2,
                $"Subscription to '{item.TopicFilter.Topic}' was refused with {item.ResultCode}.");
        }
    }
}

/// <summary>The shared subscription contract against the embedded MQTTnet-based broker.</summary>
public sealed class EmbeddedBrokerSharedSubscriptionTests(EmbeddedBrokerFixture fixture)
    : SharedSubscriptionContractTests, IClassFixture<EmbeddedBrokerFixture>, IAsyncLifetime
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

    /// <inheritdoc />
    protected override int Port => fixture.Port;

    /// <inheritdoc />
    /// <remarks>
    /// MQTTnet publishes the will before it deletes the session: wait for the router to drop the membership instead.
    /// </remarks>
    protected override Task WaitUntilBrokerDroppedMemberAsync(MqttTestClient member, MqttTestClient observer, string group, string filter) =>
        MqttTestClient.WaitUntilAsync(
            () => !fixture.Broker.Router.GetMembers(group, filter).Contains(member.ClientId),
            $"the broker to drop {member.ClientId} from {group}",
            TestContext.Current.CancellationToken);
}

/// <summary>The shared subscription contract against Mosquitto (skipped when Mosquitto is not installed).</summary>
public sealed class MosquittoSharedSubscriptionTests(MosquittoBrokerFixture fixture)
    : SharedSubscriptionContractTests, IClassFixture<MosquittoBrokerFixture>
{
    /// <inheritdoc />
    protected override int Port => fixture.RequirePort();
}
