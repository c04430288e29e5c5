using System.Collections.Concurrent;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace OrleansAio.Tests.Fixtures;

/// <summary>
/// An MQTT 5 test client (MQTTnet) that records the payloads it receives, with a deadline loop to wait for deliveries.
/// Its client id carries the running test's name.
/// </summary>
public sealed class MqttTestClient : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> received = new();
    private readonly int port;

    MqttTestClient(int port, string clientId, IMqttClient client)
    {
        this.port = port;
        ClientId = clientId;
        Client = client;
        Client.ApplicationMessageReceivedAsync += args =>
        {
            received.Enqueue(args.ApplicationMessage.ConvertPayloadToString());
            return Task.CompletedTask;
        };
    }

    /// <summary>The generous hang guard used when waiting for deliveries (not a timing assertion).</summary>
    public static TimeSpan HangGuard { get; } = TimeSpan.FromSeconds(30);

    /// <summary>The client id (test name plus the given suffix).</summary>
    public string ClientId { get; }

    /// <summary>The topic of the client's will message, if any.</summary>
    public string? WillTopic { get; private init; }

    /// <summary>The payload of the client's will message.</summary>
    public string WillPayload => "will-" + ClientId;

    /// <summary>The underlying MQTTnet client.</summary>
    public IMqttClient Client { get; }

    /// <summary>The CONNACK result of the last connect.</summary>
    public MqttClientConnectResult? ConnectResult { get; private set; }

    /// <summary>The payloads received so far, in arrival order.</summary>
    public IReadOnlyList<string> Received => [.. received];

    /// <summary>A client id made of the running test's method name and <paramref name="suffix"/>.</summary>
    /// <param name="suffix">Tells clients of one test apart.</param>
    public static string TestClientId(string suffix)
    {
        var test = TestContext.Current.TestMethod?.MethodName ?? "test";
        return $"{test}-{suffix}-{Guid.NewGuid().ToString("N")[..8]}";
    }

    /// <summary>Creates and connects a client over MQTT 5.</summary>
    /// <param name="port">The broker's loopback port.</param>
    /// <param name="suffix">Appended to the test name in the client id.</param>
    /// <param name="sessionExpirySeconds">0 for a session that ends with the connection; more for a persistent session.</param>
    /// <param name="clientId">An explicit client id (to reconnect to a persistent session); by default a new id from the test name.</param>
    /// <param name="cleanStart">Whether to discard an existing session.</param>
    /// <param name="willTopic">When set, a QoS 1 will message with payload <c>will-&lt;client id&gt;</c> on this topic.</param>
    /// <param name="cancellationToken">Cancels the connect.</param>
    public static async Task<MqttTestClient> ConnectAsync(
        int port,
        string suffix,
        uint sessionExpirySeconds = 0,
        string? clientId = null,
        bool cleanStart = true,
        string? willTopic = null,
        CancellationToken cancellationToken = default)
    {
        var client = new MqttTestClient(port, clientId ?? TestClientId(suffix), new MqttClientFactory().CreateMqttClient()) { WillTopic = willTopic };
        await client.ReconnectAsync(sessionExpirySeconds, cleanStart, cancellationToken);
        return client;
    }

    /// <summary>Connects (again) with the same client id.</summary>
    /// <param name="sessionExpirySeconds">The session expiry interval.</param>
    /// <param name="cleanStart">Whether to discard an existing session.</param>
    /// <param name="cancellationToken">Cancels the connect.</param>
    public async Task ReconnectAsync(uint sessionExpirySeconds, bool cleanStart, CancellationToken cancellationToken)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(ClientId)
            .WithCleanStart(cleanStart)
            .WithSessionExpiryInterval(sessionExpirySeconds);
        if (WillTopic is not null)
        {
            builder = builder.WithWillTopic(WillTopic).WithWillPayload(WillPayload).WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        }

        ConnectResult = await Client.ConnectAsync(builder.Build(), cancellationToken);
    }

    /// <summary>Subscribes one topic filter at QoS 1.</summary>
    /// <param name="topicFilter">The filter, e.g. <c>$share/g/t/#</c>.</param>
    /// <param name="cancellationToken">Cancels the subscribe.</param>
    public async Task<MqttClientSubscribeResult> SubscribeAsync(string topicFilter, CancellationToken cancellationToken)
    {
        var options = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic(topicFilter).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
            .Build();
        return await Client.SubscribeAsync(options, cancellationToken);
    }

    /// <summary>Publishes <paramref name="count"/> QoS 1 messages with payloads <c>prefix0</c> .. <c>prefix(count-1)</c>.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="count">How many messages.</param>
    /// <param name="prefix">The payload prefix.</param>
    /// <param name="cancellationToken">Cancels publishing.</param>
    public async Task<IReadOnlyList<string>> PublishManyAsync(string topic, int count, string prefix, CancellationToken cancellationToken)
    {
        var payloads = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var payload = prefix + i;
            payloads.Add(payload);
            await PublishAsync(topic, payload, retain: false, cancellationToken);
        }

        return payloads;
    }

    /// <summary>Publishes one QoS 1 message.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="payload">The payload text.</param>
    /// <param name="retain">The retain flag.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    public Task<MqttClientPublishResult> PublishAsync(string topic, string payload, bool retain, CancellationToken cancellationToken) =>
        Client.PublishAsync(
            new MqttApplicationMessageBuilder()
                .WithTopic(topic)
                .WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithRetainFlag(retain)
                .Build(),
            cancellationToken);

    /// <summary>Waits until <paramref name="condition"/> holds, failing the test after <see cref="HangGuard"/>.</summary>
    /// <param name="condition">Checked every few milliseconds.</param>
    /// <param name="what">Named in the failure message.</param>
    /// <param name="cancellationToken">Cancels waiting.</param>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(HangGuard, TimeProvider.System);
        while (!condition())
        {
            if (deadline.IsCancellationRequested)
            {
                Assert.Fail($"Gave up waiting (hang guard {HangGuard.TotalSeconds} s) for: {what}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), TimeProvider.System, cancellationToken);
        }
    }

    /// <summary>Disconnects normally (the session ends or persists as its expiry interval says).</summary>
    /// <param name="cancellationToken">Cancels the disconnect.</param>
    public Task DisconnectAsync(CancellationToken cancellationToken) =>
        Client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Client.IsConnected)
        {
            try
            {
                await Client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None);
            }
            catch (MQTTnet.Exceptions.MqttCommunicationException)
            {
                // The broker is already gone.
            }
        }

        Client.Dispose();
    }
}
