using MQTTnet.Protocol;
using OrleansAio.Protocol.CloudEvents;
using OrleansAio.Protocol.Common;

namespace OrleansAio.Protocol.Rpc;

/// <summary>Response metadata: set by the handler on the executor, filled from the received response on the invoker.</summary>
public sealed class CommandResponseMetadata
{
    /// <summary>The correlation ID of the request this responds to (invoker side).</summary>
    public Guid? CorrelationId { get; init; }

    /// <summary>The response's timestamp (<c>__ts</c>).</summary>
    public HybridLogicalClock? Timestamp { get; internal set; }

    /// <summary>User properties: added to the response by the executor; received without <c>__</c> names by the invoker.</summary>
    public Dictionary<string, string> UserData { get; init; } = [];

    /// <summary>The received MQTT Content Type (invoker side).</summary>
    public string? ContentType { get; init; }

    /// <summary>The received MQTT Payload Format Indicator (invoker side).</summary>
    public MqttPayloadFormatIndicator PayloadFormatIndicator { get; init; }

    /// <summary>A CloudEvent to attach to the response (executor side).</summary>
    public CloudEvent? CloudEvent { get; set; }

    /// <summary>The CloudEvent received with the response, if valid (invoker side).</summary>
    public ExtendedCloudEvent? ExtendedCloudEvent { get; init; }
}
