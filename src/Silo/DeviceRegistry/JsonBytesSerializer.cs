using System.Buffers;
using MQTTnet.Protocol;
using OrleansAio.Protocol.Serialization;

namespace OrleansAio.Silo.DeviceRegistry;

/// <summary>
/// Passes JSON payloads through as bytes (<c>application/json</c>, format indicator 1), so the ADR endpoint parses requests itself
/// and answers malformed or wrong JSON with the ADR error object rather than a bare 400.
/// </summary>
internal sealed class JsonBytesSerializer : IPayloadSerializer
{
    /// <summary>The one instance.</summary>
    public static JsonBytesSerializer Instance { get; } = new();

    /// <inheritdoc />
    public SerializedPayloadContext ToBytes<T>(T? payload) => payload switch
    {
        null => SerializedPayloadContext.Empty,
        byte[] bytes => new SerializedPayloadContext(new ReadOnlySequence<byte>(bytes), JsonPayloadSerializer.ContentType, MqttPayloadFormatIndicator.CharacterData),
        _ => throw new NotSupportedException($"{nameof(JsonBytesSerializer)} writes byte[] only, not {typeof(T).Name}"),
    };

    /// <inheritdoc />
    public T? FromBytes<T>(ReadOnlySequence<byte> payload, string? contentType, MqttPayloadFormatIndicator formatIndicator)
    {
        ContentTypes.EnsureAcceptable(contentType, JsonPayloadSerializer.ContentType);
        if (typeof(T) != typeof(byte[]))
        {
            throw new NotSupportedException($"{nameof(JsonBytesSerializer)} reads byte[] only, not {typeof(T).Name}");
        }

        return (T)(object)payload.ToArray();
    }
}
