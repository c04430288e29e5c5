using OrleansAio.Grains.Telemetry;
using OrleansAio.GrainsInterfaces.Telemetry;
using OrleansAio.Protocol.CloudEvents;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Protocol.Telemetry;

namespace OrleansAio.Silo.Telemetry;

/// <summary>
/// The silo's one <see cref="TelemetryReceiver{T}"/> for a registered telemetry topic, in the topic's shared subscription group:
/// each message is handed to the <see cref="ITelemetryTopicGrain{T}"/> for its key and stored there before the silo acknowledges
/// it (at-least-once into the grain layer).
/// </summary>
/// <remarks>
/// A failed grain call is retried with backoff (up to 5 s between attempts) until it succeeds or the silo stops; only a message
/// abandoned at shutdown is acknowledged without reaching its grain. A participant in the silo lifecycle at
/// <see cref="ServiceLifecycleStage.Active"/>, like the command executors.
/// </remarks>
/// <typeparam name="T">The payload type.</typeparam>
internal sealed partial class TelemetryReceiverHost<T> : ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);

    private readonly TelemetryTopicRegistration<T> registration;
    private readonly IGrainFactory grainFactory;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly TelemetryReceiver<T> receiver;
    private readonly CancellationTokenSource stopping = new();

    public TelemetryReceiverHost(
        TelemetryTopicRegistration<T> registration,
        IGrainFactory grainFactory,
        IMqttPubSubClient mqttClient,
        ApplicationContext context,
        ILoggerFactory loggerFactory)
    {
        this.registration = registration;
        this.grainFactory = grainFactory;
        timeProvider = context.TimeProvider;
        logger = loggerFactory.CreateLogger<TelemetryReceiverHost<T>>();
        receiver = new TelemetryReceiver<T>(context, mqttClient, registration.Serializer, loggerFactory)
        {
            TopicPattern = registration.TopicPattern,
            TopicNamespace = registration.TopicNamespace,
            TopicTokenMap = registration.TopicTokenMap,
            ServiceGroupId = registration.EffectiveServiceGroupId,
            OnTelemetryReceived = DeliverAsync,
        };
    }

    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe($"{nameof(TelemetryReceiverHost<T>)}:{registration.TelemetryName}", ServiceLifecycleStage.Active, StartAsync, StopAsync);
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await receiver.DisposeAsync();
        stopping.Dispose();
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!registration.Receive)
        {
            return;
        }

        await receiver.StartAsync(cancellationToken);
        LogStarted(registration.TelemetryName, registration.TopicPattern, registration.EffectiveServiceGroupId);
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await stopping.CancelAsync();
        try
        {
            await receiver.StopAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is AioProtocolException or OperationCanceledException)
        {
            LogStopFailed(ex, registration.TelemetryName);
        }
    }

    private async Task DeliverAsync(string senderId, T? value, IncomingTelemetryMetadata metadata)
    {
        if (!metadata.TopicTokens.TryGetValue(registration.KeyToken, out var key) || string.IsNullOrEmpty(key))
        {
            LogNoKey(registration.TelemetryName, metadata.Topic);
            return;
        }

        var message = new TelemetryMessage<T>(
            value,
            timeProvider.GetUtcNow(),
            metadata.Timestamp?.EncodeToString(),
            senderId,
            metadata.Topic,
            new Dictionary<string, string>(metadata.TopicTokens, StringComparer.Ordinal),
            new Dictionary<string, string>(metadata.UserData, StringComparer.Ordinal),
            ToGrainCloudEvent(metadata.CloudEvent));
        var grain = grainFactory.GetGrain<ITelemetryTopicGrain<T>>(TelemetryTopicKey.Format(registration.TelemetryName, key));
        var delay = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await grain.DeliverAsync(message);
                return;
            }
            catch (Exception ex) when (!stopping.IsCancellationRequested)
            {
                LogDeliveryFailed(ex, registration.TelemetryName, key, attempt);
            }

            try
            {
                await Task.Delay(delay, timeProvider, stopping.Token);
            }
            catch (OperationCanceledException)
            {
                LogAbandoned(registration.TelemetryName, key);
                return;
            }

            delay = delay * 2 < MaxRetryDelay ? delay * 2 : MaxRetryDelay;
        }
    }

    private static TelemetryCloudEvent? ToGrainCloudEvent(ExtendedCloudEvent? cloudEvent) => cloudEvent is null
        ? null
        : new TelemetryCloudEvent(cloudEvent.Source, cloudEvent.Type)
        {
            Id = cloudEvent.Id,
            Time = cloudEvent.Time,
            Subject = cloudEvent.Subject,
            DataSchema = cloudEvent.DataSchema,
            DataContentType = cloudEvent.DataContentType,
            SpecVersion = cloudEvent.SpecVersion,
        };

    [LoggerMessage(Level = LogLevel.Information, Message = "Telemetry '{TelemetryName}' received on '{Pattern}' in group '{Group}'")]
    private partial void LogStarted(string telemetryName, string pattern, string group);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telemetry '{TelemetryName}' could not unsubscribe cleanly")]
    private partial void LogStopFailed(Exception exception, string telemetryName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telemetry '{TelemetryName}' on '{Topic}' has no key token value; dropped")]
    private partial void LogNoKey(string telemetryName, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivering telemetry '{TelemetryName}' to key '{Key}' failed (attempt {Attempt}); retrying")]
    private partial void LogDeliveryFailed(Exception exception, string telemetryName, string key, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telemetry '{TelemetryName}' for key '{Key}' abandoned: the silo is stopping")]
    private partial void LogAbandoned(string telemetryName, string key);
}
