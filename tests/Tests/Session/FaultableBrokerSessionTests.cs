using System.Text;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Packets;
using OrleansAio.Abstractions.Common;
using OrleansAio.Protocol.Common;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Session;

/// <summary>The session client against the embedded broker with fault injection (services.md section 6).</summary>
public sealed class FaultableBrokerSessionTests : IAsyncLifetime
{
    private readonly CapturingLoggerProvider logs = new();
    private readonly ILoggerFactory loggerFactory;
    private FaultableBroker broker = null!;

    public FaultableBrokerSessionTests()
    {
        loggerFactory = logs.CreateFactory(LogLevel.Debug);
    }

    public async ValueTask InitializeAsync() => broker = await FaultableBroker.StartAsync(loggerFactory, cancellationToken: TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        await broker.DisposeAsync();
        loggerFactory.Dispose();
    }

    [Fact]
    public async Task ARetriableConnackIsRetriedUntilTheBrokerAccepts()
    {
        var settings = TestSession.PlainSettings(broker.Port, "c");
        await using var session = await TestSession.ConnectAsync(settings, loggerFactory, o =>
        {
            o.RetryOnFirstConnect = true;
            o.ConnectUserProperties.Add(Property(FaultableBroker.RejectConnect, "136"));
            o.ConnectUserProperties.Add(Property(FaultableBroker.RequestId, Guid.NewGuid().ToString()));
        });

        Assert.True(session.Client.IsConnected);
        Assert.Equal(["CONNECT:fault:rejectconnect=136"], broker.FiredFaults);
    }

    [Fact]
    public async Task AFatalConnackIsNotRetried()
    {
        var settings = TestSession.PlainSettings(broker.Port, "c");
        await using var session = TestSession.Create(settings, loggerFactory, o =>
        {
            o.RetryOnFirstConnect = true;
            o.ConnectUserProperties.Add(Property(FaultableBroker.RejectConnect, "135"));
        });

        var error = await Assert.ThrowsAsync<AioProtocolException>(() => session.Client.ConnectAsync(settings, TestContext.Current.CancellationToken))
            .Guarded("connect");

        Assert.Equal(AioErrorKind.MqttError, error.Kind);
        Assert.Contains("0x87", error.Message, StringComparison.Ordinal);
        Assert.Single(broker.FiredFaults);
    }

    [Fact]
    public async Task APublishDroppedByADisconnectIsSentAgainAfterTheReconnect()
    {
        await using var subscriber = await TestSession.ConnectAsync(TestSession.PlainSettings(broker.Port, "sub"), loggerFactory);
        await subscriber.SubscribeAsync("fault/pub");
        await using var publisher = await TestSession.ConnectAsync(TestSession.PlainSettings(broker.Port, "pub"), loggerFactory);

        var result = await publisher.Client.PublishAsync(
            TestSession.Message("fault/pub", "m1", (FaultableBroker.Disconnect, "137"), (FaultableBroker.RequestId, Guid.NewGuid().ToString())),
            TestContext.Current.CancellationToken).Guarded("publish");

        Assert.True(result.IsSuccess);
        Assert.Equal(["PUBLISH:fault:disconnect=137"], broker.FiredFaults);
        // Events run on the client's event loop, so they may trail the PUBACK.
        await SessionTestSupport.UntilAsync(() => publisher.Disconnects == 1 && publisher.Connects == 2, "the disconnect and reconnect events");
        await SessionTestSupport.UntilAsync(() => subscriber.Received.Count == 1, "the message at the subscriber");
        Assert.Equal(["m1"], subscriber.Received);
    }

    [Fact]
    public async Task ADelayedDisconnectAcknowledgesFirstAndTheSessionResumes()
    {
        await using var publisher = await TestSession.ConnectAsync(TestSession.PlainSettings(broker.Port, "pub"), loggerFactory);

        var result = await publisher.Client.PublishAsync(
            TestSession.Message("fault/delayed", "m1", (FaultableBroker.Disconnect, "137"), (FaultableBroker.Delay, "1")),
            TestContext.Current.CancellationToken).Guarded("publish");
        Assert.True(result.IsSuccess);

        await SessionTestSupport.UntilAsync(() => publisher.Connects == 2, "the reconnect after the delayed disconnect");
        Assert.Equal(1, publisher.Disconnects);
        var after = await publisher.Client.PublishAsync(TestSession.Message("fault/delayed", "m2"), TestContext.Current.CancellationToken)
            .Guarded("publish after the reconnect");
        Assert.True(after.IsSuccess);
        Assert.False(publisher.SessionLost.Task.IsCompleted);
    }

