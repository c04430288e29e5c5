using Microsoft.Extensions.Logging;
using MQTTnet;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Session;

/// <summary>The session client against a real third-party broker process that is stopped and started again mid-stream.</summary>
public sealed class MosquittoSessionTests : IDisposable
{
    private const int MessageCount = 1000;

    private readonly CapturingLoggerProvider logs = new();
    private readonly ILoggerFactory loggerFactory;

    public MosquittoSessionTests()
    {
        loggerFactory = logs.CreateFactory(LogLevel.Information);
    }

    public void Dispose() => loggerFactory.Dispose();

    [Fact]
    public async Task ABrokerRestartInTheMiddleOfAStreamLosesNoAcknowledgedMessage()
    {
        if (!MosquittoBroker.IsInstalled)
        {
            Assert.Skip(MosquittoBroker.SkipMessage);
        }

        await using var mosquitto = await MosquittoBroker.StartAsync(TestContext.Current.CancellationToken, persistent: true);
        await using var subscriber = await TestSession.ConnectAsync(TestSession.PlainSettings(mosquitto.Port, "sub"), loggerFactory);
        await subscriber.SubscribeAsync("stream/#");
        await using var publisher = await TestSession.ConnectAsync(TestSession.PlainSettings(mosquitto.Port, "pub"), loggerFactory);

        var publishes = new List<Task<MqttClientPublishResult>>(MessageCount);
        Task restart = Task.CompletedTask;
        for (var i = 0; i < MessageCount; i++)
        {
            publishes.Add(publisher.Client.PublishAsync(TestSession.Message($"stream/{i % 10}", $"m{i}"), TestContext.Current.CancellationToken));
            if (i == MessageCount / 3)
            {
                // Let part of the stream be acknowledged, then take the broker down while the rest is being published.
                await publishes[i / 2].Guarded("the first part of the stream");
                restart = mosquitto.RestartAsync(TimeSpan.FromMilliseconds(500), TestContext.Current.CancellationToken);
            }

            if (i % 50 == 0)
            {
                await Task.Yield();
            }
        }

        await restart.Guarded("the broker restart");
        var results = await Task.WhenAll(publishes).Guarded("every publish to be acknowledged", TimeSpan.FromMinutes(2));

        var acknowledged = Enumerable.Range(0, MessageCount).Where(i => results[i].IsSuccess).Select(i => $"m{i}").ToHashSet();
        Assert.Equal(MessageCount, acknowledged.Count);
        await SessionTestSupport.UntilAsync(
            () => acknowledged.IsSubsetOf(subscriber.Received),
            "every acknowledged message at the subscriber",
            TimeSpan.FromMinutes(2));
        Assert.True(publisher.Disconnects >= 1, "the publisher saw the restart");
        Assert.True(publisher.PendingAtLastDisconnect > 0, "publishes were pending when the broker went down");
        Assert.True(subscriber.Connects >= 2, "the subscriber reconnected");
        Assert.False(subscriber.SessionLost.Task.IsCompleted, "Mosquitto kept the subscriber's session across the restart");
        Assert.True(publisher.Client.IsConnected);
    }
}
