using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using OrleansAio.Protocol.Connection;
using OrleansAio.Protocol.Session;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Session;

/// <summary>A real <see cref="MqttSessionClient"/> against a broker on a loopback port, recording what it receives and its events.</summary>
internal sealed class TestSession : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> received = new();
    private int connects;
    private int disconnects;

    private TestSession(MqttSessionClient client, MqttConnectionSettings settings)
    {
        Client = client;
        Settings = settings;
        client.ApplicationMessageReceivedAsync += args =>
        {
            received.Enqueue(args.ApplicationMessage.ConvertPayloadToString());
            return Task.CompletedTask;
        };
        client.ConnectedAsync += _ =>
        {
            Interlocked.Increment(ref connects);
            return Task.CompletedTask;
        };
        client.DisconnectedAsync += _ =>
        {
            PendingAtLastDisconnect = client.PendingOperationCount;
            Interlocked.Increment(ref disconnects);
            return Task.CompletedTask;
        };
        client.SessionLostAsync += args =>
        {
            SessionLost.TrySetResult(args);
            return Task.CompletedTask;
        };
        client.SessionClosedAsync += args =>
        {
            SessionClosed.TrySetResult(args);
            return Task.CompletedTask;
        };
    }

    public MqttSessionClient Client { get; }

    public MqttConnectionSettings Settings { get; }

    public IReadOnlyList<string> Received => [.. received];

    public int Connects => Volatile.Read(ref connects);

    public int Disconnects => Volatile.Read(ref disconnects);

    /// <summary>How many operations were queued or in flight when the last disconnect was reported.</summary>
    public int PendingAtLastDisconnect { get; private set; }

    public TaskCompletionSource<MqttSessionLostEventArgs> SessionLost { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<MqttSessionClosedEventArgs> SessionClosed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static MqttConnectionSettings PlainSettings(int port, string suffix) => new()
    {
        HostName = "127.0.0.1",
        TcpPort = port,
        UseTls = false,
        ClientId = MqttTestClient.TestClientId(suffix),
        SessionExpiry = TimeSpan.FromMinutes(5),
        KeepAlive = TimeSpan.FromSeconds(10),
    };

    public static TestSession Create(MqttConnectionSettings settings, ILoggerFactory loggerFactory, Action<MqttSessionClientOptions>? configure = null)
    {
        var options = new MqttSessionClientOptions();
        configure?.Invoke(options);
        return new TestSession(new MqttSessionClient(options, loggerFactory), settings);
    }

    public static async Task<TestSession> ConnectAsync(
        MqttConnectionSettings settings, ILoggerFactory loggerFactory, Action<MqttSessionClientOptions>? configure = null)
    {
        var session = Create(settings, loggerFactory, configure);
        await session.Client.ConnectAsync(settings, TestContext.Current.CancellationToken).Guarded("connect");
        return session;
    }

    public static MqttApplicationMessage Message(string topic, string payload, params (string Name, string Value)[] userProperties)
    {
        var builder = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(Encoding.UTF8.GetBytes(payload))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        foreach (var (name, value) in userProperties)
        {
            builder.WithUserProperty(name, Encoding.UTF8.GetBytes(value).AsMemory());
        }

        return builder.Build();
    }

    public static MqttClientSubscribeOptions Subscription(string filter, params (string Name, string Value)[] userProperties)
    {
        var options = new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build();
        options.UserProperties = [.. userProperties.Select(p => new MqttUserProperty(p.Name, Encoding.UTF8.GetBytes(p.Value).AsMemory()))];
        return options;
    }

    public async Task<MqttClientSubscribeResult> SubscribeAsync(string filter)
    {
        var result = await Client.SubscribeAsync(Subscription(filter), TestContext.Current.CancellationToken).Guarded($"subscribe to {filter}");
        Assert.True((int)Assert.Single(result.Items).ResultCode <= 2, $"SUBACK for {filter}: {result.Items.First().ResultCode}");
        return result;
    }

    public async ValueTask DisposeAsync() => await Client.DisposeAsync();
}
