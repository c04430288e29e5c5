using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;
using OrleansAio.Silo.Broker;

namespace OrleansAio.Tests.Fixtures;

/// <summary>
/// The embedded broker with the fault injection of the AIO faultable test broker (services.md section 6): clients ask for faults
/// through <c>fault:*</c> user properties on their own CONNECT, PUBLISH, SUBSCRIBE and UNSUBSCRIBE packets.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>fault:rejectconnect</c> = CONNACK reason code.</item>
/// <item><c>fault:disconnect</c> = DISCONNECT reason code on PUBLISH/SUBSCRIBE/UNSUBSCRIBE: without <c>fault:delay</c> the broker drops
/// the packet unprocessed and unacknowledged and disconnects at once; with <c>fault:delay</c> = seconds it processes and acknowledges
/// the packet and disconnects after the delay. The reject properties on the same packet are then ignored.</item>
/// <item><c>fault:rejectpublish</c>, <c>fault:rejectsubscribe</c>, <c>fault:rejectunsubscribe</c> = the PUBACK, SUBACK (every filter)
/// or UNSUBACK (every filter) reason code.</item>
/// <item><c>fault:requestid</c>: the fault fires only the first time the id is seen for that packet type (four lists, never cleared);
/// without an id it fires every time. Values that do not parse as integers are ignored; codes are cast without range checks.</item>
/// </list>
/// Built on <see cref="EmbeddedMqttBroker.Server"/>'s events, beside the broker's own interceptors.
/// </remarks>
public sealed class FaultableBroker : IAsyncDisposable
{
    /// <summary>The user property names.</summary>
    public const string Disconnect = "fault:disconnect";

    /// <summary>Delay in seconds before a <see cref="Disconnect"/>.</summary>
    public const string Delay = "fault:delay";

    /// <summary>CONNACK reason code.</summary>
    public const string RejectConnect = "fault:rejectconnect";

    /// <summary>PUBACK reason code.</summary>
    public const string RejectPublish = "fault:rejectpublish";

    /// <summary>SUBACK reason code.</summary>
    public const string RejectSubscribe = "fault:rejectsubscribe";

    /// <summary>UNSUBACK reason code.</summary>
    public const string RejectUnsubscribe = "fault:rejectunsubscribe";

    /// <summary>One-shot id.</summary>
    public const string RequestId = "fault:requestid";

    private readonly ILoggerFactory loggerFactory;
    private readonly TimeProvider timeProvider;
    private readonly Lock gate = new();
    private readonly HashSet<string> connectIds = [];
    private readonly HashSet<string> publishIds = [];
    private readonly HashSet<string> subscribeIds = [];
    private readonly HashSet<string> unsubscribeIds = [];
    private readonly ConcurrentDictionary<string, int> subscribeRejects = new();
    private readonly ConcurrentDictionary<string, int> unsubscribeRejects = new();
    private readonly ConcurrentQueue<string> fired = new();
    private readonly CancellationTokenSource stopping = new();
    private EmbeddedMqttBroker broker;

    private FaultableBroker(EmbeddedMqttBroker broker, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        this.broker = broker;
        this.loggerFactory = loggerFactory;
        this.timeProvider = timeProvider;
        Attach(broker.Server);
    }

    /// <summary>The embedded broker underneath.</summary>
    public EmbeddedMqttBroker Broker => broker;

    /// <summary>The MQTTnet server, for tests that add their own handlers.</summary>
    public MqttServer Server => broker.Server;

    /// <summary>The loopback port.</summary>
    public int Port => broker.Port;

    /// <summary>The faults that fired, as <c>packet:fault=value</c>, in order.</summary>
    public IReadOnlyList<string> FiredFaults => [.. fired];

    /// <summary>Starts a faultable broker on a free loopback port.</summary>
    /// <param name="loggerFactory">The broker's logger factory.</param>
    /// <param name="timeProvider">The clock of <c>fault:delay</c>; the system clock by default.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <param name="configure">Changes the broker's options (security settings, for instance).</param>
    /// <returns>The started broker.</returns>
    public static async Task<FaultableBroker> StartAsync(
        ILoggerFactory loggerFactory, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default, Action<EmbeddedMqttBrokerOptions>? configure = null)
    {
        var options = new EmbeddedMqttBrokerOptions { Port = FreePort.Get() };
        configure?.Invoke(options);
        var broker = new EmbeddedMqttBroker(options, loggerFactory);
        var faultable = new FaultableBroker(broker, loggerFactory, timeProvider ?? TimeProvider.System);
        await broker.StartAsync(cancellationToken);
        return faultable;
    }

    /// <summary>Stops and starts the same broker: connections drop, sessions stay in memory.</summary>
    /// <param name="cancellationToken">Cancels the restart.</param>
    /// <returns>A task that completes when the broker listens again.</returns>
    public async Task RestartKeepingSessionsAsync(CancellationToken cancellationToken = default)
    {
        await broker.StopAsync(cancellationToken);
        await broker.StartAsync(cancellationToken);
    }

    /// <summary>Replaces the broker by a fresh one on the same port: every session is gone.</summary>
    /// <param name="cancellationToken">Cancels the restart.</param>
    /// <returns>A task that completes when the new broker listens.</returns>
    public async Task RestartLosingSessionsAsync(CancellationToken cancellationToken = default)
    {
        var port = broker.Port;
        await broker.DisposeAsync();
        broker = new EmbeddedMqttBroker(new EmbeddedMqttBrokerOptions { Port = port }, loggerFactory);
        Attach(broker.Server);
        await broker.StartAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await broker.DisposeAsync();
        stopping.Dispose();
    }

