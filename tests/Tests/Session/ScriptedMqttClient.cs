using System.Collections.Concurrent;
using MQTTnet;
using MQTTnet.Diagnostics.PacketInspection;
using MQTTnet.Exceptions;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace OrleansAio.Tests.Session;

/// <summary>
/// An MQTTnet <see cref="IMqttClient"/> whose broker is the test: connects answer from a script, every PUBLISH, SUBSCRIBE and
/// UNSUBSCRIBE is logged in order and answered by a rule (acknowledge at once, hold until released, reason code, throw), and the
/// test drops the connection or delivers messages whenever it likes.
/// </summary>
internal sealed class ScriptedMqttClient : IMqttClient
{
    private readonly Lock gate = new();
    private readonly ConcurrentQueue<Func<MqttClientOptions, CancellationToken, Task<MqttClientConnectResult>>> connectScript = new();
    private readonly List<string> log = [];
    private readonly List<MqttClientOptions> connects = [];
    private readonly List<Held> held = [];
    private readonly List<ushort> acknowledgements = [];
    private readonly List<MqttClientDisconnectOptions> disconnects = [];
    private readonly List<MqttEnhancedAuthenticationExchangeData> auths = [];
    private bool connected;
    private int connectionNumber;

    public event Func<MqttApplicationMessageReceivedEventArgs, Task>? ApplicationMessageReceivedAsync;

    public event Func<MqttClientConnectedEventArgs, Task>? ConnectedAsync;

    public event Func<MqttClientConnectingEventArgs, Task>? ConnectingAsync;

    public event Func<MqttClientDisconnectedEventArgs, Task>? DisconnectedAsync;

    public event Func<InspectMqttPacketEventArgs, Task>? InspectPacketAsync;

    /// <summary>How to answer operations: null acknowledges at once with success.</summary>
    public Func<string, OperationRule>? Rule { get; set; }

    /// <summary>Whether a CONNACK after the first says the session is present; default true.</summary>
    public bool SessionPresentOnReconnect { get; set; } = true;

    /// <summary>Receive Maximum in the CONNACK; null leaves it out.</summary>
    public ushort? ReceiveMaximum { get; set; }

    public bool IsConnected
    {
        get
        {
            lock (gate)
            {
                return connected;
            }
        }
    }

    public MqttClientOptions Options { get; private set; } = null!;

    /// <summary>Every operation sent, in order, e.g. <c>PUBLISH a/1</c>, <c>SUBSCRIBE f</c>, <c>UNSUBSCRIBE f</c>.</summary>
    public IReadOnlyList<string> Log
    {
        get
        {
            lock (gate)
            {
                return [.. log];
            }
        }
    }

    public IReadOnlyList<MqttClientOptions> Connects
    {
        get
        {
            lock (gate)
            {
                return [.. connects];
            }
        }
    }

    public IReadOnlyList<ushort> Acknowledgements
    {
        get
        {
            lock (gate)
            {
                return [.. acknowledgements];
            }
        }
    }

    public IReadOnlyList<MqttClientDisconnectOptions> Disconnects
    {
        get
        {
            lock (gate)
            {
                return [.. disconnects];
            }
        }
    }

    public IReadOnlyList<MqttEnhancedAuthenticationExchangeData> Auths
    {
        get
        {
            lock (gate)
            {
                return [.. auths];
            }
        }
    }

    public int HeldCount
    {
        get
        {
            lock (gate)
            {
                return held.Count;
            }
        }
    }

    /// <summary>Queues the answer to the next connect; without one, connects succeed.</summary>
    public void ScriptConnect(Func<MqttClientOptions, CancellationToken, Task<MqttClientConnectResult>> answer) => connectScript.Enqueue(answer);

    public void ScriptConnectResult(MqttClientConnectResultCode code) =>
        ScriptConnect((_, _) => Task.FromResult(new MqttClientConnectResult { ResultCode = code }));

