using System.Text;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using OrleansAio.Abstractions.Common;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Connection;
using OrleansAio.Protocol.Session;
using static OrleansAio.Tests.Session.ScriptedMqttClient;

namespace OrleansAio.Tests.Session;

/// <summary>The session client over a scripted MQTTnet client and a manual clock: queueing, re-sending, reason codes, backoff, session loss.</summary>
public sealed class MqttSessionClientTests : IAsyncDisposable
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(128);

    private readonly ScriptedMqttClient fake = new();
    private readonly ManualTimeProvider time = new();
    private readonly RecordingLoggerFactory logs = new();
    private MqttSessionClient? session;

    public async ValueTask DisposeAsync()
    {
        if (session is not null)
        {
            await session.DisposeAsync();
        }
    }

    [Fact]
    public async Task OperationsIssuedBeforeConnectAreSentInOrderOnceConnected()
    {
        var client = Create();
        var subscribe = client.SubscribeAsync(Subscribe("f/1"), TestContext.Current.CancellationToken);
        var publish1 = client.PublishAsync(Message("t/1"), TestContext.Current.CancellationToken);
        var unsubscribe = client.UnsubscribeAsync(Unsubscribe("f/1"), TestContext.Current.CancellationToken);
        var publish2 = client.PublishAsync(Message("t/2"), TestContext.Current.CancellationToken);
        Assert.Equal(4, client.PendingOperationCount);

        await client.ConnectAsync(Settings(), TestContext.Current.CancellationToken);
        await Task.WhenAll(subscribe, publish1, unsubscribe, publish2).Guarded("queued operations");

        Assert.Equal(["SUBSCRIBE f/1", "PUBLISH t/1", "UNSUBSCRIBE f/1", "PUBLISH t/2"], fake.Log);
        Assert.Equal(MqttClientPublishReasonCode.Success, (await publish1).ReasonCode);
        Assert.Equal(0, client.PendingOperationCount);
    }

    [Fact]
    public async Task OperationsIssuedWhileDisconnectedWaitForTheReconnectAndKeepTheirOrder()
    {
        var client = await ConnectedAsync();
        fake.DropConnection();
        await SessionTestSupport.UntilAsync(() => !client.IsConnected, "the loss to be noticed");

        var publishes = Enumerable.Range(1, 5).Select(i => client.PublishAsync(Message($"t/{i}"), TestContext.Current.CancellationToken)).ToList();
        Assert.Empty(fake.Log);

        await AdvanceToAttemptAsync(FirstBackoff);
        await Task.WhenAll(publishes).Guarded("publishes after the reconnect");

        Assert.Equal(Enumerable.Range(1, 5).Select(i => $"PUBLISH t/{i}"), fake.Log);
    }

    [Fact]
    public async Task OperationsInFlightAtADisconnectAreSentAgainInTheirOriginalOrder()
    {
        var client = await ConnectedAsync();
        fake.Rule = _ => OperationRule.Hold;
        var publishes = Enumerable.Range(1, 3).Select(i => client.PublishAsync(Message($"t/{i}"), TestContext.Current.CancellationToken)).ToList();
        await SessionTestSupport.UntilAsync(() => fake.HeldCount == 3, "three publishes in flight");

        fake.Rule = null;
        fake.DropConnection();
        await AdvanceToAttemptAsync(FirstBackoff);
        await Task.WhenAll(publishes).Guarded("re-sent publishes");

        Assert.Equal(["PUBLISH t/1", "PUBLISH t/2", "PUBLISH t/3", "PUBLISH t/1", "PUBLISH t/2", "PUBLISH t/3"], fake.Log);
        Assert.All(publishes, p => Assert.True(p.Result.IsSuccess));
    }

    [Fact]
    public async Task NonSuccessReasonCodesAreReturnedAndNeverRetried()
    {
        var client = await ConnectedAsync();
        fake.Rule = entry => entry.StartsWith("PUBLISH", StringComparison.Ordinal)
            ? OperationRule.Reason((int)MqttClientPublishReasonCode.NotAuthorized)
            : OperationRule.Reason((int)MqttClientSubscribeResultCode.QuotaExceeded);

        var publish = await client.PublishAsync(Message("t/denied"), TestContext.Current.CancellationToken).Guarded("publish");
        var subscribe = await client.SubscribeAsync(Subscribe("f/denied"), TestContext.Current.CancellationToken).Guarded("subscribe");

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, publish.ReasonCode);
        Assert.Equal(MqttClientSubscribeResultCode.QuotaExceeded, Assert.Single(subscribe.Items).ResultCode);
        Assert.Equal(["PUBLISH t/denied", "SUBSCRIBE f/denied"], fake.Log);
    }

    [Fact]
    public async Task CancellingAQueuedCallRemovesIt()
    {
        var client = Create();
        using var cancellation = new CancellationTokenSource();
        var cancelled = client.PublishAsync(Message("t/cancelled"), cancellation.Token);
        var kept = client.PublishAsync(Message("t/kept"), TestContext.Current.CancellationToken);

        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled).Guarded("cancelled publish");
        Assert.Equal(1, client.PendingOperationCount);

        await client.ConnectAsync(Settings(), TestContext.Current.CancellationToken);
        await kept.Guarded("kept publish");
        Assert.Equal(["PUBLISH t/kept"], fake.Log);
    }

    [Fact]
    public async Task CancellingACallInFlightEndsItWithoutAReSend()
    {
        var client = await ConnectedAsync();
        fake.Rule = _ => OperationRule.Hold;
        using var cancellation = new CancellationTokenSource();
        var publish = client.PublishAsync(Message("t/1"), cancellation.Token);
        await SessionTestSupport.UntilAsync(() => fake.HeldCount == 1, "the publish in flight");

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => publish).Guarded("cancelled publish");
        Assert.Equal(0, client.PendingOperationCount);
    }

    [Fact]
    public async Task FullQueueWithDropNewMessageFailsTheNewCallNamingTheLimit()
    {
        var client = Create(o => o.MaxPendingMessages = 2);
        var first = client.PublishAsync(Message("t/1"), TestContext.Current.CancellationToken);
        var second = client.PublishAsync(Message("t/2"), TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<AioProtocolException>(() => client.PublishAsync(Message("t/3"), TestContext.Current.CancellationToken));

        Assert.Equal(AioErrorKind.MqttError, error.Kind);
        Assert.Equal("MaxPendingMessages", error.PropertyName);
        Assert.Contains("PUBLISH to 't/3' was dropped", error.Message, StringComparison.Ordinal);
        await client.ConnectAsync(Settings(), TestContext.Current.CancellationToken);
        await Task.WhenAll(first, second).Guarded("queued publishes");
        Assert.Equal(["PUBLISH t/1", "PUBLISH t/2"], fake.Log);
    }

    [Fact]
    public async Task FullQueueWithDropOldestQueuedMessageFailsTheOldestCall()
    {
        var client = Create(o =>
        {
            o.MaxPendingMessages = 2;
            o.PendingMessagesOverflowStrategy = PendingOperationOverflowStrategy.DropOldestQueuedMessage;
        });
        var first = client.PublishAsync(Message("t/1"), TestContext.Current.CancellationToken);
        var second = client.PublishAsync(Message("t/2"), TestContext.Current.CancellationToken);
        var third = client.PublishAsync(Message("t/3"), TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<AioProtocolException>(() => first).Guarded("dropped publish");
        Assert.Contains("PUBLISH to 't/1' was dropped", error.Message, StringComparison.Ordinal);
        await client.ConnectAsync(Settings(), TestContext.Current.CancellationToken);
        await Task.WhenAll(second, third).Guarded("queued publishes");
        Assert.Equal(["PUBLISH t/2", "PUBLISH t/3"], fake.Log);
    }

    [Fact]
    public async Task ACommunicationErrorKeepsTheOperationUntilTheNextReconnect()
    {
        // METL "drop": the PUBLISH is never acknowledged; it is sent again only after the next reconnection.
        var client = await ConnectedAsync();
        fake.Rule = _ => OperationRule.Throws(new MqttCommunicationException("dropped by the test"));
        var publish = client.PublishAsync(Message("t/dropped"), TestContext.Current.CancellationToken);
        await SessionTestSupport.UntilAsync(() => fake.Log.Count == 1, "the first send");
        Assert.False(publish.IsCompleted);
        Assert.Equal(1, client.PendingOperationCount);

        fake.Rule = null;
        var later = client.PublishAsync(Message("t/later"), TestContext.Current.CancellationToken);
        await later.Guarded("a later publish on the same connection");
        fake.DropConnection();
        await AdvanceToAttemptAsync(FirstBackoff);

        Assert.True((await publish.Guarded("the re-sent publish")).IsSuccess);
        Assert.Equal(["PUBLISH t/dropped", "PUBLISH t/later", "PUBLISH t/dropped"], fake.Log);
    }

    [Fact]
    public async Task AnInvalidRequestFailsWithAnMqttErrorAndIsNotRetried()
    {
        var client = await ConnectedAsync();
        fake.Rule = _ => OperationRule.Throws(new MqttProtocolViolationException("topic invalid"));

        var error = await Assert.ThrowsAsync<AioProtocolException>(() => client.PublishAsync(Message("t/#"), TestContext.Current.CancellationToken))
            .Guarded("failed publish");

        Assert.Equal(AioErrorKind.MqttError, error.Kind);
        Assert.IsType<MqttProtocolViolationException>(error.InnerException);
        Assert.Equal(0, client.PendingOperationCount);
    }

    [Fact]
    public async Task TheBrokersReceiveMaximumLimitsOperationsInFlight()
    {
        fake.ReceiveMaximum = 2;
        var client = await ConnectedAsync();
        fake.Rule = _ => OperationRule.Hold;
        var publishes = Enumerable.Range(1, 5).Select(i => client.PublishAsync(Message($"t/{i}"), TestContext.Current.CancellationToken)).ToList();
        await SessionTestSupport.UntilAsync(() => fake.HeldCount == 2, "two publishes in flight");
        Assert.Equal(2, fake.Log.Count);

        fake.ReleaseOldest();
        await SessionTestSupport.UntilAsync(() => fake.Log.Count == 3, "the third publish after one PUBACK");
        fake.Rule = null;
        fake.ReleaseAll();
        await SessionTestSupport.UntilAsync(() => fake.HeldCount == 0 && fake.Log.Count == 5, "the rest");
        fake.ReleaseAll();
        await Task.WhenAll(publishes).Guarded("all publishes");
        Assert.Equal(Enumerable.Range(1, 5).Select(i => $"PUBLISH t/{i}"), fake.Log);
    }

    [Fact]
    public async Task CleanStartComesFromTheSettingsOnTheFirstConnectOnlyAndTheConnectCarriesTheSession()
    {
        var client = Create();
        await client.ConnectAsync(Settings(cleanStart: true, sessionExpirySeconds: 600), TestContext.Current.CancellationToken);
        fake.DropConnection();
        await AdvanceToAttemptAsync(FirstBackoff);
        await SessionTestSupport.UntilAsync(() => client.IsConnected, "the reconnect");

        Assert.Equal(2, fake.Connects.Count);
        Assert.True(fake.Connects[0].CleanSession);
        Assert.False(fake.Connects[1].CleanSession);
        Assert.All(fake.Connects, c => Assert.Equal(600u, c.SessionExpiryInterval));
        Assert.All(fake.Connects, c => Assert.Equal(MQTTnet.Formatter.MqttProtocolVersion.V500, c.ProtocolVersion));
        var metricCategory = Assert.Single(fake.Connects[0].UserProperties, p => p.Name == "metriccategory");
        Assert.Equal(MqttSessionClientOptions.DefaultMetricCategory, metricCategory.ReadValueAsString());
        Assert.DoesNotContain(fake.Connects[0].UserProperties, p => p.Name == "aio-persistence");
    }

    [Fact]
    public async Task AioBrokerFeaturesCanRequestPersistenceOrBeSwitchedOff()
    {
        var withPersistence = Create(o => o.RequestSessionPersistence = true);
        await withPersistence.ConnectAsync(Settings(), TestContext.Current.CancellationToken);
        Assert.Equal("true", Assert.Single(fake.Connects[0].UserProperties, p => p.Name == "aio-persistence").ReadValueAsString());
        await withPersistence.DisposeAsync();

        var plain = new ScriptedMqttClient();
        await using var without = new MqttSessionClient(
            new MqttSessionClientOptions { EnableAioBrokerFeatures = false }, logs, time, () => plain);
        await without.ConnectAsync(Settings(), TestContext.Current.CancellationToken);
        Assert.True(plain.Connects[0].UserProperties is null || plain.Connects[0].UserProperties.Count == 0);
    }

    [Fact]
    public async Task ASessionExpiryBelowOneSecondIsRefused()
    {
        var client = Create();

        var error = await Assert.ThrowsAsync<AioProtocolException>(
            () => client.ConnectAsync(Settings(sessionExpirySeconds: 0), TestContext.Current.CancellationToken));

        Assert.Equal(AioErrorKind.ConfigurationInvalid, error.Kind);
        Assert.Equal("SessionExpiry", error.PropertyName);
        Assert.Empty(fake.Connects);
    }

    [Fact]
    public async Task ConnectingTwiceIsAnInvalidState()
    {
        var client = await ConnectedAsync();

        var error = await Assert.ThrowsAsync<AioProtocolException>(() => client.ConnectAsync(Settings(), TestContext.Current.CancellationToken));

        Assert.Equal(AioErrorKind.StateInvalid, error.Kind);
    }

    [Fact]
    public async Task ARefusedFirstConnectIsNotRetriedByDefault()
    {
        var client = Create();
        fake.ScriptConnectResult(MqttClientConnectResultCode.ServerUnavailable);

        var error = await Assert.ThrowsAsync<AioProtocolException>(() => client.ConnectAsync(Settings(), TestContext.Current.CancellationToken));

        Assert.Equal(AioErrorKind.MqttError, error.Kind);
        Assert.Contains("0x88", error.Message, StringComparison.Ordinal);
        Assert.Single(fake.Connects);
        Assert.False(client.IsSessionActive);
    }

    [Fact]
    public async Task RetryOnFirstConnectTriesAtOnceThenBacksOff()
    {
        var client = Create(o => o.RetryOnFirstConnect = true);
        fake.ScriptConnectResult(MqttClientConnectResultCode.ServerBusy);
        fake.ScriptConnectResult(MqttClientConnectResultCode.ServerBusy);

        var connect = client.ConnectAsync(Settings(), TestContext.Current.CancellationToken);
        await AdvanceToAttemptAsync(TimeSpan.FromMilliseconds(256));
        await AdvanceToAttemptAsync(TimeSpan.FromMilliseconds(512));
        await connect.Guarded("the third attempt");

        Assert.Equal(3, fake.Connects.Count);
        Assert.All(fake.Connects, c => Assert.False(c.CleanSession));
    }

    [Theory]
    [InlineData(MqttClientConnectResultCode.UnspecifiedError)]
    [InlineData(MqttClientConnectResultCode.ServerUnavailable)]
    [InlineData(MqttClientConnectResultCode.ServerBusy)]
    [InlineData(MqttClientConnectResultCode.QuotaExceeded)]
    [InlineData(MqttClientConnectResultCode.ConnectionRateExceeded)]
    public async Task RetriableConnackCodesAreRetriedOnReconnect(MqttClientConnectResultCode code)
    {
        var client = await ConnectedAsync();
        var publish = Task.CompletedTask;
        fake.ScriptConnectResult(code);
        fake.DropConnection();
        await SessionTestSupport.UntilAsync(() => !client.IsConnected, "the loss");
        publish = client.PublishAsync(Message("t/after"), TestContext.Current.CancellationToken);

        await AdvanceToAttemptAsync(FirstBackoff);
        await AdvanceToAttemptAsync(TimeSpan.FromMilliseconds(256));
        await publish.Guarded("the publish after the second reconnect attempt");

        Assert.Equal(3, fake.Connects.Count);
        Assert.True(client.IsSessionActive);
    }

    [Theory]
    [InlineData(MqttClientConnectResultCode.MalformedPacket)]
    [InlineData(MqttClientConnectResultCode.ProtocolError)]
    [InlineData(MqttClientConnectResultCode.ImplementationSpecificError)]
    [InlineData(MqttClientConnectResultCode.UnsupportedProtocolVersion)]
    [InlineData(MqttClientConnectResultCode.ClientIdentifierNotValid)]
    [InlineData(MqttClientConnectResultCode.BadUserNameOrPassword)]
    [InlineData(MqttClientConnectResultCode.NotAuthorized)]
    [InlineData(MqttClientConnectResultCode.Banned)]
    [InlineData(MqttClientConnectResultCode.BadAuthenticationMethod)]
    [InlineData(MqttClientConnectResultCode.TopicNameInvalid)]
    [InlineData(MqttClientConnectResultCode.PacketTooLarge)]
    [InlineData(MqttClientConnectResultCode.PayloadFormatInvalid)]
    [InlineData(MqttClientConnectResultCode.RetainNotSupported)]
    [InlineData(MqttClientConnectResultCode.QoSNotSupported)]
    [InlineData(MqttClientConnectResultCode.UseAnotherServer)]
    [InlineData(MqttClientConnectResultCode.ServerMoved)]
    public async Task FatalConnackCodesEndTheSessionWithoutFurtherAttempts(MqttClientConnectResultCode code)
    {
        var client = await ConnectedAsync();
        var closed = new TaskCompletionSource<MqttSessionClosedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.SessionClosedAsync += args =>
        {
            closed.TrySetResult(args);
            return Task.CompletedTask;
        };
        fake.Rule = _ => OperationRule.Hold;
        var publish = client.PublishAsync(Message("t/pending"), TestContext.Current.CancellationToken);
        await SessionTestSupport.UntilAsync(() => fake.HeldCount == 1, "the publish in flight");
        fake.ScriptConnectResult(code);
        fake.DropConnection();

        await AdvanceToAttemptAsync(FirstBackoff);
        var args = await closed.Task.Guarded("the session end");

        var error = Assert.IsType<AioProtocolException>(args.Error);
        Assert.Contains($"0x{(int)code:X2}", error.Message, StringComparison.Ordinal);
        var failed = await Assert.ThrowsAsync<AioProtocolException>(() => publish).Guarded("the failed publish");
        Assert.Equal(AioErrorKind.MqttError, failed.Kind);
        Assert.Equal(2, fake.Connects.Count);
        Assert.False(client.IsSessionActive);
        Assert.DoesNotContain(time.ActiveDueTimes, t => t > TimeSpan.Zero && t != TimeSpan.FromSeconds(2));
        await Assert.ThrowsAsync<AioProtocolException>(() => client.PublishAsync(Message("t/late"), TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData(0x81)]
    [InlineData(0x82)]
    [InlineData(0x87)]
    [InlineData(0x8E)]
    [InlineData(0x8F)]
    [InlineData(0x90)]
    [InlineData(0x94)]
    [InlineData(0x95)]
    [InlineData(0x99)]
    [InlineData(0x9A)]
    [InlineData(0x9B)]
    [InlineData(0x9D)]
    [InlineData(0x9E)]
    [InlineData(0xA1)]
    [InlineData(0xA2)]
    public async Task FatalServerDisconnectCodesEndTheSession(int code)
    {
        var client = await ConnectedAsync();
        var closed = new TaskCompletionSource<MqttSessionClosedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.SessionClosedAsync += args =>
        {
            closed.TrySetResult(args);
            return Task.CompletedTask;
        };

        fake.DropConnection((MqttClientDisconnectReason)code);
        var args = await closed.Task.Guarded("the session end");

        Assert.Contains($"0x{code:X2}", args.Error!.Message, StringComparison.Ordinal);
        Assert.Single(fake.Connects);
        Assert.False(client.IsSessionActive);
    }

    [Theory]
    [InlineData(0x00)]
    [InlineData(0x80)]
    [InlineData(0x89)]
    [InlineData(0x8B)]
    [InlineData(0x8D)]
    [InlineData(0x97)]
    [InlineData(0x98)]
    [InlineData(0x9C)]
    [InlineData(0x9F)]
    public async Task OtherServerDisconnectCodesTriggerAReconnect(int code)
    {
        var client = await ConnectedAsync();

        fake.DropConnection((MqttClientDisconnectReason)code);
        await AdvanceToAttemptAsync(FirstBackoff);
        await SessionTestSupport.UntilAsync(() => client.IsConnected, "the reconnect");

        Assert.Equal(2, fake.Connects.Count);
    }

    [Fact]
    public async Task ReconnectWaitsFollowTheExponentialScheduleUpToTheCap()
    {
        var client = await ConnectedAsync();
        for (var i = 0; i < 12; i++)
        {
            fake.ScriptConnectException(new MqttCommunicationException("refused"));
        }

        fake.DropConnection();
        var expected = new[] { 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 60000, 60000, 60000, 60000 }
            .Select(ms => TimeSpan.FromMilliseconds(ms)).ToList();
        foreach (var wait in expected)
        {
            await AdvanceToAttemptAsync(wait);
        }

        await SessionTestSupport.UntilAsync(() => client.IsConnected, "the 13th attempt to succeed");
        var backoffs = time.RequestedDueTimes.Where(t => t != TimeSpan.FromSeconds(2)).ToList();
        Assert.Equal(expected, backoffs);
        Assert.Equal(14, fake.Connects.Count);
    }

    [Fact]
    public async Task AnAttemptThatHangsIsAbandonedAfterTheAttemptTimeout()
    {
        var client = await ConnectedAsync();
        var hung = new TaskCompletionSource<MqttClientConnectResult>();
        fake.ScriptConnect((_, ct) => hung.Task.WaitAsync(ct));
        fake.DropConnection();

        await AdvanceToAttemptAsync(FirstBackoff);
        await SessionTestSupport.UntilAsync(() => time.ActiveDueTimes.Contains(TimeSpan.FromSeconds(2)), "the attempt timeout timer");
        time.Advance(TimeSpan.FromSeconds(2));
        await AdvanceToAttemptAsync(TimeSpan.FromMilliseconds(256));
        await SessionTestSupport.UntilAsync(() => client.IsConnected, "the next attempt");

        Assert.Equal(3, fake.Connects.Count);
        Assert.Contains(logs.Entries, e => e.Message.Contains("timed out", StringComparison.Ordinal));
    }

    [Fact]
    public async Task JitterKeepsWaitsWithinFivePercent()
    {
        var policy = new ExponentialBackoffReconnectPolicy(random: new Random(7));
        for (uint attempt = 1; attempt <= 20; attempt++)
        {
            Assert.True(policy.ShouldRetry(attempt, null, out var delay));
            var nominal = Math.Min(Math.Pow(2, attempt + 6), 60_000);
            Assert.InRange(delay.TotalMilliseconds, nominal * 0.95, nominal * 1.05);
        }
    }

    [Fact]
    public void PolicyStopsAfterItsMaximumAttempts()
    {
        var policy = new ExponentialBackoffReconnectPolicy(maxAttempts: 3, useJitter: false);

        Assert.True(policy.ShouldRetry(3, null, out var third));
        Assert.Equal(TimeSpan.FromMilliseconds(512), third);
        Assert.False(policy.ShouldRetry(4, null, out _));
    }

    [Fact]
    public async Task AnExhaustedPolicyEndsTheSession()
    {
        var client = await ConnectedAsync(o => o.ReconnectPolicy = new ExponentialBackoffReconnectPolicy(maxAttempts: 1, useJitter: false));
        var closed = new TaskCompletionSource<MqttSessionClosedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.SessionClosedAsync += args =>
        {
            closed.TrySetResult(args);
            return Task.CompletedTask;
        };
        fake.ScriptConnectException(new MqttCommunicationException("refused"));
        fake.DropConnection();

        await AdvanceToAttemptAsync(FirstBackoff);
        var args = await closed.Task.Guarded("the session end");

        Assert.Contains("gave up after 1 failed attempts", args.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALostSessionFailsPendingOperationsRaisesTheEventAndRestoresSubscriptions()
    {
        var client = await ConnectedAsync();
        await client.SubscribeAsync(Subscribe("keep/+"), TestContext.Current.CancellationToken).Guarded("subscribe");
        await client.SubscribeAsync(Subscribe("gone/#"), TestContext.Current.CancellationToken).Guarded("subscribe");
        await client.SubscribeAsync(Subscribe("also/kept", MqttQualityOfServiceLevel.AtMostOnce), TestContext.Current.CancellationToken).Guarded("subscribe");
        await client.UnsubscribeAsync(Unsubscribe("gone/#"), TestContext.Current.CancellationToken).Guarded("unsubscribe");
        fake.Rule = entry => entry.Contains("denied", StringComparison.Ordinal)
            ? OperationRule.Reason((int)MqttClientSubscribeResultCode.NotAuthorized)
            : OperationRule.Acknowledge;
        await client.SubscribeAsync(Subscribe("denied"), TestContext.Current.CancellationToken).Guarded("denied subscribe");
        fake.Rule = _ => OperationRule.Hold;
        var inFlight = client.PublishAsync(Message("t/in-flight"), TestContext.Current.CancellationToken);
        await SessionTestSupport.UntilAsync(() => fake.HeldCount == 1, "the publish in flight");
        var lost = new TaskCompletionSource<MqttSessionLostEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.SessionLostAsync += args =>
        {
            lost.TrySetResult(args);
            return Task.CompletedTask;
        };

        fake.Rule = null;
        fake.SessionPresentOnReconnect = false;
        fake.DropConnection();
        var queued = client.PublishAsync(Message("t/queued"), TestContext.Current.CancellationToken);
        await AdvanceToAttemptAsync(FirstBackoff);
        var args = await lost.Task.Guarded("the session-lost event");

        Assert.Equal(2, args.FailedOperations);
        Assert.Equal(["keep/+", "also/kept"], args.RestoredSubscriptions.Select(f => f.Topic));
        var error = await Assert.ThrowsAsync<AioProtocolException>(() => inFlight).Guarded("in-flight publish");
        Assert.Contains("session was lost", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<AioProtocolException>(() => queued).Guarded("queued publish");
        await SessionTestSupport.UntilAsync(() => fake.Log.Count(e => e.StartsWith("SUBSCRIBE", StringComparison.Ordinal)) == 6, "the restoring subscribes");
        Assert.Equal(["SUBSCRIBE keep/+", "SUBSCRIBE also/kept"], fake.Log.Skip(6));
        Assert.True(client.IsSessionActive);

        var after = await client.PublishAsync(Message("t/after"), TestContext.Current.CancellationToken).Guarded("publish after the loss");
        Assert.True(after.IsSuccess);
    }

    [Fact]
    public async Task ALostSessionWithRestoringSwitchedOffSubscribesNothing()
    {
        var client = await ConnectedAsync(o => o.RestoreSubscriptionsOnSessionLoss = false);
        await client.SubscribeAsync(Subscribe("keep/+"), TestContext.Current.CancellationToken).Guarded("subscribe");
        var lost = new TaskCompletionSource<MqttSessionLostEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.SessionLostAsync += args =>
        {
            lost.TrySetResult(args);
            return Task.CompletedTask;
        };

        fake.SessionPresentOnReconnect = false;
        fake.DropConnection();
        await AdvanceToAttemptAsync(FirstBackoff);
        var args = await lost.Task.Guarded("the session-lost event");

        Assert.Empty(args.RestoredSubscriptions);
        await client.PublishAsync(Message("t/after"), TestContext.Current.CancellationToken).Guarded("publish");
        Assert.Equal(["SUBSCRIBE keep/+", "PUBLISH t/after"], fake.Log);
    }

    [Fact]
    public async Task PubacksOwedBeforeADisconnectAreNotSentOnTheNewConnection()
    {
        var client = await ConnectedAsync();
        var received = new List<MqttApplicationMessageReceivedEventArgs>();
        client.ApplicationMessageReceivedAsync += args =>
        {
            args.AutoAcknowledge = false;
            received.Add(args);
            return Task.CompletedTask;
        };
        await fake.DeliverAsync("in/1", 11);
        await fake.DeliverAsync("in/2", 12);
        await received[1].AcknowledgeAsync(TestContext.Current.CancellationToken);
        Assert.Empty(fake.Acknowledgements);

        fake.DropConnection();
        await AdvanceToAttemptAsync(FirstBackoff);
        await SessionTestSupport.UntilAsync(() => client.IsConnected, "the reconnect");
        await received[0].AcknowledgeAsync(TestContext.Current.CancellationToken);
        await fake.DeliverAsync("in/1", 21);
        await received[2].AcknowledgeAsync(TestContext.Current.CancellationToken);

        Assert.Equal([(ushort)21], fake.Acknowledgements);
    }

    [Fact]
    public async Task PubacksLeaveInArrivalOrder()
    {
        var client = await ConnectedAsync();
        var received = new List<MqttApplicationMessageReceivedEventArgs>();
        client.ApplicationMessageReceivedAsync += args =>
        {
            args.AutoAcknowledge = false;
            received.Add(args);
            return Task.CompletedTask;
        };
        await fake.DeliverAsync("in/1", 1);
        await fake.DeliverAsync("in/2", 2);

        await received[1].AcknowledgeAsync(TestContext.Current.CancellationToken);
        Assert.Empty(fake.Acknowledgements);
        await received[0].AcknowledgeAsync(TestContext.Current.CancellationToken);

        Assert.Equal([(ushort)1, (ushort)2], fake.Acknowledgements);
    }

    [Fact]
    public async Task UserDisconnectSendsSessionExpiryZeroFailsPendingCallsAndDoesNotReconnect()
    {
        var client = await ConnectedAsync();
        var disconnected = 0;
        client.DisconnectedAsync += _ =>
        {
            Interlocked.Increment(ref disconnected);
            return Task.CompletedTask;
        };
        fake.Rule = _ => OperationRule.Hold;
        var publish = client.PublishAsync(Message("t/pending"), TestContext.Current.CancellationToken);
        await SessionTestSupport.UntilAsync(() => fake.HeldCount == 1, "the publish in flight");

        await client.DisconnectAsync(TestContext.Current.CancellationToken).Guarded("disconnect");

        var options = Assert.Single(fake.Disconnects);
        Assert.Equal(0u, options.SessionExpiryInterval);
        var error = await Assert.ThrowsAsync<AioProtocolException>(() => publish).Guarded("failed publish");
        Assert.Contains("disconnected by the user", error.Message, StringComparison.Ordinal);
        await SessionTestSupport.UntilAsync(() => Volatile.Read(ref disconnected) == 1, "the disconnected event");
        Assert.Single(fake.Connects);
        Assert.DoesNotContain(time.ActiveDueTimes, t => t > TimeSpan.Zero);
        Assert.False(client.IsSessionActive);
    }

    [Fact]
    public async Task TheSessionCanBeStartedAgainAfterAUserDisconnect()
    {
        var client = await ConnectedAsync();
        await client.DisconnectAsync(TestContext.Current.CancellationToken);

        await client.ConnectAsync(Settings(cleanStart: true), TestContext.Current.CancellationToken);
        await client.PublishAsync(Message("t/again"), TestContext.Current.CancellationToken).Guarded("publish");

        Assert.True(fake.Connects[1].CleanSession);
        Assert.Equal(["PUBLISH t/again"], fake.Log);
    }

    [Fact]
    public async Task DisconnectWhileReconnectingStopsTheReconnect()
    {
        var client = await ConnectedAsync();
        fake.DropConnection();
        await SessionTestSupport.UntilAsync(() => time.ActiveDueTimes.Contains(FirstBackoff), "the backoff timer");

        await client.DisconnectAsync(TestContext.Current.CancellationToken).Guarded("disconnect");
        time.Advance(TimeSpan.FromMinutes(5));

        Assert.Single(fake.Connects);
        Assert.False(client.IsSessionActive);
    }

    [Fact]
    public async Task EventsReportConnectsAndLosses()
    {
        var client = Create();
        var connects = 0;
        var losses = 0;
        client.ConnectedAsync += _ =>
        {
            Interlocked.Increment(ref connects);
            return Task.CompletedTask;
        };
        client.DisconnectedAsync += _ =>
        {
            Interlocked.Increment(ref losses);
            throw new InvalidOperationException("a failing handler must not break the session");
        };
        await client.ConnectAsync(Settings(), TestContext.Current.CancellationToken);

        fake.DropConnection();
        await AdvanceToAttemptAsync(FirstBackoff);

        await SessionTestSupport.UntilAsync(() => Volatile.Read(ref connects) == 2 && Volatile.Read(ref losses) == 1, "two connects and one loss");
        Assert.Contains(logs.Errors, e => e.Contains("a failing handler", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MetricsCountReconnectsAndLostSessionsAndObserveTheQueueDepth()
    {
        long reconnects = 0;
        long lostSessions = 0;
        var depths = new List<(int Depth, object? ClientId)>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == OrleansAio.Protocol.Diagnostics.ProtocolDiagnostics.Name && instrument.Name.StartsWith("aio.mqtt.session.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "aio.mqtt.session.reconnects")
            {
                Interlocked.Add(ref reconnects, value);
            }
            else if (instrument.Name == "aio.mqtt.session.lost")
            {
                Interlocked.Add(ref lostSessions, value);
            }
        });
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "aio.mqtt.session.queue.depth")
            {
                lock (depths)
                {
                    depths.Add((value, tags.ToArray().FirstOrDefault(t => t.Key == "mqtt.client_id").Value));
                }
            }
        });
        listener.Start();

        var client = await ConnectedAsync();
        fake.Rule = _ => OperationRule.Hold;
        var held = Enumerable.Range(1, 3).Select(i => client.PublishAsync(Message($"t/{i}"), TestContext.Current.CancellationToken)).ToList();
        await SessionTestSupport.UntilAsync(() => fake.HeldCount == 3, "three publishes in flight");
        listener.RecordObservableInstruments();
        fake.Rule = null;
        fake.ReleaseAll();
        await Task.WhenAll(held).Guarded("held publishes");
        fake.DropConnection();
        await AdvanceToAttemptAsync(FirstBackoff);
        await SessionTestSupport.UntilAsync(() => Interlocked.Read(ref reconnects) >= 1, "the reconnect counter");
        fake.SessionPresentOnReconnect = false;
        fake.DropConnection();
        await AdvanceToAttemptAsync(FirstBackoff);
        await SessionTestSupport.UntilAsync(() => Interlocked.Read(ref lostSessions) >= 1, "the session-lost counter");

        lock (depths)
        {
            Assert.Contains((3, (object?)"session-test"), depths);
        }
    }

    [Fact]
    public void InvalidOptionsAreRejectedByName()
    {
        var error = Assert.Throws<AioProtocolException>(
            () => new MqttSessionClient(new MqttSessionClientOptions { MaxPendingMessages = 0 }, logs, time, () => fake));
        Assert.Equal("MaxPendingMessages", error.PropertyName);

        error = Assert.Throws<AioProtocolException>(
            () => new MqttSessionClient(new MqttSessionClientOptions { ConnectionAttemptTimeout = TimeSpan.Zero }, logs, time, () => fake));
        Assert.Equal("ConnectionAttemptTimeout", error.PropertyName);
    }

    [Fact]
    public void DisconnectReasonEnumValuesAreTheWireCodes()
    {
        Assert.Equal(0x8E, (int)MqttClientDisconnectReason.SessionTakenOver);
        Assert.Equal(0x87, (int)MqttClientConnectResultCode.NotAuthorized);
        Assert.True(MqttReasonCodes.IsFatal(MqttClientConnectResultCode.NotAuthorized));
        Assert.False(MqttReasonCodes.IsFatal(MqttClientConnectResultCode.UnspecifiedError));
        Assert.True(MqttReasonCodes.IsFatal(MqttClientDisconnectReason.SessionTakenOver));
        Assert.False(MqttReasonCodes.IsFatal(MqttClientDisconnectReason.ServerBusy));
    }

    private static MqttApplicationMessage Message(string topic) =>
        new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(Encoding.UTF8.GetBytes(topic))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();

    private static MqttClientSubscribeOptions Subscribe(string filter, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce) =>
        new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, qos).Build();

    private static MqttClientUnsubscribeOptions Unsubscribe(string filter) =>
        new MqttClientUnsubscribeOptionsBuilder().WithTopicFilter(filter).Build();

    private static MqttConnectionSettings Settings(bool cleanStart = false, int sessionExpirySeconds = 3600) => new()
    {
        SessionExpiry = TimeSpan.FromSeconds(sessionExpirySeconds),
        HostName = "broker.test",
        TcpPort = 1883,
        UseTls = false,
        ClientId = "session-test",
        CleanStart = cleanStart,
    };

    private MqttSessionClient Create(Action<MqttSessionClientOptions>? configure = null)
    {
        var options = new MqttSessionClientOptions { ReconnectPolicy = new ExponentialBackoffReconnectPolicy(useJitter: false) };
        configure?.Invoke(options);
        session = new MqttSessionClient(options, logs, time, () => fake);
        return session;
    }

    private async Task<MqttSessionClient> ConnectedAsync(Action<MqttSessionClientOptions>? configure = null)
    {
        var client = Create(configure);
        await client.ConnectAsync(Settings(), TestContext.Current.CancellationToken);
        return client;
    }

    private async Task AdvanceToAttemptAsync(TimeSpan backoff)
    {
        await SessionTestSupport.UntilAsync(() => time.ActiveDueTimes.Contains(backoff), $"a {backoff.TotalMilliseconds} ms backoff timer");
        time.Advance(backoff);
    }
}
