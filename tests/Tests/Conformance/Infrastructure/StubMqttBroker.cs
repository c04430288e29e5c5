using System.Buffers;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using OrleansAio.Tests.Conformance.Model;

namespace OrleansAio.Tests.Conformance.Infrastructure;

/// <summary>
/// The far side of the stub MQTT connection (protocol.md §2.9 step 3, §2.10): answers every outgoing PUBLISH/SUBSCRIBE/UNSUBSCRIBE
/// from a scripted ACK queue (empty queue ⇒ success; <c>fail</c> ⇒ "unspecified error"; <c>drop</c> ⇒ never acknowledged: the
/// call fails when the connection is lost), and keeps the publication log (by order and by correlation data: the first message per
/// 16-byte correlation wins, messages with absent or non-16-byte correlation share one "no GUID" slot), the subscription set, and
/// the PUBACKs the client sent (count and packet IDs). It injects messages with explicit packet IDs and simulates connection loss.
/// </summary>
/// <remarks>
/// Clients are <see cref="StubMqttClient"/> facades created by <see cref="CreateClient"/>; the one connected last is the current
/// connection. A session client may create a new facade per connection; a plain client may reconnect the same facade.
/// </remarks>
internal sealed class StubMqttBroker
{
    private const string NoGuidSlot = "(no GUID)";

    private readonly Lock gate = new();
    private readonly Queue<AckKind> publishAcks;
    private readonly Queue<AckKind> subscribeAcks;
    private readonly Queue<AckKind> unsubscribeAcks;
    private readonly List<MqttApplicationMessage> publications = [];
    private readonly Dictionary<string, MqttApplicationMessage> publicationsByCorrelation = new(StringComparer.Ordinal);
    private readonly Channel<MqttApplicationMessage> publishFeed = Channel.CreateUnbounded<MqttApplicationMessage>();
    private readonly List<string> subscribed = [];
    private readonly List<string> unsubscribed = [];
    private readonly List<ushort> acknowledgements = [];
    private readonly Channel<ushort> ackFeed = Channel.CreateUnbounded<ushort>();
    private TaskCompletionSource connectionLost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource connectedSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private StubMqttClient? current;
    private long epoch;
    private int nextIncomingPacketId;
    private int nextOutgoingPacketId;
    private bool everConnected;

    /// <summary>Creates a broker answering from <paramref name="acks"/>.</summary>
    /// <param name="acks">The scripted acknowledgement queues.</param>
    public StubMqttBroker(MetlPushAcks acks)
    {
        publishAcks = new Queue<AckKind>(acks.Publish);
        subscribeAcks = new Queue<AckKind>(acks.Subscribe);
        unsubscribeAcks = new Queue<AckKind>(acks.Unsubscribe);
    }

    /// <summary>Total PUBLISH calls, including failed, dropped and retransmitted ones.</summary>
    public int PublicationCount
    {
        get
        {
            lock (gate)
            {
                return publications.Count;
            }
        }
    }

    /// <summary>Every PUBLISH in call order (snapshots).</summary>
    public IReadOnlyList<MqttApplicationMessage> Publications
    {
        get
        {
            lock (gate)
            {
                return publications.ToList();
            }
        }
    }

    /// <summary>Every topic filter ever subscribed, in order (failed SUBACKs included).</summary>
    public IReadOnlyList<string> SubscribedTopics
    {
        get
        {
            lock (gate)
            {
                return subscribed.ToList();
            }
        }
    }

    /// <summary>Every topic filter ever unsubscribed.</summary>
    public IReadOnlyList<string> UnsubscribedTopics
    {
        get
        {
            lock (gate)
            {
                return unsubscribed.ToList();
            }
        }
    }

    /// <summary>PUBACKs actually sent (those owed across a connection loss are not).</summary>
    public int AcknowledgementCount
    {
        get
        {
            lock (gate)
            {
                return acknowledgements.Count;
            }
        }
    }

    /// <summary>Packet IDs of the PUBACKs sent, in order.</summary>
    public IReadOnlyList<ushort> Acknowledgements
    {
        get
        {
            lock (gate)
            {
                return acknowledgements.ToList();
            }
        }
    }

    /// <summary>The connection counter, incremented by every disconnection.</summary>
    internal long Epoch
    {
        get
        {
            lock (gate)
            {
                return epoch;
            }
        }
    }

    /// <summary>The correlation key of correlation data: its hex when 16 bytes, else the shared "no GUID" slot.</summary>
    /// <param name="correlationData">The correlation data.</param>
    /// <returns>The key.</returns>
    public static string CorrelationKey(byte[]? correlationData) =>
        correlationData is { Length: 16 } ? Convert.ToHexString(correlationData) : NoGuidSlot;

