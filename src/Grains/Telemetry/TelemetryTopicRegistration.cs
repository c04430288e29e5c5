using Microsoft.Extensions.Logging;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Protocol.Serialization;

namespace OrleansAio.Grains.Telemetry;

/// <summary>A telemetry topic served by <c>ITelemetryTopicGrain&lt;T&gt;</c> grains, one per value of its key token.</summary>
public abstract class TelemetryTopicRegistration
{
    /// <summary>The default service group of the silos' shared subscription.</summary>
    public const string DefaultServiceGroupPrefix = "orleans-aio-telemetry-";

    /// <summary>The telemetry name: the first part of its grains' keys (no <c>/</c>).</summary>
    public required string TelemetryName { get; init; }

    /// <summary>The topic pattern, for example <c>thermostats/{deviceId}/temperature</c>.</summary>
    public required string TopicPattern { get; init; }

    /// <summary>The token whose value keys the grain (for example <c>deviceId</c>); it must appear in <see cref="TopicPattern"/>.</summary>
    public required string KeyToken { get; init; }

    /// <summary>An optional topic namespace.</summary>
    public string? TopicNamespace { get; init; }

    /// <summary>Resident values of the pattern's other tokens.</summary>
    public IReadOnlyDictionary<string, string> TopicTokenMap { get; init; } = new Dictionary<string, string>();

    /// <summary>The payload serializer.</summary>
    public required IPayloadSerializer Serializer { get; init; }

    /// <summary>Whether the silos subscribe to the topic and deliver messages to the grains (default true).</summary>
    public bool Receive { get; init; } = true;

    /// <summary>The shared subscription group of the silos (default <c>orleans-aio-telemetry-{TelemetryName}</c>).</summary>
    public string? ServiceGroupId { get; init; }

    /// <summary>The message expiry of sent telemetry (default 10 s).</summary>
    public TimeSpan TelemetryTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether sent telemetry carries the W3C <c>traceparent</c>/<c>tracestate</c> user properties of the sending activity.</summary>
    public bool PropagateTraceContext { get; init; }

    /// <summary>The payload type.</summary>
    public abstract Type PayloadType { get; }

    /// <summary>The effective service group.</summary>
    public string EffectiveServiceGroupId => ServiceGroupId ?? DefaultServiceGroupPrefix + TelemetryName;

    /// <summary>Creates the silo's sender for this topic on the shared session.</summary>
    /// <param name="context">The silo's application context.</param>
    /// <param name="mqttClient">The shared MQTT session.</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <returns>The sender.</returns>
    public abstract IAsyncDisposable CreateSender(ApplicationContext context, IMqttPubSubClient mqttClient, ILoggerFactory loggerFactory);

    /// <summary>Checks the registration; a bad value is named in the error.</summary>
    /// <exception cref="AioProtocolException">A setting is invalid.</exception>
    public void Validate()
    {
        if (string.IsNullOrEmpty(TelemetryName) || TelemetryName.Contains('/', StringComparison.Ordinal))
        {
            throw AioProtocolException.ConfigurationInvalid(nameof(TelemetryName), TelemetryName, "a telemetry name is required and must not contain '/'");
        }

        Protocol.Common.TopicPattern.EnsureKeyToken(TopicPattern, KeyToken, TopicTokenMap, $"the topic pattern '{TopicPattern}'");

        if (TelemetryTimeout <= TimeSpan.Zero)
        {
            throw AioProtocolException.ConfigurationInvalid(nameof(TelemetryTimeout), TelemetryTimeout, "the telemetry timeout must be positive");
        }
    }
}

/// <summary>A typed <see cref="TelemetryTopicRegistration"/>.</summary>
/// <typeparam name="T">The payload type.</typeparam>
public sealed class TelemetryTopicRegistration<T> : TelemetryTopicRegistration
{
    /// <inheritdoc />
    public override Type PayloadType => typeof(T);

    /// <inheritdoc />
    public override IAsyncDisposable CreateSender(ApplicationContext context, IMqttPubSubClient mqttClient, ILoggerFactory loggerFactory) =>
        new Protocol.Telemetry.TelemetrySender<T>(context, mqttClient, Serializer, loggerFactory)
        {
            TopicPattern = TopicPattern,
            TopicNamespace = TopicNamespace,
            TopicTokenMap = TopicTokenMap,
            PropagateTraceContext = PropagateTraceContext,
        };
}
