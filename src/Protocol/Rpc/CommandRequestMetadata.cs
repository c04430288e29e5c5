using MQTTnet.Protocol;
using OrleansAio.Protocol.CloudEvents;
using OrleansAio.Protocol.Common;

namespace OrleansAio.Protocol.Rpc;

/// <summary>Request metadata: set by the caller when invoking, filled from the received request on the executor.</summary>
public sealed class CommandRequestMetadata
{
    /// <summary>Creates metadata with a new correlation ID.</summary>
    public CommandRequestMetadata()
    {
        CorrelationId = Guid.NewGuid();
    }

    /// <summary>The correlation ID (16 bytes on the wire in <see cref="Guid.ToByteArray()"/> order).</summary>
    public Guid CorrelationId { get; set; }

    /// <summary>The invoker's client ID (<c>__srcId</c>) on a received request.</summary>
    public string? InvokerClientId { get; init; }

    /// <summary>The request's timestamp (<c>__ts</c>): set by the invoker when it publishes, read by the executor.</summary>
    public HybridLogicalClock? Timestamp { get; internal set; }

    /// <summary>User properties: added to the request by the invoker; received without the reserved names by the executor.</summary>
    public Dictionary<string, string> UserData { get; init; } = [];

    /// <summary>Token values extracted from the request topic (executor side).</summary>
    public IReadOnlyDictionary<string, string> TopicTokens { get; init; } = new Dictionary<string, string>();

    /// <summary>The request's <c>$partition</c> (the invoker client ID) on a received request.</summary>
    public string? Partition { get; init; }

    /// <summary>The topic the request arrived on (executor side).</summary>
    public string? Topic { get; init; }

    /// <summary>The request's Response Topic (executor side): with the correlation data, the spec's dedup key (§1.12).</summary>
    public string? ResponseTopic { get; init; }

    /// <summary>When the request expires (executor side): its arrival plus its Message Expiry.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>The received MQTT Content Type.</summary>
    public string? ContentType { get; init; }

    /// <summary>The received MQTT Payload Format Indicator.</summary>
    public MqttPayloadFormatIndicator PayloadFormatIndicator { get; init; }

    /// <summary>A CloudEvent to attach to the request (invoker side).</summary>
    public CloudEvent? CloudEvent { get; set; }

    /// <summary>The CloudEvent received with the request, if valid (executor side).</summary>
    public ExtendedCloudEvent? ExtendedCloudEvent { get; init; }
}
