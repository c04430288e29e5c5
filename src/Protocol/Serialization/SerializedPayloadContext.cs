using System.Buffers;
using MQTTnet.Protocol;

namespace OrleansAio.Protocol.Serialization;

/// <summary>A serialized payload with the MQTT Content Type and Payload Format Indicator that describe it.</summary>
/// <param name="SerializedPayload">The payload bytes (empty for a <see langword="null"/> value).</param>
/// <param name="ContentType">The MQTT Content Type, or <see langword="null"/> to omit the property.</param>
/// <param name="PayloadFormatIndicator">The MQTT Payload Format Indicator.</param>
public sealed record SerializedPayloadContext(
    ReadOnlySequence<byte> SerializedPayload,
    string? ContentType,
    MqttPayloadFormatIndicator PayloadFormatIndicator)
{
    /// <summary>An empty payload with no content type and an unspecified format indicator.</summary>
    public static SerializedPayloadContext Empty { get; } =
        new(ReadOnlySequence<byte>.Empty, null, MqttPayloadFormatIndicator.Unspecified);
}
