using System.Buffers;
using System.Formats.Cbor;
using System.Text;
using Avro;
using Avro.Generic;
using Avro.Specific;
using Google.Protobuf.WellKnownTypes;
using MQTTnet.Protocol;
using OrleansAio.Abstractions.Common;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Serialization;

namespace OrleansAio.Tests.Protocol.Serialization;

public sealed class SerializerTests
{
    public static TheoryData<string> SerializerNames => ["json", "raw", "cbor", "avro", "protobuf"];

    [Fact]
    public void Json_matches_the_sdk_wire_bytes_non_ascii_escaped_and_nulls_omitted()
    {
        var serializer = new JsonPayloadSerializer();

        var context = serializer.ToBytes(new IncrementRequest { IncrementValue = 1, Note = "h\u00e9llo", Missing = null });

        Assert.Equal("{\"incrementValue\":1,\"note\":\"h\\u00E9llo\"}", Encoding.UTF8.GetString(context.SerializedPayload.ToArray()));
        Assert.Equal("application/json", context.ContentType);
        Assert.Equal(MqttPayloadFormatIndicator.CharacterData, context.PayloadFormatIndicator);
    }

    [Fact]
    public void Json_round_trips_and_accepts_an_absent_content_type()
    {
        var serializer = new JsonPayloadSerializer();
        var context = serializer.ToBytes(new IncrementRequest { IncrementValue = 42, Note = "x" });

        var back = serializer.FromBytes<IncrementRequest>(context.SerializedPayload, null, MqttPayloadFormatIndicator.Unspecified);

        Assert.Equal(42, back!.IncrementValue);
        Assert.Equal("x", back.Note);
        Assert.Equal(7, serializer.FromBytes<int>(new ReadOnlySequence<byte>("7"u8.ToArray()), "application/json; charset=utf-8", MqttPayloadFormatIndicator.CharacterData));
    }

    [Fact]
    public void Json_refuses_undecodable_bytes_as_invalid_payload()
    {
        var error = Assert.Throws<AioProtocolException>(() => new JsonPayloadSerializer().FromBytes<IncrementRequest>(
            new ReadOnlySequence<byte>("{not json"u8.ToArray()), "application/json", MqttPayloadFormatIndicator.CharacterData));

        Assert.Equal(AioErrorKind.PayloadInvalid, error.Kind);
        Assert.False(error.IsShallow);
    }

    [Theory]
    [MemberData(nameof(SerializerNames))]
    public void A_wrong_content_type_is_an_invalid_Content_Type_header_with_the_value(string name)
    {
        var (serializer, sample) = Create(name);
        var context = serializer.ToBytes(sample);

        var error = Assert.Throws<AioProtocolException>(() => FromBytes(serializer, sample, context.SerializedPayload, "raw/0"));

        Assert.Equal(AioErrorKind.HeaderInvalid, error.Kind);
        Assert.Equal("Content Type", error.HeaderName);
        Assert.Equal("raw/0", error.HeaderValue);
    }

    [Theory]
    [MemberData(nameof(SerializerNames))]
    public void Each_serializer_round_trips_with_its_own_content_type(string name)
    {
        var (serializer, sample) = Create(name);

        var context = serializer.ToBytes(sample);
        var back = FromBytes(serializer, sample, context.SerializedPayload, context.ContentType);

        Assert.False(context.SerializedPayload.IsEmpty);
        Assert.Equal(ExpectedContentType(name), context.ContentType);
        AssertEquivalent(sample, back);
    }

    [Theory]
    [InlineData("raw")]
    [InlineData("cbor")]
    [InlineData("avro")]
    [InlineData("protobuf")]
    public void Null_is_an_empty_payload_without_content_type(string name)
    {
        var (serializer, _) = Create(name);

        var context = serializer.ToBytes<object>(null);

        Assert.True(context.SerializedPayload.IsEmpty);
        Assert.Null(context.ContentType);
        Assert.Equal(MqttPayloadFormatIndicator.Unspecified, context.PayloadFormatIndicator);
    }

    [Fact]
    public void Json_null_is_the_json_literal_null_as_the_sdk_sends_it_and_reads_back_from_null_or_empty()
    {
        var serializer = new JsonPayloadSerializer();

        var context = serializer.ToBytes<object>(null);

        Assert.Equal("null", Encoding.UTF8.GetString(context.SerializedPayload.ToArray()));
        Assert.Equal("application/json", context.ContentType);
        Assert.Equal(MqttPayloadFormatIndicator.CharacterData, context.PayloadFormatIndicator);
        Assert.Null(serializer.FromBytes<IncrementRequest>(context.SerializedPayload, "application/json", MqttPayloadFormatIndicator.CharacterData));
        Assert.Null(serializer.FromBytes<IncrementRequest>(ReadOnlySequence<byte>.Empty, null, MqttPayloadFormatIndicator.Unspecified));
    }