    public void ScriptConnectException(Exception exception) => ScriptConnect((_, _) => Task.FromException<MqttClientConnectResult>(exception));

    public async Task<MqttClientConnectResult> ConnectAsync(MqttClientOptions options, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            if (connected)
            {
                throw new InvalidOperationException("already connected");
            }

            Options = options;
            connects.Add(options);
        }

        MqttClientConnectResult result;
        if (connectScript.TryDequeue(out var answer))
        {
            try
            {
                result = await answer(options, cancellationToken);
            }
            catch (Exception ex)
            {
                RaiseDisconnected(false, MqttClientDisconnectReason.UnspecifiedError, ex);
                throw;
            }
        }
        else
        {
            bool reconnect;
            lock (gate)
            {
                reconnect = connectionNumber > 0;
            }

            result = new MqttClientConnectResult
            {
                ResultCode = MqttClientConnectResultCode.Success,
                IsSessionPresent = reconnect && SessionPresentOnReconnect,
                ReceiveMaximum = ReceiveMaximum,
            };
        }

        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            RaiseDisconnected(false, MqttClientDisconnectReason.UnspecifiedError, null);
            return result;
        }

        lock (gate)
        {
            connected = true;
            connectionNumber++;
        }

        if (ConnectedAsync is { } handler)
        {
            await handler(new MqttClientConnectedEventArgs(result));
        }

        return result;
    }

    /// <summary>The connection drops: held operations fail with a communication error and the disconnect event is raised.</summary>
    public void DropConnection(MqttClientDisconnectReason reason = MqttClientDisconnectReason.NormalDisconnection)
    {
        List<Held> failing;
        lock (gate)
        {
            if (!connected)
            {
                return;
            }

            connected = false;
            failing = [.. held];
            held.Clear();
        }

        foreach (var operation in failing)
        {
            operation.Fail(new MqttClientDisconnectedException(new IOException("connection dropped")));
        }

        RaiseDisconnected(true, reason, reason == MqttClientDisconnectReason.NormalDisconnection ? new IOException("connection reset") : null);
    }

    /// <summary>Raises a disconnect event while connected, as MQTTnet does late for an earlier failed connect attempt.</summary>
    public Task RaiseStaleDisconnectedEventAsync() =>
        DisconnectedAsync?.Invoke(new MqttClientDisconnectedEventArgs(false, null, MqttClientDisconnectReason.UnspecifiedError, null, null, null))
        ?? Task.CompletedTask;

    /// <summary>Acknowledges the oldest held operation successfully.</summary>
    public void ReleaseOldest()
    {
        Held? first;
        lock (gate)
        {
            first = held.FirstOrDefault();
            if (first is not null)
            {
                held.RemoveAt(0);
            }
        }

        first?.Succeed();
    }

    public void ReleaseAll()
    {
        while (HeldCount > 0)
        {
            ReleaseOldest();
        }
    }

    /// <summary>Delivers a QoS 1 message as if the broker sent it, with the given packet identifier.</summary>
    public async Task DeliverAsync(string topic, ushort packetId)
    {
        int connection;
        lock (gate)
        {
            connection = connectionNumber;
        }

        var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
        var packet = new MqttPublishPacket { PacketIdentifier = packetId, Topic = topic, QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce };
        var args = new MqttApplicationMessageReceivedEventArgs(Options.ClientId, message, packet, (a, _) =>
        {
            lock (gate)
            {
                // A PUBACK can only go out on the connection the PUBLISH arrived on.
                if (connected && connectionNumber == connection)
                {
                    acknowledgements.Add(a.PacketIdentifier);
                }
                else
                {
                    throw new MqttClientNotConnectedException();
                }
            }

            return Task.CompletedTask;
        });
        if (ApplicationMessageReceivedAsync is { } handler)
        {
            await handler(args);
        }

        if (args.AutoAcknowledge)
        {
            await args.AcknowledgeAsync(CancellationToken.None);
        }
    }

    public Task DisconnectAsync(MqttClientDisconnectOptions options, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            disconnects.Add(options);
        }

        DropConnection();
        return Task.CompletedTask;
    }

    public Task PingAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<MqttClientPublishResult> PublishAsync(MqttApplicationMessage applicationMessage, CancellationToken cancellationToken = default) =>
        Operate(
            $"PUBLISH {applicationMessage.Topic}",
            code => new MqttClientPublishResult(1, (MqttClientPublishReasonCode)code, null, []),
            cancellationToken);

    public Task SendEnhancedAuthenticationExchangeDataAsync(MqttEnhancedAuthenticationExchangeData data, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            if (!connected)
            {
                throw new MqttClientNotConnectedException();
            }

            auths.Add(data);
        }

        return Task.CompletedTask;
    }

    public Task<MqttClientSubscribeResult> SubscribeAsync(MqttClientSubscribeOptions options, CancellationToken cancellationToken = default) =>
        Operate(
            $"SUBSCRIBE {string.Join(",", options.TopicFilters.Select(f => f.Topic))}",
            code => new MqttClientSubscribeResult(
                1,
                [.. options.TopicFilters.Select(f => new MqttClientSubscribeResultItem(
                    f, code == 0 ? (MqttClientSubscribeResultCode)(int)f.QualityOfServiceLevel : (MqttClientSubscribeResultCode)code))],
                null,
                []),
            cancellationToken);

    public Task<MqttClientUnsubscribeResult> UnsubscribeAsync(MqttClientUnsubscribeOptions options, CancellationToken cancellationToken = default) =>
        Operate(
            $"UNSUBSCRIBE {string.Join(",", options.TopicFilters)}",
            code => new MqttClientUnsubscribeResult(
                1, [.. options.TopicFilters.Select(f => new MqttClientUnsubscribeResultItem(f, (MqttClientUnsubscribeResultCode)code))], null, []),
            cancellationToken);

    public void Dispose()
    {
        _ = ConnectingAsync;
        _ = InspectPacketAsync;
    }

    private Task<T> Operate<T>(string entry, Func<int, T> result, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (!connected)
            {
                throw new MqttClientNotConnectedException();
            }

            log.Add(entry);
        }

        var rule = Rule?.Invoke(entry) ?? OperationRule.Acknowledge;
        switch (rule.Kind)
        {
            case RuleKind.Throw:
                return Task.FromException<T>(rule.Exception!);
            case RuleKind.Hold:
                var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
                var operation = new Held(() => completion.TrySetResult(result(0)), ex => completion.TrySetException(ex));
                lock (gate)
                {
                    held.Add(operation);
                }

                cancellationToken.Register(() =>
                {
                    lock (gate)
                    {
                        held.Remove(operation);
                    }

                    completion.TrySetCanceled(cancellationToken);
                });
                return completion.Task;
            default:
                return Task.FromResult(result(rule.ReasonCode));
        }
    }

    private void RaiseDisconnected(bool wasConnected, MqttClientDisconnectReason reason, Exception? exception)
    {
        var args = new MqttClientDisconnectedEventArgs(wasConnected, null, reason, null, null, exception);
        if (DisconnectedAsync is { } handler)
        {
            _ = Task.Run(() => handler(args));
        }
    }

    internal enum RuleKind
    {
        Acknowledge,
        Hold,
        Throw,
    }

    internal sealed record OperationRule(RuleKind Kind, int ReasonCode = 0, Exception? Exception = null)
    {
        public static readonly OperationRule Acknowledge = new(RuleKind.Acknowledge);

        public static readonly OperationRule Hold = new(RuleKind.Hold);

        public static OperationRule Reason(int code) => new(RuleKind.Acknowledge, code);

        public static OperationRule Throws(Exception exception) => new(RuleKind.Throw, Exception: exception);
    }

    private sealed class Held(Action succeed, Action<Exception> fail)
    {
        public void Succeed() => succeed();

        public void Fail(Exception exception) => fail(exception);
    }
}
