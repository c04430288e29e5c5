using OrleansAio.Silo.Failover;
using Microsoft.Extensions.Options;
using MQTTnet.Server;
using OrleansAio.Abstractions.Common;
using OrleansAio.Abstractions.StateStore;
using OrleansAio.Grains.StateStore;
using OrleansAio.GrainsInterfaces.StateStore;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Protocol.StateStore;
using OrleansAio.Silo.Broker;

namespace OrleansAio.Silo.StateStore;

/// <summary>
/// The silo's state-store wire endpoint (services.md 1): a <see cref="StateStoreServer"/> on the silo's MQTT session in the
/// shared-subscription group <see cref="ServiceGroupId"/>, so every silo serves a share of the requests, calling
/// <see cref="IStateStoreKeyGrain"/>; and the <see cref="IStateStoreNotificationSink"/> that delivers KEYNOTIFY notifications.
/// </summary>
/// <remarks>
/// A lifecycle participant at <see cref="ServiceLifecycleStage.Active"/> (grains callable; stops first). With the embedded broker
/// notifications are enqueued straight into the observing client's session, whatever it subscribed (as the AIO broker does; the
/// public .NET and Go clients rely on it), and a client's observations end when the broker reports its disconnection. With an
/// external broker notifications are published normally and observations end only on STOP (no disconnect signal reaches us).
/// </remarks>
public sealed partial class StateStoreEndpoint(
    IServiceProvider services,
    IGrainFactory grainFactory,
    IMqttPubSubClient mqttClient,
    ApplicationContext context,
    IOptions<StateStoreOptions> options,
    ILoggerFactory loggerFactory,
    StateStoreAuthorizer authorizer) : ILifecycleParticipant<ISiloLifecycle>, IStateStoreNotificationSink
{
    /// <summary>The shared-subscription group of the endpoints.</summary>
    public const string ServiceGroupId = "statestore";

    private readonly ILogger logger = loggerFactory.CreateLogger<StateStoreEndpoint>();
    private readonly EmbeddedMqttBroker? broker = services.GetService(typeof(EmbeddedMqttBroker)) as EmbeddedMqttBroker;
    private StateStoreServer? server;

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(StateStoreEndpoint), ServiceLifecycleStage.Active, StartAsync, StopAsync);
    }

    /// <inheritdoc />
    public async Task DeliverAsync(string clientId, StateStoreKeyNotification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var message = StateStoreNotificationMessage.Create(
            clientId,
            notification.Key,
            notification.Operation == StateStoreKeyOperation.Set ? new ReadOnlyMemory<byte>(notification.Value ?? []) : (ReadOnlyMemory<byte>?)null,
            notification.Version.ToString());
        if (broker is not null)
        {
            var session = await broker.Server.GetSessionAsync(clientId).ConfigureAwait(false);
            if (session is null)
            {
                LogNoSession(clientId);
                return;
            }

            if (!session.TryEnqueueApplicationMessage(message, out _))
            {
                LogNotEnqueued(clientId);
            }

            return;
        }

        await mqttClient.PublishAsync(message, cancellationToken).ConfigureAwait(false);
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        server = new StateStoreServer(context, mqttClient, loggerFactory, ServiceGroupId, settings.ExecutionTimeout)
        {
            MaxKeyBytes = settings.MaxKeyBytes,
            MaxValueBytes = settings.MaxValueBytes,
            MaxClockDrift = settings.MaxClockDrift,
            OnCommandAsync = ExecuteAsync,
        };
        if (broker is not null)
        {
            broker.Server.ClientDisconnectedAsync += OnClientDisconnectedAsync;
        }

        await server.StartAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        LogStarted(broker is not null);
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        if (broker is not null)
        {
            broker.Server.ClientDisconnectedAsync -= OnClientDisconnectedAsync;
        }

        if (server is { } running)
        {
            server = null;
            try
            {
                await running.StopAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AioProtocolException or OperationCanceledException)
            {
                LogStopFailed(ex);
            }

            await running.DisposeAsync().ConfigureAwait(false);
        }
    }

    // The one point where access rules and quotas apply (StateStoreAuthorizer): before the command, and after an applied write.
    private async Task<StateStoreReply> ExecuteAsync(StateStoreCommand command, CancellationToken cancellationToken)
    {
        // Grain calls to an unreachable silo are retried only while an error can still reach the requester in time.
        UnavailableSiloRetryFilter.CallerDeadline.Value = CallerBudget.For(command.ExpiresAt, context.TimeProvider.GetUtcNow(), options.Value.ExecutionTimeout, cancellationToken);
        if (!authorizer.IsActive)
        {
            return await ExecuteCommandAsync(command, cancellationToken).ConfigureAwait(false);
        }

        if (await authorizer.CheckAsync(command).ConfigureAwait(false) is { } refusal)
        {
            return StateStoreReply.Error(refusal);
        }

        var reply = await ExecuteCommandAsync(command, cancellationToken).ConfigureAwait(false);
        await authorizer.RecordAsync(command, IsAppliedWrite(command.Kind, reply.Payload.Span)).ConfigureAwait(false);
        return reply;
    }

    // +OK for SET, :1 (or more) for DEL and VDEL.
    private static bool IsAppliedWrite(StateStoreCommandKind kind, ReadOnlySpan<byte> payload) => kind switch
    {
        StateStoreCommandKind.Set => payload.SequenceEqual("+OK\r\n"u8),
        StateStoreCommandKind.Delete or StateStoreCommandKind.VDelete => payload.Length > 1 && payload[0] == (byte)':' && payload[1] is >= (byte)'1' and <= (byte)'9',
        _ => false,
    };

    private async Task<StateStoreReply> ExecuteCommandAsync(StateStoreCommand command, CancellationToken cancellationToken)
    {
        var grainKey = StateStoreGrainKey.ToGrainKey(command.Key);
        var grain = grainFactory.GetGrain<IStateStoreKeyGrain>(grainKey);
        var timestamp = command.RequestTimestamp;
        var token = command.FencingToken;
        switch (command.Kind)
        {
            case StateStoreCommandKind.Set:
            {
                var result = await grain.SetAsync(new StateStoreSetRequest(command.Value!, command.Condition, command.ExpiryMilliseconds, token, timestamp)).ConfigureAwait(false);
                return result.Error is { } error
                    ? StateStoreReply.Error(error)
                    : result.Applied ? StateStoreReply.Ok(result.Version) : StateStoreReply.Integer(-1, result.Version);
            }

            case StateStoreCommandKind.Get:
            {
                var result = await grain.GetAsync().ConfigureAwait(false);
                return result.Value is null ? StateStoreReply.NotFound() : StateStoreReply.Value(result.Value, result.Version!);
            }

            case StateStoreCommandKind.Delete:
            case StateStoreCommandKind.VDelete:
            {
                var request = new StateStoreDeleteRequest(token, timestamp);
                var result = command.Kind == StateStoreCommandKind.Delete
                    ? await grain.DeleteAsync(request).ConfigureAwait(false)
                    : await grain.VDeleteAsync(command.Value!, request).ConfigureAwait(false);
                return result.Error is { } error
                    ? StateStoreReply.Error(error)
                    : StateStoreReply.Integer(result.DeletedCount, result.Version);
            }

            case StateStoreCommandKind.KeyNotify:
            {
                if (command.ClientId is not { Length: > 0 } clientId)
                {
                    return StateStoreReply.Error(StateStoreServiceError.SyntaxError);
                }

                await grainFactory.GetGrain<IStateStoreClientObservationsGrain>(clientId).AddKeyAsync(grainKey).ConfigureAwait(false);
                await grain.ObserveClientAsync(clientId).ConfigureAwait(false);
                return StateStoreReply.Ok();
            }

            case StateStoreCommandKind.KeyNotifyStop:
            {
                if (command.ClientId is not { Length: > 0 } clientId)
                {
                    return StateStoreReply.Error(StateStoreServiceError.SyntaxError);
                }

                var existed = await grain.UnobserveClientAsync(clientId).ConfigureAwait(false);
                await grainFactory.GetGrain<IStateStoreClientObservationsGrain>(clientId).RemoveKeyAsync(grainKey).ConfigureAwait(false);
                return existed ? StateStoreReply.Ok() : StateStoreReply.Integer(0);
            }

            default:
                return StateStoreReply.Error(StateStoreServiceError.UnknownCommand);
        }
    }

    private Task OnClientDisconnectedAsync(ClientDisconnectedEventArgs args)
    {
        if (args.DisconnectType == MqttClientDisconnectType.Takeover || server is null)
        {
            return Task.CompletedTask;
        }

        var clientId = args.ClientId;
        _ = Task.Run(async () =>
        {
            try
            {
                var ended = await grainFactory.GetGrain<IStateStoreClientObservationsGrain>(clientId).EndSessionAsync().ConfigureAwait(false);
                if (ended > 0)
                {
                    LogObservationsEnded(clientId, ended);
                }
            }
            catch (Exception ex)
            {
                LogEndSessionFailed(ex, clientId);
            }
        });
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "State store endpoint serving (embedded broker: {Embedded})")]
    private partial void LogStarted(bool embedded);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping the state store endpoint failed")]
    private partial void LogStopFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "No MQTT session for observing client {ClientId}: notification dropped")]
    private partial void LogNoSession(string clientId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The MQTT session of observing client {ClientId} refused a notification (queue full)")]
    private partial void LogNotEnqueued(string clientId);

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT client {ClientId} disconnected: {Count} state store observations ended")]
    private partial void LogObservationsEnded(string clientId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ending the state store observations of MQTT client {ClientId} failed")]
    private partial void LogEndSessionFailed(Exception exception, string clientId);
}
