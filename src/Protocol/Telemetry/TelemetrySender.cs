using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;
using OrleansAio.Abstractions.Common;
using OrleansAio.Protocol.CloudEvents;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Diagnostics;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Protocol.Serialization;

namespace OrleansAio.Protocol.Telemetry;

/// <summary>
/// Publishes telemetry of type <typeparamref name="T"/> on a topic pattern (protocol.md §1.13), stamped with <c>__ts</c>,
/// <c>__protVer</c> and <c>__srcId</c>, optionally with a CloudEvent.
/// </summary>
/// <typeparam name="T">The telemetry payload type.</typeparam>
public class TelemetrySender<T> : IAsyncDisposable
{
    /// <summary>The default telemetry timeout (message expiry).</summary>
    public static readonly TimeSpan DefaultTelemetryTimeout = TimeSpan.FromSeconds(10);

    private readonly ApplicationContext context;
    private readonly IMqttPubSubClient mqttClient;
    private readonly IPayloadSerializer serializer;
    private readonly ILogger logger;

    /// <summary>Creates a sender.</summary>
    /// <param name="context">The application context (clock and time source).</param>
    /// <param name="mqttClient">The MQTT session to publish on.</param>
    /// <param name="serializer">The payload serializer.</param>
    /// <param name="loggerFactory">Logging; optional.</param>
    public TelemetrySender(ApplicationContext context, IMqttPubSubClient mqttClient, IPayloadSerializer serializer, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(mqttClient);
        ArgumentNullException.ThrowIfNull(serializer);
        this.context = context;
        this.mqttClient = mqttClient;
        this.serializer = serializer;
        logger = (ILogger?)loggerFactory?.CreateLogger<TelemetrySender<T>>() ?? NullLogger.Instance;
    }

    /// <summary>The telemetry topic pattern, for instance <c>sample/{senderId}/telemetry</c>.</summary>
    public string TopicPattern { get; init; } = string.Empty;

    /// <summary>An optional namespace prefixed to the topic.</summary>
    public string? TopicNamespace { get; init; }

    /// <summary>Resident token values; they win over per-call values with the same key.</summary>
    public IReadOnlyDictionary<string, string> TopicTokenMap { get; init; } = new Dictionary<string, string>();

    /// <summary>Whether to add W3C <c>traceparent</c>/<c>tracestate</c> user properties (off by default).</summary>
    public bool PropagateTraceContext { get; init; }

    /// <summary>Publishes one telemetry message.</summary>
    /// <param name="telemetry">The value.</param>
    /// <param name="additionalTopicTokenMap">Per-call token values.</param>
    /// <param name="qos">The publish QoS (default 1).</param>
    /// <param name="telemetryTimeout">The message expiry, rounded up to seconds; default 10 s.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>A task that completes when the broker acknowledged the message.</returns>
    public Task SendTelemetryAsync(
        T telemetry,
        IReadOnlyDictionary<string, string>? additionalTopicTokenMap = null,
        MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce,
        TimeSpan? telemetryTimeout = null,
        CancellationToken cancellationToken = default) =>
        SendTelemetryAsync(telemetry, new OutgoingTelemetryMetadata(), additionalTopicTokenMap, qos, telemetryTimeout, cancellationToken);

