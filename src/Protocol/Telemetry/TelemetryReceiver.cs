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
/// Subscribes to a telemetry topic pattern and hands each valid message to <see cref="OnTelemetryReceived"/> (protocol.md §1.13).
/// </summary>
/// <typeparam name="T">The telemetry payload type.</typeparam>
/// <remarks>
/// Messages with an unsupported <c>__protVer</c>, a refused content type, an undecodable payload or a malformed <c>__ts</c> are
/// acknowledged and dropped. Callbacks run off the receive path, started in arrival order, at most
/// <see cref="DispatchConcurrency"/> at a time; a callback's exception is logged, never sent anywhere, and the message is still
/// acknowledged once the callback returns. There is no deduplication: a redelivered message is delivered again.
/// </remarks>
public class TelemetryReceiver<T> : IAsyncDisposable
{
    private readonly ApplicationContext context;
    private readonly IMqttPubSubClient mqttClient;
    private readonly IPayloadSerializer serializer;
    private readonly ILogger logger;
    private readonly InboundSubscription subscription;

    /// <summary>Creates a receiver.</summary>
    /// <param name="context">The application context (clock and time source).</param>
    /// <param name="mqttClient">The MQTT session to subscribe on.</param>
    /// <param name="serializer">The payload serializer.</param>
    /// <param name="loggerFactory">Logging; optional.</param>
    public TelemetryReceiver(ApplicationContext context, IMqttPubSubClient mqttClient, IPayloadSerializer serializer, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(mqttClient);
        ArgumentNullException.ThrowIfNull(serializer);
        this.context = context;
        this.mqttClient = mqttClient;
        this.serializer = serializer;
        logger = (ILogger?)loggerFactory?.CreateLogger<TelemetryReceiver<T>>() ?? NullLogger.Instance;
        subscription = new InboundSubscription(
            mqttClient, "the telemetry receiver", "TelemetryReceiver", logger, args => () => Task.FromResult<Func<Task>?>(() => ProcessAsync(args)));
    }

    /// <summary>The callback: sender ID (<c>__srcId</c>, empty when absent), value and metadata.</summary>
    public Func<string, T?, IncomingTelemetryMetadata, Task>? OnTelemetryReceived { get; set; }

    /// <summary>The telemetry topic pattern; tokens without a resident value become <c>+</c>.</summary>
    public string TopicPattern { get; init; } = string.Empty;

    /// <summary>An optional namespace prefixed to the filter.</summary>
    public string? TopicNamespace { get; init; }

    /// <summary>Resident token values.</summary>
    public IReadOnlyDictionary<string, string> TopicTokenMap { get; init; } = new Dictionary<string, string>();

    /// <summary>When set, subscribes through <c>$share/{ServiceGroupId}/</c> so the group's members share the messages.</summary>
    public string? ServiceGroupId { get; init; }

    /// <summary>The most callbacks running at once (default 10).</summary>
    public int DispatchConcurrency { get; init; } = 10;

    /// <summary>Subscribes (QoS 1) and starts delivering messages.</summary>
    /// <param name="cancellationToken">Cancels the subscribe.</param>
    /// <returns>A task that completes when the SUBACK arrived.</returns>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        EnvoyGuard.EnsureUsable(mqttClient);
        var filter = Common.TopicPattern.ResolveSubscribeFilter(TopicPattern, nameof(TopicPattern), TopicNamespace, TopicTokenMap, ServiceGroupId);
        if (OnTelemetryReceived is null)
        {
            throw AioProtocolException.ConfigurationInvalid(nameof(OnTelemetryReceived), null, "set the telemetry callback before starting");
        }

        var topicFilter = Common.TopicPattern.ResolveSubscribeFilter(TopicPattern, nameof(TopicPattern), TopicNamespace, TopicTokenMap);
        await subscription.StartAsync(filter, topicFilter, DispatchConcurrency, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Unsubscribes and stops delivering messages.</summary>
    /// <param name="cancellationToken">Cancels the unsubscribe.</param>
    /// <returns>A task that completes when the UNSUBACK arrived.</returns>
    public Task StopAsync(CancellationToken cancellationToken = default) => subscription.StopAsync(cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await subscription.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    private async Task ProcessAsync(MqttApplicationMessageReceivedEventArgs args)
    {
        var message = args.ApplicationMessage;
        using var activity = EnvoyGuard.StartReceiveActivity($"telemetry receive {message.Topic}", ActivityKind.Consumer, message);
        activity?.SetTag("messaging.system", "mqtt");
        activity?.SetTag("messaging.destination.name", message.Topic);
        try
        {
            var delivery = await PrepareAsync(message, args.PacketIdentifier).ConfigureAwait(false);
            if (delivery is not null && OnTelemetryReceived is { } callback)
            {
                ProtocolDiagnostics.TelemetryReceived.Add(1, new KeyValuePair<string, object?>("messaging.destination.template", TopicPattern));
                try
                {
                    await callback(delivery.Value.SenderId, delivery.Value.Value, delivery.Value.Metadata).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
                    ProtocolLog.TelemetryCallbackFailed(logger, ex, message.Topic);
                }
            }
        }
        finally
        {
            await args.AcknowledgeAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<(string SenderId, T? Value, IncomingTelemetryMetadata Metadata)?> PrepareAsync(MqttApplicationMessage message, ushort packetId)
    {
        var version = message.GetUserProperty(AioUserProperties.ProtocolVersion);
        if (!ProtocolVersion.IsSupported(version, ProtocolVersion.SupportedTelemetryMajors))
        {
            return Drop(message, $"unsupported protocol version '{version}'", AioErrorKind.UnsupportedVersion);
        }

        T? value;
        HybridLogicalClock? timestamp = null;
        try
        {
            value = serializer.FromBytes<T>(message.Payload, message.ContentType, message.PayloadFormatIndicator);
            if (message.GetUserProperty(AioUserProperties.Timestamp) is { } ts)
            {
                timestamp = HybridLogicalClock.DecodeFromString(AioUserProperties.Timestamp, ts);
                await context.ApplicationHlc.UpdateWithOtherAsync(timestamp, context.MaxClockDrift).ConfigureAwait(false);
            }
        }
        catch (AioProtocolException ex)
        {
            return Drop(message, ex.Message, ex.Kind);
        }
        catch (Exception ex)
        {
            return Drop(message, $"deserialization failed: {ex.Message}", AioErrorKind.PayloadInvalid);
        }

        var userData = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, val) in message.EnumerateUserProperties())
        {
            if (!AioUserProperties.StrippedFromRequests.Contains(key))
            {
                userData.TryAdd(key, val);
            }
        }

        var senderId = message.GetUserProperty(AioUserProperties.SourceId) ?? string.Empty;
        var metadata = new IncomingTelemetryMetadata
        {
            Timestamp = timestamp,
            UserData = userData,
            TopicTokens = Common.TopicPattern.ExtractTokens(TopicPattern, TopicNamespace, message.Topic),
            PacketId = packetId,
            SenderId = senderId,
            Topic = message.Topic,
            ContentType = message.ContentType,
            PayloadFormatIndicator = message.PayloadFormatIndicator,
            CloudEvent = message.GetCloudEvent(),
        };
        return (senderId, value, metadata);
    }

    private (string, T?, IncomingTelemetryMetadata)? Drop(MqttApplicationMessage message, string reason, AioErrorKind kind)
    {
        ProtocolDiagnostics.TelemetryDropped.Add(1);
        EnvoyGuard.CountError(kind, "TelemetryReceiver");
        ProtocolLog.TelemetryDropped(logger, message.Topic, reason);
        return null;
    }
}