    [Fact]
    public void Raw_bytes_pass_through_unchanged_and_empty_reads_as_empty()
    {
        var serializer = new RawPayloadSerializer();
        var bytes = new byte[] { 0, 1, 2, 255 };

        var context = serializer.ToBytes(bytes);

        Assert.Equal(bytes, context.SerializedPayload.ToArray());
        Assert.Equal(MqttPayloadFormatIndicator.Unspecified, context.PayloadFormatIndicator);
        Assert.Empty(serializer.FromBytes<byte[]>(ReadOnlySequence<byte>.Empty, null, MqttPayloadFormatIndicator.Unspecified)!);
        Assert.Equal(AioErrorKind.PayloadInvalid, Assert.Throws<AioProtocolException>(() => serializer.ToBytes("text")).Kind);
    }

    [Fact]
    public void Cbor_data_model_round_trips_maps_lists_and_scalars()
    {
        var serializer = new CborPayloadSerializer();
        var value = new Dictionary<string, object?>
        {
            ["name"] = "sensor",
            ["count"] = 3L,
            ["ratio"] = 0.5,
            ["ok"] = true,
            ["blob"] = new byte[] { 1, 2 },
            ["tags"] = new List<object?> { "a", 1L, null },
        };

        var context = serializer.ToBytes<IReadOnlyDictionary<string, object?>>(value);
        var back = serializer.FromBytes<Dictionary<string, object?>>(context.SerializedPayload, "application/cbor", MqttPayloadFormatIndicator.Unspecified)!;

        Assert.Equal("sensor", back["name"]);
        Assert.Equal(3L, back["count"]);
        Assert.Equal(0.5, back["ratio"]);
        Assert.Equal(true, back["ok"]);
        Assert.Equal(new byte[] { 1, 2 }, back["blob"]);
        Assert.Equal(new List<object?> { "a", 1L, null }, back["tags"]);
    }

    [Fact]
    public void Cbor_uses_a_registered_converter_for_application_types()
    {
        var serializer = new CborPayloadSerializer().WithConverter(new ReadingConverter());

        var context = serializer.ToBytes(new Reading("t1", 21.5));
        var back = serializer.FromBytes<Reading>(context.SerializedPayload, null, MqttPayloadFormatIndicator.Unspecified);

        Assert.Equal(new Reading("t1", 21.5), back);
        Assert.Equal(AioErrorKind.PayloadInvalid, Assert.Throws<AioProtocolException>(() => new CborPayloadSerializer().ToBytes(new Reading("x", 1))).Kind);
        Assert.Equal(AioErrorKind.PayloadInvalid, Assert.Throws<AioProtocolException>(() => serializer.FromBytes<Reading>(
            new ReadOnlySequence<byte>([0xff, 0x00]), null, MqttPayloadFormatIndicator.Unspecified)).Kind);
    }

    [Fact]
    public void Avro_generic_records_round_trip_with_the_schema()
    {
        var schema = (RecordSchema)Schema.Parse(ReadingRecord.SchemaJson);
        var serializer = new AvroPayloadSerializer(schema);
        var record = new GenericRecord(schema);
        record.Add("sensor", "t1");
        record.Add("value", 21.5);

        var context = serializer.ToBytes(record);
        var back = serializer.FromBytes<GenericRecord>(context.SerializedPayload, "application/avro", MqttPayloadFormatIndicator.Unspecified)!;

        Assert.Equal("t1", back["sensor"]);
        Assert.Equal(21.5, back["value"]);
    }

    [Fact]
    public void Protobuf_refuses_garbage_as_invalid_payload()
    {
        var error = Assert.Throws<AioProtocolException>(() => new ProtobufPayloadSerializer().FromBytes<Struct>(
            new ReadOnlySequence<byte>([0x0a, 0xff, 0xff]), "application/protobuf", MqttPayloadFormatIndicator.Unspecified));

        Assert.Equal(AioErrorKind.PayloadInvalid, error.Kind);
    }

