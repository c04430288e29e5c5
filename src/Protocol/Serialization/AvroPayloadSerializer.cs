using System.Buffers;
using Avro;
using Avro.Generic;
using Avro.IO;
using Avro.Specific;
using MQTTnet.Protocol;
using OrleansAio.Protocol.Common;

namespace OrleansAio.Protocol.Serialization;

/// <summary>
/// Apache Avro binary payloads (no container header): content type <c>application/avro</c>, payload format indicator 0.
/// </summary>
/// <remarks>
/// Handles generated <see cref="ISpecificRecord"/> types (their own schema is the writer and reader schema) and
/// <see cref="GenericRecord"/> values, which need the record schema given to the constructor to be read back. Both sides must
/// agree on the schema: binary Avro carries none.
/// </remarks>
public sealed class AvroPayloadSerializer : IPayloadSerializer
{
    /// <summary>The content type this serializer writes and accepts.</summary>
    public const string ContentType = "application/avro";

    private readonly RecordSchema? genericSchema;

    /// <summary>Creates a serializer.</summary>
    /// <param name="genericSchema">The schema used to read <see cref="GenericRecord"/> payloads; not needed for specific records.</param>
    public AvroPayloadSerializer(RecordSchema? genericSchema = null)
    {
        this.genericSchema = genericSchema;
    }

    /// <inheritdoc />
    public SerializedPayloadContext ToBytes<T>(T? payload)
    {
        if (payload is null)
        {
            return SerializedPayloadContext.Empty;
        }

        using var stream = new MemoryStream();
        var encoder = new BinaryEncoder(stream);
        try
        {
            switch (payload)
            {
                case ISpecificRecord specific:
                    new SpecificDatumWriter<ISpecificRecord>(specific.Schema).Write(specific, encoder);
                    break;
                case GenericRecord generic:
                    new GenericDatumWriter<GenericRecord>(generic.Schema).Write(generic, encoder);
                    break;
                default:
                    throw AioProtocolException.PayloadInvalid($"The Avro serializer needs an ISpecificRecord or GenericRecord, not {typeof(T).Name}", isShallow: true);
            }
        }
        catch (AvroException ex)
        {
            throw AioProtocolException.PayloadInvalid($"Cannot serialize {typeof(T).Name} as Avro: {ex.Message}", isShallow: true, ex);
        }

        encoder.Flush();
        return new SerializedPayloadContext(new ReadOnlySequence<byte>(stream.ToArray()), ContentType, MqttPayloadFormatIndicator.Unspecified);
    }

    /// <inheritdoc />
    public T? FromBytes<T>(ReadOnlySequence<byte> payload, string? contentType, MqttPayloadFormatIndicator formatIndicator)
    {
        ContentTypes.EnsureAcceptable(contentType, ContentType);
        if (payload.IsEmpty)
        {
            return default;
        }

        using var stream = new MemoryStream(payload.ToArray());
        var decoder = new BinaryDecoder(stream);
        try
        {
            if (typeof(ISpecificRecord).IsAssignableFrom(typeof(T)) && typeof(T).GetConstructor(Type.EmptyTypes) is not null)
            {
                var schema = ((ISpecificRecord)Activator.CreateInstance(typeof(T))!).Schema;
                return new SpecificDatumReader<T>(schema, schema).Read(default!, decoder);
            }

            if (typeof(T) == typeof(GenericRecord))
            {
                if (genericSchema is null)
                {
                    throw AioProtocolException.PayloadInvalid("Reading a GenericRecord needs the record schema passed to the AvroPayloadSerializer constructor");
                }

                return (T)(object)new GenericDatumReader<GenericRecord>(genericSchema, genericSchema).Read(null!, decoder);
            }
        }
        catch (Exception ex) when (ex is AvroException or EndOfStreamException or InvalidCastException)
        {
            throw AioProtocolException.PayloadInvalid($"The payload is not valid Avro for {typeof(T).Name}: {ex.Message}", innerException: ex);
        }

        throw AioProtocolException.PayloadInvalid($"The Avro serializer produces ISpecificRecord types with a parameterless constructor or GenericRecord, not {typeof(T).Name}");
    }
}