    /// <summary>Creates a client facade on this broker; it becomes current when it connects.</summary>
    /// <returns>The client.</returns>
    public StubMqttClient CreateClient() => new(this);

    /// <summary>The first message published with this correlation data (or in the "no GUID" slot).</summary>
    /// <param name="correlationData">The correlation data, or <see langword="null"/> for the "no GUID" slot.</param>
    /// <param name="message">The message.</param>
    /// <returns>Whether one was published.</returns>
    public bool TryGetPublication(byte[]? correlationData, out MqttApplicationMessage message)
    {
        lock (gate)
        {
            return publicationsByCorrelation.TryGetValue(CorrelationKey(correlationData), out message!);
        }
    }

    /// <summary>Waits for the next PUBLISH not yet awaited (in call order, retransmissions included).</summary>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns>The message.</returns>
    public ValueTask<MqttApplicationMessage> NextPublicationAsync(CancellationToken cancellationToken) =>
        publishFeed.Reader.ReadAsync(cancellationToken);

    /// <summary>Waits for the next PUBACK not yet awaited.</summary>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns>The packet ID acknowledged.</returns>
    public ValueTask<ushort> NextAcknowledgementAsync(CancellationToken cancellationToken) => ackFeed.Reader.ReadAsync(cancellationToken);

    /// <summary>A fresh packet ID for an incoming PUBLISH (1, 2, ...).</summary>
    /// <returns>The packet ID.</returns>
    public ushort NewPacketId()
    {
        var id = Interlocked.Increment(ref nextIncomingPacketId);
        return (ushort)(((id - 1) % ushort.MaxValue) + 1);
    }

    /// <summary>
    /// Delivers an incoming PUBLISH to the current connection and returns once its handlers have returned (the component accepted
    /// it); the message is acknowledged at once when a handler left auto-acknowledge on.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <param name="packetId">Its packet ID.</param>
    /// <param name="cancellationToken">Ends the wait for the handlers.</param>
    /// <returns>A task completing when the message was handed over.</returns>
    public async Task DeliverAsync(MqttApplicationMessage message, ushort packetId, CancellationToken cancellationToken)
    {
        while (true)
        {
            // After a simulated connection loss the broker delivers once the client has reconnected.
            await WaitConnectedAsync(cancellationToken).ConfigureAwait(false);
            StubMqttClient? client;
            lock (gate)
            {
                client = current is { IsConnected: true } c ? c : null;
            }

            if (client is not null)
            {
                await client.ReceiveAsync(message, packetId, cancellationToken).ConfigureAwait(false);
                return;
            }
        }
    }

    /// <summary>Simulates the loss of the current connection: owed PUBACKs die with it, unacknowledged PUBLISHes fail.</summary>
    /// <returns>A task completing once the client's disconnected handlers have run.</returns>
    public Task LoseConnectionAsync()
    {
        StubMqttClient? client;
        lock (gate)
        {
            client = current;
        }

        return client is null ? Task.CompletedTask : client.LoseConnectionAsync();
    }