    private static (IPayloadSerializer Serializer, object Sample) Create(string name) => name switch
    {
        "json" => (new JsonPayloadSerializer(), new IncrementRequest { IncrementValue = 5, Note = "n" }),
        "raw" => (new RawPayloadSerializer(), new byte[] { 9, 8, 7 }),
        "cbor" => (new CborPayloadSerializer().WithConverter(new ReadingConverter()), new Reading("c", 1.25)),
        "avro" => (new AvroPayloadSerializer(), new ReadingRecord { Sensor = "a", Value = 2.5 }),
        "protobuf" => (new ProtobufPayloadSerializer(), Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero))),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static string ExpectedContentType(string name) => name switch
    {
        "json" => "application/json",
        "raw" => "application/octet-stream",
        "cbor" => "application/cbor",
        "avro" => "application/avro",
        _ => "application/protobuf",
    };

    private static object? FromBytes(IPayloadSerializer serializer, object sample, ReadOnlySequence<byte> payload, string? contentType) => sample switch
    {
        IncrementRequest => serializer.FromBytes<IncrementRequest>(payload, contentType, MqttPayloadFormatIndicator.CharacterData),
        byte[] => serializer.FromBytes<byte[]>(payload, contentType, MqttPayloadFormatIndicator.Unspecified),
        Reading => serializer.FromBytes<Reading>(payload, contentType, MqttPayloadFormatIndicator.Unspecified),
        ReadingRecord => serializer.FromBytes<ReadingRecord>(payload, contentType, MqttPayloadFormatIndicator.Unspecified),
        Timestamp => serializer.FromBytes<Timestamp>(payload, contentType, MqttPayloadFormatIndicator.Unspecified),
        _ => throw new ArgumentOutOfRangeException(nameof(sample)),
    };

    private static void AssertEquivalent(object expected, object? actual)
    {
        switch (expected)
        {
            case IncrementRequest request:
                var back = Assert.IsType<IncrementRequest>(actual);
                Assert.Equal((request.IncrementValue, request.Note), (back.IncrementValue, back.Note));
                break;
            case ReadingRecord record:
                var backRecord = Assert.IsType<ReadingRecord>(actual);
                Assert.Equal((record.Sensor, record.Value), (backRecord.Sensor, backRecord.Value));
                break;
            case byte[] bytes:
                Assert.Equal(bytes, actual);
                break;
            default:
                Assert.Equal(expected, actual);
                break;
        }
    }

    internal sealed class IncrementRequest
    {
        [System.Text.Json.Serialization.JsonPropertyName("incrementValue")]
        public int IncrementValue { get; set; }

        [System.Text.Json.Serialization.JsonPropertyName("note")]
        public string? Note { get; set; }

        [System.Text.Json.Serialization.JsonPropertyName("missing")]
        public string? Missing { get; set; }
    }

    internal sealed record Reading(string Sensor, double Value);

    internal sealed class ReadingConverter : CborConverter<Reading>
    {
        public override void Write(CborWriter writer, Reading value)
        {
            writer.WriteStartArray(2);
            writer.WriteTextString(value.Sensor);
            writer.WriteDouble(value.Value);
            writer.WriteEndArray();
        }

        public override Reading Read(CborReader reader)
        {
            reader.ReadStartArray();
            var reading = new Reading(reader.ReadTextString(), reader.ReadDouble());
            reader.ReadEndArray();
            return reading;
        }
    }
}

/// <summary>A hand-written Avro specific record (what avrogen would generate).</summary>
public sealed class ReadingRecord : ISpecificRecord
{
    public const string SchemaJson = """
        {"type":"record","name":"ReadingRecord","namespace":"OrleansAio.Tests.Protocol.Serialization","fields":[{"name":"sensor","type":"string"},{"name":"value","type":"double"}]}
        """;

    private static readonly Schema ParsedSchema = Schema.Parse(SchemaJson);

    public Schema Schema => ParsedSchema;

    public string Sensor { get; set; } = string.Empty;

    public double Value { get; set; }

    public object Get(int fieldPos) => fieldPos switch
    {
        0 => Sensor,
        1 => Value,
        _ => throw new AvroRuntimeException($"Bad index {fieldPos}"),
    };

    public void Put(int fieldPos, object fieldValue)
    {
        switch (fieldPos)
        {
            case 0:
                Sensor = (string)fieldValue;
                break;
            case 1:
                Value = (double)fieldValue;
                break;
            default:
                throw new AvroRuntimeException($"Bad index {fieldPos}");
        }
    }
}
