using System.Buffers;
using System.Formats.Cbor;
using MQTTnet.Protocol;
using OrleansAio.Protocol.Common;

namespace OrleansAio.Protocol.Serialization;

/// <summary>
/// CBOR payloads (RFC 8949, System.Formats.Cbor, strict conformance): content type <c>application/cbor</c>, payload format
/// indicator 0.
/// </summary>
/// <remarks>
/// <para>Mapping: an application type is written by the <see cref="CborConverter{T}"/> registered for it with
/// <see cref="WithConverter{T}"/>. Without a converter the built-in data model applies: <see cref="string"/> (text string),
/// <see cref="bool"/>, <see cref="int"/>/<see cref="long"/> (integers), <see cref="double"/> (float), <see cref="byte"/>[] (byte
/// string), <see cref="DateTimeOffset"/> (tag 0 date/time string), <see cref="IReadOnlyDictionary{TKey, TValue}"/> with string keys
/// (map) and <see cref="IReadOnlyList{T}"/> (array) of those, read back as <see cref="Dictionary{TKey, TValue}"/> of string to
/// object and <see cref="List{T}"/> of object.</para>
/// <para>A <see langword="null"/> value is an empty payload; an empty payload reads as <see langword="default"/>.</para>
/// </remarks>
public sealed class CborPayloadSerializer : IPayloadSerializer
{
    /// <summary>The content type this serializer writes and accepts.</summary>
    public const string ContentType = "application/cbor";

    private readonly Dictionary<Type, CborConverter> converters = [];

    /// <summary>Registers the converter for <typeparamref name="T"/> (replacing an earlier one).</summary>
    /// <typeparam name="T">The application type.</typeparam>
    /// <param name="converter">The converter.</param>
    /// <returns>This serializer.</returns>
    public CborPayloadSerializer WithConverter<T>(CborConverter<T> converter)
    {
        ArgumentNullException.ThrowIfNull(converter);
        converters[typeof(T)] = converter;
        return this;
    }

    /// <inheritdoc />
    public SerializedPayloadContext ToBytes<T>(T? payload)
    {
        if (payload is null)
        {
            return SerializedPayloadContext.Empty;
        }

        var writer = new CborWriter(CborConformanceMode.Strict);
        try
        {
            if (converters.TryGetValue(payload.GetType(), out var converter) || converters.TryGetValue(typeof(T), out converter))
            {
                converter.WriteObject(writer, payload);
            }
            else
            {
                WriteDataModel(writer, payload, typeof(T).Name);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            throw AioProtocolException.PayloadInvalid($"Cannot serialize {typeof(T).Name} as CBOR: {ex.Message}", isShallow: true, ex);
        }

        return new SerializedPayloadContext(new ReadOnlySequence<byte>(writer.Encode()), ContentType, MqttPayloadFormatIndicator.Unspecified);
    }

    /// <inheritdoc />
    public T? FromBytes<T>(ReadOnlySequence<byte> payload, string? contentType, MqttPayloadFormatIndicator formatIndicator)
    {
        ContentTypes.EnsureAcceptable(contentType, ContentType);
        if (payload.IsEmpty)
        {
            return default;
        }

        var reader = new CborReader(payload.ToArray(), CborConformanceMode.Strict);
        try
        {
            T? value;
            if (converters.TryGetValue(typeof(T), out var converter))
            {
                value = (T?)converter.ReadObject(reader);
            }
            else
            {
                var item = ReadDataModel(reader);
                value = item switch
                {
                    null => default,
                    T typed => typed,
                    long l when typeof(T) == typeof(int) && l is >= int.MinValue and <= int.MaxValue => (T)(object)(int)l,
                    _ => throw AioProtocolException.PayloadInvalid($"The CBOR payload holds a {item.GetType().Name}, not a {typeof(T).Name}; register a CborConverter for {typeof(T).Name}"),
                };
            }

            if (reader.BytesRemaining != 0)
            {
                throw AioProtocolException.PayloadInvalid($"The CBOR payload has {reader.BytesRemaining} bytes after the first data item");
            }

            return value;
        }
        catch (Exception ex) when (ex is CborContentException or InvalidOperationException or FormatException)
        {
            throw AioProtocolException.PayloadInvalid($"The payload is not valid CBOR for {typeof(T).Name}: {ex.Message}", innerException: ex);
        }
    }

    private static void WriteDataModel(CborWriter writer, object? value, string typeName)
    {
        switch (value)
        {
            case null:
                writer.WriteNull();
                break;
            case string s:
                writer.WriteTextString(s);
                break;
            case bool b:
                writer.WriteBoolean(b);
                break;
            case int i:
                writer.WriteInt64(i);
                break;
            case long l:
                writer.WriteInt64(l);
                break;
            case double d:
                writer.WriteDouble(d);
                break;
            case float f:
                writer.WriteDouble(f);
                break;
            case byte[] bytes:
                writer.WriteByteString(bytes);
                break;
            case DateTimeOffset time:
                writer.WriteDateTimeOffset(time);
                break;
            case IReadOnlyDictionary<string, object?> map:
                writer.WriteStartMap(map.Count);
                foreach (var (key, item) in map.OrderBy(e => e.Key, StringComparer.Ordinal))
                {
                    writer.WriteTextString(key);
                    WriteDataModel(writer, item, typeName);
                }

                writer.WriteEndMap();
                break;
            case IReadOnlyList<object?> list:
                writer.WriteStartArray(list.Count);
                foreach (var item in list)
                {
                    WriteDataModel(writer, item, typeName);
                }

                writer.WriteEndArray();
                break;
            default:
                throw AioProtocolException.PayloadInvalid(
                    $"No CBOR mapping for {value.GetType().Name} (in {typeName}); register a CborConverter", isShallow: true);
        }
    }

    private static object? ReadDataModel(CborReader reader)
    {
        switch (reader.PeekState())
        {
            case CborReaderState.Null:
                reader.ReadNull();
                return null;
            case CborReaderState.TextString:
                return reader.ReadTextString();
            case CborReaderState.Boolean:
                return reader.ReadBoolean();
            case CborReaderState.UnsignedInteger:
            case CborReaderState.NegativeInteger:
                return reader.ReadInt64();
            case CborReaderState.HalfPrecisionFloat:
            case CborReaderState.SinglePrecisionFloat:
            case CborReaderState.DoublePrecisionFloat:
                return reader.ReadDouble();
            case CborReaderState.ByteString:
                return reader.ReadByteString();
            case CborReaderState.Tag when reader.PeekTag() == CborTag.DateTimeString:
                return reader.ReadDateTimeOffset();
            case CborReaderState.StartMap:
                var count = reader.ReadStartMap();
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                for (var i = 0; count is null ? reader.PeekState() != CborReaderState.EndMap : i < count; i++)
                {
                    map[reader.ReadTextString()] = ReadDataModel(reader);
                }

                reader.ReadEndMap();
                return map;
            case CborReaderState.StartArray:
                var length = reader.ReadStartArray();
                var list = new List<object?>();
                for (var i = 0; length is null ? reader.PeekState() != CborReaderState.EndArray : i < length; i++)
                {
                    list.Add(ReadDataModel(reader));
                }

                reader.ReadEndArray();
                return list;
            case var state:
                throw AioProtocolException.PayloadInvalid($"Unsupported CBOR data item {state}; register a CborConverter for the payload type");
        }
    }
}
