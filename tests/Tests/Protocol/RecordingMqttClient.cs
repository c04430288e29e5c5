using System.Collections.Concurrent;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Mqtt;

namespace OrleansAio.Tests.Protocol;

/// <summary>
/// A recording <see cref="IMqttPubSubClient"/> for golden tests: keeps every PUBLISH, SUBSCRIBE and UNSUBSCRIBE and every PUBACK
/// the envoys send, and (when joined to a <see cref="LoopbackHub"/>) delivers publishes to the hub's matching subscribers.
/// </summary>
internal sealed class RecordingMqttClient : IMqttPubSubClient
{
    private readonly LoopbackHub? hub;
    private readonly ConcurrentQueue<string> subscriptions = new();
    private readonly SemaphoreSlim deliveryGate = new(1, 1);
    private int nextPacketId;

    public RecordingMqttClient(string? clientId = "test-client", LoopbackHub? hub = null, MqttProtocolVersion protocolVersion = MqttProtocolVersion.V500)
    {
        ClientId = clientId;
        ProtocolVersion = protocolVersion;
        this.hub = hub;
        hub?.Join(this);
    }

    public event Func<MqttApplicationMessageReceivedEventArgs, Task>? ApplicationMessageReceivedAsync;

    public string? ClientId { get; }

    public MqttProtocolVersion ProtocolVersion { get; }

    public ConcurrentQueue<MqttApplicationMessage> Published { get; } = new();

    public ConcurrentQueue<string> Subscribed { get; } = new();

    public ConcurrentQueue<string> Unsubscribed { get; } = new();

    public ConcurrentQueue<ushort> Acknowledged { get; } = new();

    public MqttClientPublishReasonCode PublishReasonCode { get; set; } = MqttClientPublishReasonCode.Success;

    public MqttClientSubscribeResultCode SubscribeResultCode { get; set; } = MqttClientSubscribeResultCode.GrantedQoS1;

    public MqttClientUnsubscribeResultCode UnsubscribeResultCode { get; set; } = MqttClientUnsubscribeResultCode.Success;

    /// <summary>Completes with each publish, for tests that wait for the next one.</summary>
    public Channel<MqttApplicationMessage> PublishFeed { get; } = Channel.CreateUnbounded<MqttApplicationMessage>();

    public Task<MqttClientPublishResult> PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken = default)
    {
        Published.Enqueue(message);
        PublishFeed.Writer.TryWrite(message);
        if (PublishReasonCode == MqttClientPublishReasonCode.Success && hub is not null)
        {
            hub.Route(message);
        }

        return Task.FromResult(new MqttClientPublishResult(1, PublishReasonCode, string.Empty, []));
    }

    public Task<MqttClientSubscribeResult> SubscribeAsync(MqttClientSubscribeOptions options, CancellationToken cancellationToken = default)
    {
        var items = new List<MqttClientSubscribeResultItem>();
        foreach (var filter in options.TopicFilters)
        {
            Subscribed.Enqueue(filter.Topic);
            if (SubscribeResultCode <= MqttClientSubscribeResultCode.GrantedQoS2)
            {
                subscriptions.Enqueue(filter.Topic);
            }

            items.Add(new MqttClientSubscribeResultItem(filter, SubscribeResultCode));
        }

        return Task.FromResult(new MqttClientSubscribeResult(1, items, string.Empty, []));
    }

    public Task<MqttClientUnsubscribeResult> UnsubscribeAsync(MqttClientUnsubscribeOptions options, CancellationToken cancellationToken = default)
    {
        var items = options.TopicFilters.Select(f =>
        {
            Unsubscribed.Enqueue(f);
            return new MqttClientUnsubscribeResultItem(f, UnsubscribeResultCode);
        }).ToList();
        return Task.FromResult(new MqttClientUnsubscribeResult(1, items, string.Empty, []));
    }

    /// <summary>Delivers a message as if the broker sent it; returns once the envoys' handlers returned (not finished).</summary>
    public async Task<ushort> ReceiveAsync(MqttApplicationMessage message)
    {
        var packetId = (ushort)Interlocked.Increment(ref nextPacketId);
        await deliveryGate.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            var acked = 0;
            var args = new MqttApplicationMessageReceivedEventArgs(
                ClientId,
                message,
                new MqttPublishPacket { PacketIdentifier = packetId, QualityOfServiceLevel = message.QualityOfServiceLevel },
                (_, _) =>
                {
                    if (Interlocked.Exchange(ref acked, 1) == 0)
                    {
                        Acknowledged.Enqueue(packetId);
                    }

                    return Task.CompletedTask;
                });
            if (ApplicationMessageReceivedAsync is { } handlers)
            {
                foreach (var handler in handlers.GetInvocationList().Cast<Func<MqttApplicationMessageReceivedEventArgs, Task>>())
                {
                    await handler(args);
                }
            }

            if (args.AutoAcknowledge)
            {
                await args.AcknowledgeAsync(CancellationToken.None);
            }
        }
        finally
        {
            deliveryGate.Release();
        }

        return packetId;
    }

    /// <summary>Waits until <paramref name="count"/> PUBACKs were sent.</summary>
    public async Task WaitForAcknowledgementsAsync(int count)
    {
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        guard.CancelAfter(TimeSpan.FromSeconds(30));
        while (Acknowledged.Count < count)
        {
            await Task.Delay(10, guard.Token);
        }
    }

    /// <summary>Reads the next publish (hang guard 30 s).</summary>
    public async Task<MqttApplicationMessage> NextPublishAsync()
    {
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        guard.CancelAfter(TimeSpan.FromSeconds(30));
        return await PublishFeed.Reader.ReadAsync(guard.Token);
    }

    public bool IsSubscribedTo(string topic) => subscriptions.Any(f => TopicPattern.MatchesFilter(topic, f));

    public ValueTask DisposeAsync()
    {
        deliveryGate.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Connects <see cref="RecordingMqttClient"/>s in memory: a publish goes to every client with a matching subscription.</summary>
internal sealed class LoopbackHub
{
    private readonly ConcurrentQueue<RecordingMqttClient> clients = new();

    public void Join(RecordingMqttClient client) => clients.Enqueue(client);

    public void Route(MqttApplicationMessage message)
    {
        foreach (var client in clients.Where(c => c.IsSubscribedTo(message.Topic)))
        {
            _ = Task.Run(() => client.ReceiveAsync(message));
        }
    }
}