    [Fact]
    public async Task RejectedAcknowledgementsAreReturnedAndNotRetried()
    {
        await using var session = await TestSession.ConnectAsync(TestSession.PlainSettings(broker.Port, "c"), loggerFactory);

        var publish = await session.Client.PublishAsync(
            TestSession.Message("fault/reject", "m", (FaultableBroker.RejectPublish, "135")), TestContext.Current.CancellationToken).Guarded("publish");
        var subscribe = await session.Client.SubscribeAsync(
            TestSession.Subscription("fault/reject/#", (FaultableBroker.RejectSubscribe, "151")), TestContext.Current.CancellationToken).Guarded("subscribe");
        var unsubscribeOptions = new MqttClientUnsubscribeOptionsBuilder().WithTopicFilter("fault/reject/#").Build();
        unsubscribeOptions.UserProperties = [Property(FaultableBroker.RejectUnsubscribe, "135")];
        var unsubscribe = await session.Client.UnsubscribeAsync(unsubscribeOptions, TestContext.Current.CancellationToken).Guarded("unsubscribe");

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, publish.ReasonCode);
        Assert.Equal(MqttClientSubscribeResultCode.QuotaExceeded, Assert.Single(subscribe.Items).ResultCode);
        Assert.Equal(MqttClientUnsubscribeResultCode.NotAuthorized, Assert.Single(unsubscribe.Items).ResultCode);
        Assert.Equal(
            ["PUBLISH:fault:rejectpublish=135", "SUBSCRIBE:fault:rejectsubscribe=151", "UNSUBSCRIBE:fault:rejectunsubscribe=135"],
            broker.FiredFaults);
        Assert.Equal(1, session.Connects);
    }

    [Fact]
    public async Task ASubscribeDroppedByADisconnectIsSentAgainAfterTheReconnect()
    {
        await using var session = await TestSession.ConnectAsync(TestSession.PlainSettings(broker.Port, "c"), loggerFactory);

        var subscribe = await session.Client.SubscribeAsync(
            TestSession.Subscription("fault/sub", (FaultableBroker.Disconnect, "137"), (FaultableBroker.RequestId, Guid.NewGuid().ToString())),
            TestContext.Current.CancellationToken).Guarded("subscribe");
        await session.Client.PublishAsync(TestSession.Message("fault/sub", "after"), TestContext.Current.CancellationToken).Guarded("publish");

        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, Assert.Single(subscribe.Items).ResultCode);
        await SessionTestSupport.UntilAsync(() => session.Connects == 2, "the reconnect event");
        await SessionTestSupport.UntilAsync(() => session.Received.Contains("after"), "the message through the re-sent subscription");
    }

    [Fact]
    public async Task AFatalServerDisconnectEndsTheSession()
    {
        await using var session = await TestSession.ConnectAsync(TestSession.PlainSettings(broker.Port, "c"), loggerFactory);

        var publish = session.Client.PublishAsync(
            TestSession.Message("fault/fatal", "m", (FaultableBroker.Disconnect, "142")), TestContext.Current.CancellationToken);

        var closed = await session.SessionClosed.Task.Guarded("the session end");
        Assert.Contains("0x8E", closed.Error!.Message, StringComparison.Ordinal);
        var error = await Assert.ThrowsAsync<AioProtocolException>(() => publish).Guarded("the failed publish");
        Assert.Equal(AioErrorKind.MqttError, error.Kind);
        Assert.Equal(1, session.Connects);
        Assert.False(session.Client.IsSessionActive);
    }

    [Fact]
    public async Task ABrokerRestartKeepingSessionsLosesNoAcknowledgedMessage()
    {
        await using var subscriber = await TestSession.ConnectAsync(TestSession.PlainSettings(broker.Port, "sub"), loggerFactory);
        await subscriber.SubscribeAsync("restart/#");
        await using var publisher = await TestSession.ConnectAsync(TestSession.PlainSettings(broker.Port, "pub"), loggerFactory);

        var publishes = new List<Task<MqttClientPublishResult>>();
        for (var i = 0; i < 300; i++)
        {
            publishes.Add(publisher.Client.PublishAsync(TestSession.Message($"restart/{i % 3}", $"m{i}"), TestContext.Current.CancellationToken));
            if (i == 150)
            {
                await broker.RestartKeepingSessionsAsync(TestContext.Current.CancellationToken);
            }
        }

        var results = await Task.WhenAll(publishes).Guarded("all publishes");
        Assert.All(results, r => Assert.True(r.IsSuccess, r.ReasonCode.ToString()));
        await SessionTestSupport.UntilAsync(() => subscriber.Received.Distinct().Count() == 300, "every message at the subscriber");
        await SessionTestSupport.UntilAsync(() => publisher.Connects >= 2, "the publisher's reconnect event");
        Assert.False(subscriber.SessionLost.Task.IsCompleted);
    }

    [Fact]
    public async Task PublishesLeaveInCallOrder()
    {
        await using var subscriber = await TestSession.ConnectAsync(TestSession.PlainSettings(broker.Port, "sub"), loggerFactory);
        await subscriber.SubscribeAsync("order/#");
        await using var publisher = await TestSession.ConnectAsync(TestSession.PlainSettings(broker.Port, "pub"), loggerFactory);

        var publishes = Enumerable.Range(0, 1000)
            .Select(i => publisher.Client.PublishAsync(TestSession.Message("order/x", $"m{i}"), TestContext.Current.CancellationToken))
            .ToList();
        await Task.WhenAll(publishes).Guarded("all publishes");

        await SessionTestSupport.UntilAsync(() => subscriber.Received.Count == 1000, "every message at the subscriber");
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => $"m{i}"), subscriber.Received);
    }

    [Fact]
    public async Task AStreamSurvivesRepeatedDisconnectsWithoutLosingAnAcknowledgedMessage()
    {
        await using var subscriber = await TestSession.ConnectAsync(TestSession.PlainSettings(broker.Port, "sub"), loggerFactory);
        await subscriber.SubscribeAsync("flap/#");
        await using var publisher = await TestSession.ConnectAsync(TestSession.PlainSettings(broker.Port, "pub"), loggerFactory);

        var publishes = Enumerable.Range(0, 500).Select(i =>
        {
            var message = i % 100 == 50
                ? TestSession.Message("flap/x", $"m{i}", (FaultableBroker.Disconnect, "137"), (FaultableBroker.RequestId, $"flap-{i}"))
                : TestSession.Message("flap/x", $"m{i}");
            return publisher.Client.PublishAsync(message, TestContext.Current.CancellationToken);
        }).ToList();
        var results = await Task.WhenAll(publishes).Guarded("all publishes");

        Assert.All(results, r => Assert.True(r.IsSuccess));
        Assert.Equal(5, broker.FiredFaults.Count);
        var expected = Enumerable.Range(0, 500).Select(i => $"m{i}").ToHashSet();
        await SessionTestSupport.UntilAsync(() => expected.IsSubsetOf(subscriber.Received), "every acknowledged message at the subscriber");
        await SessionTestSupport.UntilAsync(() => publisher.Connects >= 2, "the reconnects");
    }

    [Fact]
    public async Task ALostSessionIsReportedAndItsSubscriptionsAreRestored()
    {
        await using var subscriber = await TestSession.ConnectAsync(TestSession.PlainSettings(broker.Port, "sub"), loggerFactory);
        await subscriber.SubscribeAsync("lost/+");
        await using var publisher = await TestSession.ConnectAsync(TestSession.PlainSettings(broker.Port, "pub"), loggerFactory);

        await broker.RestartLosingSessionsAsync(TestContext.Current.CancellationToken);
        var lost = await subscriber.SessionLost.Task.Guarded("the session-lost event");
        Assert.Equal(["lost/+"], lost.RestoredSubscriptions.Select(f => f.Topic));
        Assert.False(lost.ConnectResult.IsSessionPresent);

        await SessionTestSupport.UntilAsync(() => subscriber.Client.PendingOperationCount == 0, "the restoring SUBSCRIBE to complete");

        // The publisher lost its session too; a publish queued before it notices would fail with the session-lost error.
        await publisher.SessionLost.Task.Guarded("the publisher's session-lost event");
        await publisher.Client.PublishAsync(TestSession.Message("lost/a", "after-loss"), TestContext.Current.CancellationToken).Guarded("publish");
        await SessionTestSupport.UntilAsync(() => subscriber.Received.Contains("after-loss"), "the message through the restored subscription");
        Assert.True(subscriber.Client.IsSessionActive);
    }

    private static MqttUserProperty Property(string name, string value) => new(name, Encoding.UTF8.GetBytes(value).AsMemory());
}
