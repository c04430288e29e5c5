using System.Buffers;
using MQTTnet.Protocol;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Serialization;

namespace OrleansAio.Cli.Common;

/// <summary>
/// Sends the bytes the user gave with the content type the user chose, and receives any content type as bytes: the CLI shows
/// payloads, it does not interpret them.
/// </summary>
/// <param name="contentType">The Content Type to send.</param>
public sealed class PassThroughSerializer(string contentType) : IPayloadSerializer
{
    /// <inheritdoc />
    public SerializedPayloadContext ToBytes<T>(T? payload) => payload switch
    {
        null => SerializedPayloadContext.Empty,
        byte[] bytes => new SerializedPayloadContext(
            new ReadOnlySequence<byte>(bytes),
            contentType,
            PayloadInput.IsText(contentType) ? MqttPayloadFormatIndicator.CharacterData : MqttPayloadFormatIndicator.Unspecified),
        _ => throw AioProtocolException.PayloadInvalid($"the CLI sends byte[] payloads, not {typeof(T).Name}", isShallow: true),
    };

    /// <inheritdoc />
    public T? FromBytes<T>(ReadOnlySequence<byte> payload, string? contentType, MqttPayloadFormatIndicator formatIndicator) =>
        typeof(T) == typeof(byte[])
            ? (T)(object)payload.ToArray()
            : throw AioProtocolException.PayloadInvalid($"the CLI receives byte[] payloads, not {typeof(T).Name}");
}
