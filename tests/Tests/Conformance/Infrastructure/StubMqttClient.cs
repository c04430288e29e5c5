using MQTTnet;
using MQTTnet.Diagnostics.PacketInspection;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace OrleansAio.Tests.Conformance.Infrastructure;

/// <summary>
/// An MQTTnet 5 <see cref="IMqttClient"/> whose far side is a <see cref="StubMqttBroker"/>: no network, scripted acknowledgements,
/// everything observable. Connecting always succeeds (with "session present" after the first connection of the broker).
/// </summary>
internal sealed class StubMqttClient : IMqttClient
{
    private readonly StubMqttBroker broker;
    private readonly Lock gate = new();
    private volatile bool connected;
    private Func<InspectMqttPacketEventArgs, Task>? inspectHandlers;

    internal StubMqttClient(StubMqttBroker broker)
    {
        this.broker = broker;
    }

    /// <inheritdoc />
    public event Func<MqttApplicationMessageReceivedEventArgs, Task>? ApplicationMessageReceivedAsync;

    /// <inheritdoc />
    public event Func<MqttClientConnectedEventArgs, Task>? ConnectedAsync;

    /// <inheritdoc />
    public event Func<MqttClientConnectingEventArgs, Task>? ConnectingAsync;

    /// <inheritdoc />
    public event Func<MqttClientDisconnectedEventArgs, Task>? DisconnectedAsync;

    /// <inheritdoc />
    /// <remarks>No bytes travel through the stub, so there are no raw packets to inspect; handlers are kept but never called.</remarks>
    public event Func<InspectMqttPacketEventArgs, Task>? InspectPacketAsync
    {
        add => inspectHandlers += value;
        remove => inspectHandlers -= value;
    }

    /// <inheritdoc />
    public bool IsConnected => connected;

    /// <inheritdoc />
    public MqttClientOptions Options { get; private set; } = null!;

    /// <summary>How many times this client connected.</summary>
    public int ConnectCount { get; private set; }

    /// <summary>Enhanced-authentication data sent by the client (the stub broker does not answer them).</summary>
    public List<MqttEnhancedAuthenticationExchangeData> EnhancedAuthenticationData { get; } = [];

    /// <inheritdoc />
    public async Task<MqttClientConnectResult> ConnectAsync(MqttClientOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        cancellationToken.ThrowIfCancellationRequested();
        if (options.ProtocolVersion == MqttProtocolVersion.Unknown)
        {
            throw new MqttConfigurationException("the MQTT protocol version must be set");
        }

        Options = options;
        await RaiseAsync(ConnectingAsync, new MqttClientConnectingEventArgs(options)).ConfigureAwait(false);
        MqttClientConnectResult result;
        lock (gate)
        {
            result = broker.Connect(this);
            connected = true;
            ConnectCount++;
        }

        await RaiseAsync(ConnectedAsync, new MqttClientConnectedEventArgs(result)).ConfigureAwait(false);
        return result;
    }

    /// <inheritdoc />
    public async Task DisconnectAsync(MqttClientDisconnectOptions options, CancellationToken cancellationToken = default)
    {
        if (!TryMarkDisconnected())
        {
            return;
        }

        await RaiseAsync(
            DisconnectedAsync,
            new MqttClientDisconnectedEventArgs(true, null, MqttClientDisconnectReason.NormalDisconnection, options?.ReasonString, [], null)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task PingAsync(CancellationToken cancellationToken = default)
    {
        EnsureConnected();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<MqttClientPublishResult> PublishAsync(MqttApplicationMessage applicationMessage, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(applicationMessage);
        EnsureConnected();
        return broker.PublishAsync(applicationMessage, cancellationToken);
    }

    /// <inheritdoc />
    public Task SendEnhancedAuthenticationExchangeDataAsync(MqttEnhancedAuthenticationExchangeData data, CancellationToken cancellationToken = default)
    {
        EnsureConnected();
        EnhancedAuthenticationData.Add(data);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<MqttClientSubscribeResult> SubscribeAsync(MqttClientSubscribeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        EnsureConnected();
        return broker.SubscribeAsync(options, cancellationToken);
    }

    /// <inheritdoc />
    public Task<MqttClientUnsubscribeResult> UnsubscribeAsync(MqttClientUnsubscribeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        EnsureConnected();
        return broker.UnsubscribeAsync(options, cancellationToken);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // Nothing to release: the broker's logs outlive the client so that the runner can check them after disposal.
    }

    internal async Task ReceiveAsync(MqttApplicationMessage message, ushort packetId, CancellationToken cancellationToken)
    {
        var epoch = broker.Epoch;
        var qos = message.QualityOfServiceLevel;
        var packet = new MqttPublishPacket
        {
            PacketIdentifier = qos == MqttQualityOfServiceLevel.AtMostOnce ? (ushort)0 : packetId,
            Topic = message.Topic,
            QualityOfServiceLevel = qos,
        };
        var args = new MqttApplicationMessageReceivedEventArgs(
            Options.ClientId,
            message,
            packet,
            (_, _) => qos == MqttQualityOfServiceLevel.AtMostOnce ? Task.CompletedTask : broker.AcknowledgeAsync(packetId, epoch));
        await RaiseAsync(ApplicationMessageReceivedAsync, args).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (args.AutoAcknowledge)
        {
            await args.AcknowledgeAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    internal async Task LoseConnectionAsync()
    {
        if (!TryMarkDisconnected())
        {
            return;
        }

        await RaiseAsync(
            DisconnectedAsync,
            new MqttClientDisconnectedEventArgs(
                true,
                null,
                MqttClientDisconnectReason.UnspecifiedError,
                "simulated connection loss",
                [],
                new MqttCommunicationException("simulated connection loss", null))).ConfigureAwait(false);
    }

    private static async Task RaiseAsync<T>(Func<T, Task>? handlers, T args)
    {
        if (handlers is null)
        {
            return;
        }

        foreach (var handler in handlers.GetInvocationList().Cast<Func<T, Task>>())
        {
            await handler(args).ConfigureAwait(false);
        }
    }

    private bool TryMarkDisconnected()
    {
        lock (gate)
        {
            if (!connected)
            {
                return false;
            }

            connected = false;
        }

        broker.Disconnected();
        return true;
    }

    private void EnsureConnected()
    {
        if (!connected)
        {
            throw new MqttClientNotConnectedException();
        }
    }
}