    private static string? Value(IEnumerable<MqttUserProperty>? properties, string name) =>
        properties?.FirstOrDefault(p => p.Name == name)?.ReadValueAsString();

    private static int? IntValue(IEnumerable<MqttUserProperty>? properties, string name) =>
        int.TryParse(Value(properties, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    private void Attach(MqttServer server)
    {
        server.ValidatingConnectionAsync += OnValidatingConnectionAsync;
        server.InterceptingInboundPacketAsync += OnInboundPacketAsync;
        server.InterceptingPublishAsync += OnPublishAsync;
        server.InterceptingSubscriptionAsync += OnSubscriptionAsync;
        server.InterceptingUnsubscriptionAsync += OnUnsubscriptionAsync;
    }

    /// <summary>Whether a fault fires now: no request id, or one not seen before in <paramref name="seen"/>.</summary>
    private bool Fires(HashSet<string> seen, IEnumerable<MqttUserProperty>? properties)
    {
        var id = Value(properties, RequestId);
        if (id is null)
        {
            return true;
        }

        lock (gate)
        {
            return seen.Add(id);
        }
    }

    private Task OnValidatingConnectionAsync(ValidatingConnectionEventArgs args)
    {
        if (IntValue(args.UserProperties, RejectConnect) is { } code && Fires(connectIds, args.UserProperties))
        {
            fired.Enqueue($"CONNECT:{RejectConnect}={code}");
            args.ReasonCode = (MqttConnectReasonCode)code;
        }

        return Task.CompletedTask;
    }

    private Task OnInboundPacketAsync(InterceptingPacketEventArgs args)
    {
        var (properties, seen, name) = args.Packet switch
        {
            MqttPublishPacket publish => (publish.UserProperties, publishIds, "PUBLISH"),
            MqttSubscribePacket subscribe => (subscribe.UserProperties, subscribeIds, "SUBSCRIBE"),
            MqttUnsubscribePacket unsubscribe => (unsubscribe.UserProperties, unsubscribeIds, "UNSUBSCRIBE"),
            _ => (null, null, null),
        };
        if (seen is null)
        {
            return Task.CompletedTask;
        }

        if (IntValue(properties, Disconnect) is { } reason)
        {
            // The reject properties on a packet with fault:disconnect are ignored, so it consumes its request id here.
            subscribeRejects.TryRemove(args.ClientId, out _);
            unsubscribeRejects.TryRemove(args.ClientId, out _);
            if (!Fires(seen, properties))
            {
                return Task.CompletedTask;
            }

            var delay = IntValue(properties, Delay);
            fired.Enqueue($"{name}:{Disconnect}={reason}" + (delay is null ? string.Empty : $",{Delay}={delay}"));
            if (delay is null or <= 0)
            {
                args.ProcessPacket = false;
            }

            _ = DisconnectLaterAsync(args.ClientId, (MqttDisconnectReasonCode)reason, TimeSpan.FromSeconds(Math.Max(delay ?? 0, 0)));
            return Task.CompletedTask;
        }

        switch (args.Packet)
        {
            case MqttSubscribePacket:
                Remember(subscribeRejects, RejectSubscribe);
                break;
            case MqttUnsubscribePacket:
                Remember(unsubscribeRejects, RejectUnsubscribe);
                break;
        }

        return Task.CompletedTask;

        void Remember(ConcurrentDictionary<string, int> rejects, string property)
        {
            if (IntValue(properties, property) is { } code && Fires(seen, properties))
            {
                fired.Enqueue($"{name}:{property}={code}");
                rejects[args.ClientId] = code;
            }
            else
            {
                rejects.TryRemove(args.ClientId, out _);
            }
        }
    }

    private Task OnPublishAsync(InterceptingPublishEventArgs args)
    {
        var properties = args.ApplicationMessage.UserProperties;
        if (IntValue(properties, Disconnect) is not null)
        {
            return Task.CompletedTask;
        }

        if (IntValue(properties, RejectPublish) is { } code && Fires(publishIds, properties))
        {
            fired.Enqueue($"PUBLISH:{RejectPublish}={code}");
            args.ProcessPublish = false;
            args.Response.ReasonCode = (MqttPubAckReasonCode)code;
        }

        return Task.CompletedTask;
    }

    private Task OnSubscriptionAsync(InterceptingSubscriptionEventArgs args)
    {
        if (subscribeRejects.TryGetValue(args.ClientId, out var code))
        {
            args.ProcessSubscription = false;
            args.Response.ReasonCode = (MqttSubscribeReasonCode)code;
        }

        return Task.CompletedTask;
    }

    private Task OnUnsubscriptionAsync(InterceptingUnsubscriptionEventArgs args)
    {
        if (unsubscribeRejects.TryGetValue(args.ClientId, out var code))
        {
            args.ProcessUnsubscription = false;
            args.Response.ReasonCode = (MqttUnsubscribeReasonCode)code;
        }

        return Task.CompletedTask;
    }

    private async Task DisconnectLaterAsync(string clientId, MqttDisconnectReasonCode reason, TimeSpan delay)
    {
        var server = broker.Server;
        try
        {
            // Never disconnect from inside the interceptor: it runs on the client's own packet loop.
            await Task.Yield();
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, timeProvider, stopping.Token);
            }

            await server.DisconnectClientAsync(clientId, new MqttServerClientDisconnectOptions { ReasonCode = reason });
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The broker stopped or the client left first.
        }
    }
}
