using System.Buffers;
using Google.Protobuf;
using MQTTnet.Protocol;
using OrleansAio.Protocol.Common;

namespace OrleansAio.Protocol.Serialization;

/// <summary>
/// Protocol Buffers payloads (Google.Protobuf <see cref="IMessage"/>): content type <c>application/protobuf</c>, payload format
/// indicator 0.
/// </summary>
/// <remarks>
/// The payload type must be a generated (or well-known) message type with a public parameterless constructor. An empty payload is a
/// valid encoding of a message with every field at its default, so it deserializes to such a message, not <see langword="null"/>.
/// </remarks>
public sealed class ProtobufPayloadSerializer : IPayloadSerializer
{
    /// <summary>The content type this serializer writes and accepts.</summary>
    public const string ContentType = "application/protobuf";

    /// <inheritdoc />
    public SerializedPayloadContext ToBytes<T>(T? payload)
    {
        switch (payload)
        {
            case null:
                return SerializedPayloadContext.Empty;
            case IMessage message:
                return new SerializedPayloadContext(new ReadOnlySequence<byte>(message.ToByteArray()), ContentType, MqttPayloadFormatIndicator.Unspecified);
            default:
                throw AioProtocolException.PayloadInvalid($"The protobuf serializer needs a Google.Protobuf IMessage, not {typeof(T).Name}", isShallow: true);
        }
    }

    /// <inheritdoc />
    public T? FromBytes<T>(ReadOnlySequence<byte> payload, string? contentType, MqttPayloadFormatIndicator formatIndicator)
    {
        ContentTypes.EnsureAcceptable(contentType, ContentType);
        if (!typeof(IMessage).IsAssignableFrom(typeof(T)) || typeof(T).GetConstructor(Type.EmptyTypes) is null)
        {
            throw AioProtocolException.PayloadInvalid($"The protobuf serializer produces Google.Protobuf IMessage types with a parameterless constructor, not {typeof(T).Name}");
        }

        var message = (IMessage)Activator.CreateInstance(typeof(T))!;
        try
        {
            message.MergeFrom(payload.ToArray());
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw AioProtocolException.PayloadInvalid($"The payload is not a valid {typeof(T).Name} protobuf message: {ex.Message}", innerException: ex);
        }

        return (T)message;
    }
}
