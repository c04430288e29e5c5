using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using MQTTnet.Protocol;
using OrleansAio.Protocol.Common;

namespace OrleansAio.Protocol.Serialization;

/// <summary>
/// JSON payloads with System.Text.Json: content type <c>application/json</c>, payload format indicator 1 (UTF-8).
/// </summary>
/// <remarks>
/// The default options match the public AIO .NET SDK on the wire: non-ASCII characters escaped (<c>é</c> → <c>\u00E9</c>) and
/// <see langword="null"/> members omitted. A <see langword="null"/> value is sent as the JSON literal <c>null</c> with content type
/// <c>application/json</c>, as the SDK's JSON serializer sends it (so a command answering a null response with an application error
/// is a 200 the SDK's invoker can read, not a 204 whose empty body its JSON deserializer refuses); an empty payload (a 204 from a
/// peer that sends one) and <c>null</c> both deserialize to <see langword="default"/>.
/// </remarks>
public sealed class JsonPayloadSerializer : IPayloadSerializer
{
    /// <summary>The content type this serializer writes and accepts.</summary>
    public const string ContentType = "application/json";

    private static readonly byte[] NullLiteral = "null"u8.ToArray();

    private readonly JsonSerializerOptions options;

    /// <summary>Creates a serializer.</summary>
    /// <param name="options">Serializer options; defaults to <see cref="DefaultOptions"/>.</param>
    public JsonPayloadSerializer(JsonSerializerOptions? options = null)
    {
        this.options = options ?? DefaultOptions;
    }

    /// <summary>The default options (read-only): nulls omitted, default (ASCII-escaping) encoder.</summary>
    public static JsonSerializerOptions DefaultOptions { get; } = CreateDefaultOptions();

    /// <inheritdoc />
    public SerializedPayloadContext ToBytes<T>(T? payload)
    {
        if (payload is null)
        {
            return new SerializedPayloadContext(new ReadOnlySequence<byte>(NullLiteral), ContentType, MqttPayloadFormatIndicator.CharacterData);
        }

        try
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(payload, options);
            return new SerializedPayloadContext(new ReadOnlySequence<byte>(bytes), ContentType, MqttPayloadFormatIndicator.CharacterData);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            throw AioProtocolException.PayloadInvalid($"Cannot serialize {typeof(T).Name} as JSON: {ex.Message}", isShallow: true, ex);
        }
    }

    /// <inheritdoc />
    public T? FromBytes<T>(ReadOnlySequence<byte> payload, string? contentType, MqttPayloadFormatIndicator formatIndicator)
    {
        ContentTypes.EnsureAcceptable(contentType, ContentType);
        if (payload.IsEmpty)
        {
            return default;
        }

        try
        {
            var reader = new Utf8JsonReader(payload);
            return JsonSerializer.Deserialize<T>(ref reader, options);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            throw AioProtocolException.PayloadInvalid($"The payload is not valid JSON for {typeof(T).Name}: {ex.Message}", innerException: ex);
        }
    }

    private static JsonSerializerOptions CreateDefaultOptions()
    {
        var options = new JsonSerializerOptions { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