    /// <summary>Publishes one telemetry message with metadata.</summary>
    /// <param name="telemetry">The value.</param>
    /// <param name="metadata">User data, CloudEvent, persistence and retain flags.</param>
    /// <param name="additionalTopicTokenMap">Per-call token values.</param>
    /// <param name="qos">The publish QoS (default 1).</param>
    /// <param name="telemetryTimeout">The message expiry, rounded up to seconds; default 10 s.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>A task that completes when the broker acknowledged the message.</returns>
    public async Task SendTelemetryAsync(
        T telemetry,
        OutgoingTelemetryMetadata metadata,
        IReadOnlyDictionary<string, string>? additionalTopicTokenMap = null,
        MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce,
        TimeSpan? telemetryTimeout = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        try
        {
            await SendCoreAsync(telemetry, metadata, additionalTopicTokenMap, qos, telemetryTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (AioProtocolException ex)
        {
            EnvoyGuard.CountError(ex.Kind, "TelemetrySender");
            throw;
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    private async Task SendCoreAsync(
        T telemetry,
        OutgoingTelemetryMetadata metadata,
        IReadOnlyDictionary<string, string>? additionalTopicTokenMap,
        MqttQualityOfServiceLevel qos,
        TimeSpan? telemetryTimeout,
        CancellationToken cancellationToken)
    {
        var clientId = EnvoyGuard.EnsureUsable(mqttClient);
        if (qos == MqttQualityOfServiceLevel.ExactlyOnce)
        {
            throw AioProtocolException.ConfigurationInvalid("qos", qos, "telemetry is sent with QoS 0 or 1");
        }

        var timeout = telemetryTimeout ?? DefaultTelemetryTimeout;
        if (timeout <= TimeSpan.Zero)
        {
            throw AioProtocolException.ConfigurationInvalid("messageExpiryInterval", timeout, "the telemetry timeout must be positive");
        }

        var expiry = EnvoyGuard.RoundUpToSeconds(timeout, "messageExpiryInterval");
        var combined = Common.TopicPattern.CombineTokenMaps(TopicTokenMap, additionalTopicTokenMap);
        var topic = Common.TopicPattern.ResolvePublishTopic(TopicPattern, nameof(TopicPattern), TopicNamespace, combined);
        foreach (var key in metadata.UserData.Keys)
        {
            if (key.StartsWith(AioUserProperties.ReservedPrefix, StringComparison.Ordinal))
            {
                throw AioProtocolException.ConfigurationInvalid("UserData", key, "user property names starting with '__' are reserved for the protocol");
            }
        }

        SerializedPayloadContext serialized;
        try
        {
            serialized = serializer.ToBytes(telemetry);
        }
        catch (AioProtocolException)
        {
            throw;
        }
        catch (Exception ex)
        {
            throw AioProtocolException.PayloadInvalid($"Serializing the telemetry failed: {ex.Message}", isShallow: true, ex);
        }

        var message = new MqttApplicationMessage
        {
            Topic = topic,
            QualityOfServiceLevel = qos,
            MessageExpiryInterval = expiry,
            Retain = metadata.Retain,
            Payload = serialized.SerializedPayload,
            ContentType = serialized.ContentType,
            PayloadFormatIndicator = serialized.PayloadFormatIndicator,
            UserProperties = [],
        };

        var cloudEventAttributes = metadata.CloudEvent is null
            ? null
            : CloudEventMessageExtensions.Validate(
                metadata.CloudEvent,
                topic,
                (metadata.CloudEvent as ExtendedCloudEvent)?.DataContentType ?? serialized.ContentType,
                CloudEventMessageExtensions.TelemetryType,
                context.TimeProvider.GetUtcNow());
        if (metadata.CloudEvent is ExtendedCloudEvent { DataContentType: { } dataContentType })
        {
            message.ContentType = dataContentType;
        }

        using var activity = ProtocolDiagnostics.ActivitySource.StartActivity($"telemetry send {topic}", ActivityKind.Producer);
        activity?.SetTag("messaging.system", "mqtt");
        activity?.SetTag("messaging.destination.name", topic);

        var timestamp = await context.ApplicationHlc.UpdateNowAsync(context.MaxClockDrift, cancellationToken).ConfigureAwait(false);
        metadata.Timestamp = HybridLogicalClock.DecodeFromString(AioUserProperties.Timestamp, timestamp);
        message.AddUserProperty(AioUserProperties.Timestamp, timestamp);
        foreach (var (key, value) in metadata.UserData)
        {
            message.AddUserProperty(key, value);
        }

        if (cloudEventAttributes is not null)
        {
            foreach (var (key, value) in cloudEventAttributes)
            {
                message.AddUserProperty(key, value);
            }
        }

        message.AddUserProperty(AioUserProperties.ProtocolVersion, ProtocolVersion.Telemetry.ToString());
        message.AddUserProperty(AioUserProperties.SourceId, clientId);
        if (metadata.PersistTelemetry)
        {
            message.AddUserProperty(AioUserProperties.AioPersistence, "true");
        }

        if (PropagateTraceContext)
        {
            EnvoyGuard.AddTraceContext(message, activity);
        }

        MqttClientPublishResult result;
        try
        {
            result = await mqttClient.PublishAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            throw new AioProtocolException(AioErrorKind.Cancellation, $"Sending telemetry on '{topic}' was cancelled", ex);
        }
        catch (Exception ex) when (ex is not AioProtocolException)
        {
            throw AioProtocolException.MqttError($"Publishing telemetry on '{topic}' failed: {ex.Message}", ex);
        }

        if (result.ReasonCode is not (MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers))
        {
            activity?.SetStatus(ActivityStatusCode.Error, result.ReasonCode.ToString());
            throw AioProtocolException.MqttError($"The broker refused telemetry on '{topic}': PUBACK reason code {result.ReasonCode} {result.ReasonString}");
        }

        ProtocolDiagnostics.TelemetrySent.Add(1, new KeyValuePair<string, object?>("messaging.destination.template", TopicPattern));
        ProtocolLog.TelemetrySent(logger, topic);
    }
}