    /// <summary>Waits until a client is connected (after a simulated connection loss, until it reconnected).</summary>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns>A task completing when a client is connected.</returns>
    public Task WaitConnectedAsync(CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return connectedSignal.Task.WaitAsync(cancellationToken);
        }
    }

    internal MqttClientConnectResult Connect(StubMqttClient client)
    {
        lock (gate)
        {
            var sessionPresent = everConnected;
            everConnected = true;
            current = client;
            connectedSignal.TrySetResult();
            return new MqttClientConnectResult
            {
                ResultCode = MqttClientConnectResultCode.Success,
                IsSessionPresent = sessionPresent,
                MaximumQoS = MqttQualityOfServiceLevel.AtLeastOnce,
                RetainAvailable = true,
                SharedSubscriptionAvailable = true,
                WildcardSubscriptionAvailable = true,
                SubscriptionIdentifiersAvailable = true,
                AssignedClientIdentifier = client.Options?.ClientId,
            };
        }
    }

    internal void Disconnected()
    {
        TaskCompletionSource lost;
        lock (gate)
        {
            epoch++;
            lost = connectionLost;
            connectionLost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (connectedSignal.Task.IsCompleted)
            {
                connectedSignal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        lost.TrySetResult();
    }

    internal async Task<MqttClientPublishResult> PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        var snapshot = Snapshot(message);
        AckKind ack;
        Task lost;
        ushort? packetId = null;
        lock (gate)
        {
            publications.Add(snapshot);
            publicationsByCorrelation.TryAdd(CorrelationKey(snapshot.CorrelationData), snapshot);
            ack = snapshot.QualityOfServiceLevel == MqttQualityOfServiceLevel.AtMostOnce ? AckKind.Success : Next(publishAcks);
            lost = connectionLost.Task;
            if (snapshot.QualityOfServiceLevel != MqttQualityOfServiceLevel.AtMostOnce)
            {
                packetId = (ushort)((Interlocked.Increment(ref nextOutgoingPacketId) % ushort.MaxValue) + 1);
            }
        }

        publishFeed.Writer.TryWrite(snapshot);
        switch (ack)
        {
            case AckKind.Fail:
                return new MqttClientPublishResult(packetId, MqttClientPublishReasonCode.UnspecifiedError, "scripted PUBACK failure", []);
            case AckKind.Drop:
                await lost.WaitAsync(cancellationToken).ConfigureAwait(false);
                throw new MqttCommunicationException("the connection was lost before the PUBACK arrived (scripted drop)", null);
            default:
                return new MqttClientPublishResult(packetId, MqttClientPublishReasonCode.Success, null, []);
        }
    }

    internal async Task<MqttClientSubscribeResult> SubscribeAsync(MqttClientSubscribeOptions options, CancellationToken cancellationToken)
    {
        AckKind ack;
        Task lost;
        lock (gate)
        {
            subscribed.AddRange(options.TopicFilters.Select(f => f.Topic));
            ack = Next(subscribeAcks);
            lost = connectionLost.Task;
        }

        if (ack == AckKind.Drop)
        {
            await lost.WaitAsync(cancellationToken).ConfigureAwait(false);
            throw new MqttCommunicationException("the connection was lost before the SUBACK arrived (scripted drop)", null);
        }

        var items = options.TopicFilters.Select(f => new MqttClientSubscribeResultItem(
            f,
            ack == AckKind.Fail ? MqttClientSubscribeResultCode.UnspecifiedError : (MqttClientSubscribeResultCode)(int)f.QualityOfServiceLevel)).ToList();
        return new MqttClientSubscribeResult(NextOutgoingId(), items, ack == AckKind.Fail ? "scripted SUBACK failure" : null, []);
    }

    internal async Task<MqttClientUnsubscribeResult> UnsubscribeAsync(MqttClientUnsubscribeOptions options, CancellationToken cancellationToken)
    {
        AckKind ack;
        Task lost;
        lock (gate)
        {
            unsubscribed.AddRange(options.TopicFilters);
            ack = Next(unsubscribeAcks);
            lost = connectionLost.Task;
        }

        if (ack == AckKind.Drop)
        {
            await lost.WaitAsync(cancellationToken).ConfigureAwait(false);
            throw new MqttCommunicationException("the connection was lost before the UNSUBACK arrived (scripted drop)", null);
        }

        var items = options.TopicFilters.Select(f => new MqttClientUnsubscribeResultItem(
            f,
            ack == AckKind.Fail ? MqttClientUnsubscribeResultCode.UnspecifiedError : MqttClientUnsubscribeResultCode.Success)).ToList();
        return new MqttClientUnsubscribeResult(NextOutgoingId(), items, ack == AckKind.Fail ? "scripted UNSUBACK failure" : null, []);
    }

    // Records a PUBACK if the connection the message arrived on is still up; otherwise the PUBACK is lost with it.
    internal Task AcknowledgeAsync(ushort packetId, long receiptEpoch)
    {
        lock (gate)
        {
            if (receiptEpoch != epoch)
            {
                throw new MqttCommunicationException(
                    $"PUBACK for packet {packetId} not sent: the connection it was owed on is closed", null);
            }

            acknowledgements.Add(packetId);
        }

        ackFeed.Writer.TryWrite(packetId);
        return Task.CompletedTask;
    }

    private static AckKind Next(Queue<AckKind> queue) => queue.TryDequeue(out var kind) ? kind : AckKind.Success;

    private static MqttApplicationMessage Snapshot(MqttApplicationMessage m) => new()
    {
        Topic = m.Topic,
        Payload = new ReadOnlySequence<byte>(m.Payload.ToArray()),
        ContentType = m.ContentType,
        CorrelationData = m.CorrelationData?.ToArray(),
        MessageExpiryInterval = m.MessageExpiryInterval,
        PayloadFormatIndicator = m.PayloadFormatIndicator,
        QualityOfServiceLevel = m.QualityOfServiceLevel,
        ResponseTopic = m.ResponseTopic,
        Retain = m.Retain,
        UserProperties = m.UserProperties?.Select(p => new MqttUserProperty(p.Name, p.ValueBuffer.ToArray().AsMemory())).ToList(),
    };

    private ushort NextOutgoingId() => (ushort)((Interlocked.Increment(ref nextOutgoingPacketId) % ushort.MaxValue) + 1);
}
