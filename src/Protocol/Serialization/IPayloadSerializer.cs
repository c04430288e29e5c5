using System.Buffers;
using MQTTnet.Protocol;
using OrleansAio.Abstractions.Common;

namespace OrleansAio.Protocol.Serialization;

/// <summary>
/// Turns payload values into MQTT payload bytes plus the Content Type and Payload Format Indicator that describe them, and back.
/// </summary>
/// <remarks>
/// The serializer, not the envoy, decides which content types and format indicators it accepts (ADR 0012). A refused content
/// type must raise <see cref="Common.AioProtocolException"/> of kind <see cref="AioErrorKind.HeaderInvalid"/> naming the
/// header <c>Content Type</c> (or <c>Payload Format Indicator</c>) and its value; undecodable bytes raise
/// <see cref="AioErrorKind.PayloadInvalid"/>.
/// </remarks>
public interface IPayloadSerializer
{
    /// <summary>Serializes <paramref name="payload"/>; a <see langword="null"/> value gives an empty payload with no content type.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="payload">The value to serialize.</param>
    /// <returns>The bytes with their content type and payload format indicator.</returns>
    SerializedPayloadContext ToBytes<T>(T? payload);

    /// <summary>Deserializes <paramref name="payload"/> after checking <paramref name="contentType"/> and <paramref name="formatIndicator"/>.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="payload">The received bytes (possibly empty).</param>
    /// <param name="contentType">The received MQTT Content Type, or <see langword="null"/> when absent.</param>
    /// <param name="formatIndicator">The received MQTT Payload Format Indicator.</param>
    /// <returns>The value; an empty payload gives <see langword="default"/>.</returns>
    T? FromBytes<T>(ReadOnlySequence<byte> payload, string? contentType, MqttPayloadFormatIndicator formatIndicator);
}
