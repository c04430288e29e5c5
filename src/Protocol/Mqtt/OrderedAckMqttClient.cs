using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using OrleansAio.Protocol.Diagnostics;

namespace OrleansAio.Protocol.Mqtt;

/// <summary>
/// Adapts an MQTTnet 5 <see cref="IMqttClient"/> to <see cref="IMqttPubSubClient"/>, sending PUBACKs strictly in the order the
/// PUBLISHes arrived, whatever order the handlers acknowledge them in.
/// </summary>
/// <remarks>
/// PUBACKs still owed when the connection closes are dropped rather than sent on the next connection: the broker redelivers those
/// messages on the resumed session. The adapter does not own the MQTTnet client; whoever created it connects and disposes it.
/// </remarks>
public sealed partial class OrderedAckMqttClient : IMqttPubSubClient
{
    private readonly IMqttClient client;
    private readonly ILogger logger;
    private readonly Lock gate = new();
    private readonly LinkedList<PendingAck> pending = new();
    private readonly SemaphoreSlim sendGate = new(1, 1);
    private long connectionGeneration;

    /// <summary>Creates an adapter over <paramref name="client"/>.</summary>
    /// <param name="client">The MQTTnet client; connected and disposed by its owner.</param>
    /// <param name="logger">Receives handler failures and dropped acknowledgements.</param>
    public OrderedAckMqttClient(IMqttClient client, ILogger<OrderedAckMqttClient> logger)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(logger);
        this.client = client;
        this.logger = logger;
        client.ApplicationMessageReceivedAsync += OnMessageReceivedAsync;
        client.DisconnectedAsync += OnDisconnectedAsync;
    }

    /// <inheritdoc />
    public event Func<MqttApplicationMessageReceivedEventArgs, Task>? ApplicationMessageReceivedAsync;

    /// <inheritdoc />
    public string? ClientId => client.Options?.ClientId;

    /// <inheritdoc />
    public MqttProtocolVersion ProtocolVersion => client.Options?.ProtocolVersion ?? MqttProtocolVersion.V500;

    /// <summary>Whether the underlying client is connected now.</summary>
    public bool IsConnected => client.IsConnected;

    /// <summary>The number of received messages whose PUBACK is still owed on the current connection.</summary>
    public int PendingAcknowledgements
    {
        get
        {
            lock (gate)
            {
                return pending.Count;
            }
        }
    }

    /// <inheritdoc />
    public Task<MqttClientPublishResult> PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken = default) =>
        client.PublishAsync(message, cancellationToken);

    /// <inheritdoc />
    public Task<MqttClientSubscribeResult> SubscribeAsync(MqttClientSubscribeOptions options, CancellationToken cancellationToken = default) =>
        client.SubscribeAsync(options, cancellationToken);

    /// <inheritdoc />
    public Task<MqttClientUnsubscribeResult> UnsubscribeAsync(MqttClientUnsubscribeOptions options, CancellationToken cancellationToken = default) =>
        client.UnsubscribeAsync(options, cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        client.ApplicationMessageReceivedAsync -= OnMessageReceivedAsync;
        client.DisconnectedAsync -= OnDisconnectedAsync;
        lock (gate)
        {
            pending.Clear();
        }

        sendGate.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task OnMessageReceivedAsync(MqttApplicationMessageReceivedEventArgs inner)
    {
        inner.AutoAcknowledge = false;
        ProtocolDiagnostics.MessagesReceived.Add(1);
        PendingAck? entry = null;
        if (inner.ApplicationMessage.QualityOfServiceLevel != MqttQualityOfServiceLevel.AtMostOnce)
        {
            lock (gate)
            {
                entry = new PendingAck(inner, connectionGeneration);
                pending.AddLast(entry);
            }
        }

        var packet = new MqttPublishPacket { PacketIdentifier = inner.PacketIdentifier };
        var outer = new MqttApplicationMessageReceivedEventArgs(
            inner.ClientId,
            inner.ApplicationMessage,
            packet,
            (_, ct) => entry is null ? Task.CompletedTask : AcknowledgeInOrderAsync(entry, ct));

        var handlers = ApplicationMessageReceivedAsync;
        if (handlers is not null)
        {
            foreach (var handler in handlers.GetInvocationList().Cast<Func<MqttApplicationMessageReceivedEventArgs, Task>>())
            {
                try
                {
                    await handler(outer).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    // A failing handler must not stall the session: the message counts as handled and is acknowledged.
                    LogHandlerFailed(ex, inner.ApplicationMessage.Topic);
                    outer.AutoAcknowledge = true;
                }
            }
        }

        if (outer.AutoAcknowledge && entry is not null)
        {
            await AcknowledgeInOrderAsync(entry, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task AcknowledgeInOrderAsync(PendingAck entry, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (entry.Ready || entry.Generation != connectionGeneration)
            {
                return;
            }

            entry.Ready = true;
        }

        await sendGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                PendingAck? head;
                lock (gate)
                {
                    head = pending.First?.Value;
                    if (head is null || !head.Ready)
                    {
                        return;
                    }

                    pending.RemoveFirst();
                }

                try
                {
                    await head.Inner.AcknowledgeAsync(CancellationToken.None).ConfigureAwait(false);
                    ProtocolDiagnostics.AcknowledgementsSent.Add(1);
                }
                catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException or ObjectDisposedException)
                {
                    ProtocolDiagnostics.AcknowledgementsDropped.Add(1);
                    LogAckDropped(head.Inner.PacketIdentifier, ex.Message);
                }
            }
        }
        finally
        {
            sendGate.Release();
        }
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs args)
    {
        if (client.IsConnected)
        {
            // MQTTnet raises the event on a background task; a late one from a failed earlier connect attempt can arrive after
            // the next connect succeeded, and must not discard the acknowledgements owed on the live connection.
            return Task.CompletedTask;
        }

        int dropped;
        lock (gate)
        {
            connectionGeneration++;
            dropped = pending.Count;
            pending.Clear();
        }

        if (dropped > 0)
        {
            ProtocolDiagnostics.AcknowledgementsDropped.Add(dropped);
            LogAcksDroppedOnDisconnect(dropped);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A message handler failed for a message on {Topic}; the message is acknowledged")]
    private partial void LogHandlerFailed(Exception exception, string topic);

    [LoggerMessage(Level = LogLevel.Debug, Message = "PUBACK for packet {PacketId} not sent: {Reason}")]
    private partial void LogAckDropped(ushort packetId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connection closed with {Count} PUBACKs owed; the broker redelivers those messages")]
    private partial void LogAcksDroppedOnDisconnect(int count);

    private sealed class PendingAck(MqttApplicationMessageReceivedEventArgs inner, long generation)
    {
        public MqttApplicationMessageReceivedEventArgs Inner { get; } = inner;

        public long Generation { get; } = generation;

        public bool Ready { get; set; }
    }
}
