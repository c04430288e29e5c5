using System.Buffers;
using MQTTnet.Protocol;
using OrleansAio.Protocol.Common;

namespace OrleansAio.Protocol.Serialization;

/// <summary>
/// Raw bytes: content type <c>application/octet-stream</c>, payload format indicator 0. Payload types: <see cref="byte"/>[],
/// <see cref="ReadOnlyMemory{T}"/> of bytes and <see cref="ReadOnlySequence{T}"/> of bytes.
/// </summary>
/// <remarks>An empty payload deserializes to an empty value of the requested type (not <see langword="null"/>) for the byte types.</remarks>
public sealed class RawPayloadSerializer : IPayloadSerializer
{
    /// <summary>The content type this serializer writes and accepts.</summary>
    public const string ContentType = "application/octet-stream";

    /// <inheritdoc />
    public SerializedPayloadContext ToBytes<T>(T? payload)
    {
        ReadOnlySequence<byte> bytes = payload switch
        {
            null => default,
            byte[] array => new ReadOnlySequence<byte>(array),
            ReadOnlyMemory<byte> memory => new ReadOnlySequence<byte>(memory),
            ReadOnlySequence<byte> sequence => sequence,
            _ => throw AioProtocolException.PayloadInvalid(
                $"The raw serializer handles byte[], ReadOnlyMemory<byte> and ReadOnlySequence<byte>, not {typeof(T).Name}", isShallow: true),
        };
        return payload is null
            ? SerializedPayloadContext.Empty
            : new SerializedPayloadContext(bytes, ContentType, MqttPayloadFormatIndicator.Unspecified);
    }

    /// <inheritdoc />
    public T? FromBytes<T>(ReadOnlySequence<byte> payload, string? contentType, MqttPayloadFormatIndicator formatIndicator)
    {
        ContentTypes.EnsureAcceptable(contentType, ContentType);
        object result = typeof(T) switch
        {
            var t when t == typeof(byte[]) => payload.ToArray(),
            var t when t == typeof(ReadOnlyMemory<byte>) => new ReadOnlyMemory<byte>(payload.ToArray()),
            var t when t == typeof(ReadOnlySequence<byte>) => new ReadOnlySequence<byte>(payload.ToArray()),
            _ => throw AioProtocolException.PayloadInvalid(
                $"The raw serializer produces byte[], ReadOnlyMemory<byte> and ReadOnlySequence<byte>, not {typeof(T).Name}"),
        };
        return (T)result;
    }
}
