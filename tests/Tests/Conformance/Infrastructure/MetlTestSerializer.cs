using System.Buffers;
using System.Text;
using MQTTnet.Protocol;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Serialization;
using OrleansAio.Tests.Conformance.Model;

namespace OrleansAio.Tests.Conformance.Infrastructure;

/// <summary>
/// The METL test serializer (protocol.md §2.3): strings to UTF-8 and back. Outgoing: null ⇒ empty payload, no content type,
/// indicator 0; otherwise the bytes with <c>out-content-type</c> and indicator 1 when <c>indicate-character-data</c>. Incoming, in
/// this order: a non-null content type not in <c>accept-content-types</c> ⇒ <c>invalid header</c> <c>Content Type</c>; indicator 1
/// when <c>allow-character-data</c> is false ⇒ <c>invalid header</c> <c>Payload Format Indicator</c>; <c>fail-deserialization</c> ⇒
/// <c>invalid payload</c>; an empty payload ⇒ null. All errors are local and not shallow.
/// </summary>
internal sealed class MetlTestSerializer : IPayloadSerializer
{
    private readonly string? outContentType;
    private readonly IReadOnlyList<string>? acceptContentTypes;
    private readonly bool indicateCharacterData;
    private readonly bool allowCharacterData;
    private readonly bool failDeserialization;

    /// <summary>Creates a serializer from a case's serializer configuration.</summary>
    /// <param name="config">The configuration; omitted keys take the language's defaults.</param>
    public MetlTestSerializer(MetlSerializer config)
    {
        outContentType = config.OutContentType.Resolve("application/json");
        acceptContentTypes = config.AcceptContentTypes.Resolve(["", "application/json"]);
        indicateCharacterData = config.IndicateCharacterData.ValueOr(true);
        allowCharacterData = config.AllowCharacterData.ValueOr(true);
        failDeserialization = config.FailDeserialization.ValueOr(false);
    }

    /// <inheritdoc />
    public SerializedPayloadContext ToBytes<T>(T? payload)
    {
        if (payload is null)
        {
            return SerializedPayloadContext.Empty;
        }

        if (payload is not string text)
        {
            throw new InvalidOperationException($"the METL test serializer handles strings only, not {typeof(T)}");
        }

        return new SerializedPayloadContext(
            new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(text)),
            outContentType,
            indicateCharacterData ? MqttPayloadFormatIndicator.CharacterData : MqttPayloadFormatIndicator.Unspecified);
    }

    /// <inheritdoc />
    public T? FromBytes<T>(ReadOnlySequence<byte> payload, string? contentType, MqttPayloadFormatIndicator formatIndicator)
    {
        if (typeof(T) != typeof(string))
        {
            throw new InvalidOperationException($"the METL test serializer handles strings only, not {typeof(T)}");
        }

        if (contentType is not null && acceptContentTypes is not null && !acceptContentTypes.Contains(contentType, StringComparer.Ordinal))
        {
            throw AioProtocolException.HeaderInvalid(
                "Content Type", contentType, message: $"Content type '{contentType}' is not supported by this serializer");
        }

        if (formatIndicator == MqttPayloadFormatIndicator.CharacterData && !allowCharacterData)
        {
            throw AioProtocolException.HeaderInvalid(
                "Payload Format Indicator", formatIndicator.ToString(), message: "Character data format indicator is not allowed by this serializer");
        }

        if (failDeserialization)
        {
            throw AioProtocolException.PayloadInvalid("The METL test serializer was told to fail deserialization");
        }

        if (payload.IsEmpty)
        {
            return default;
        }

        return (T)(object)Encoding.UTF8.GetString(payload);
    }
}
