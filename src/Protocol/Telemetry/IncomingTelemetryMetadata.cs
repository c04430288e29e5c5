using MQTTnet.Protocol;
using OrleansAio.Protocol.CloudEvents;
using OrleansAio.Protocol.Common;

namespace OrleansAio.Protocol.Telemetry;

/// <summary>What a receiver knows about one received telemetry message besides the payload.</summary>
public sealed class IncomingTelemetryMetadata
{
    /// <summary>The sender's timestamp (<c>__ts</c>), if it sent one.</summary>
    public HybridLogicalClock? Timestamp { get; init; }

    /// <summary>User properties without the reserved protocol ones (CloudEvent attributes are kept).</summary>
    public IReadOnlyDictionary<string, string> UserData { get; init; } = new Dictionary<string, string>();

    /// <summary>Token values extracted from the topic.</summary>
    public IReadOnlyDictionary<string, string> TopicTokens { get; init; } = new Dictionary<string, string>();

    /// <summary>The MQTT packet identifier (0 for QoS 0).</summary>
    public ushort PacketId { get; init; }

    /// <summary>The sender's client ID (<c>__srcId</c>), empty when absent.</summary>
    public string SenderId { get; init; } = string.Empty;

    /// <summary>The topic the message arrived on.</summary>
    public string Topic { get; init; } = string.Empty;

    /// <summary>The received MQTT Content Type.</summary>
    public string? ContentType { get; init; }

    /// <summary>The received MQTT Payload Format Indicator.</summary>
    public MqttPayloadFormatIndicator PayloadFormatIndicator { get; init; }

    /// <summary>The attached CloudEvent, or <see langword="null"/> when there is none or it is not valid (ADR 0010).</summary>
    public ExtendedCloudEvent? CloudEvent { get; init; }
}
