using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansAio.Protocol.Serialization;

namespace OrleansAio.Protocol.DeviceRegistry;

/// <summary>The JSON conventions of the ADR payloads: camelCase fields, enums as their names, absent (not null) optional fields.</summary>
public static class DeviceRegistryJson
{
    /// <summary>The serializer options (read-only).</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    /// <summary>A payload serializer with <see cref="Options"/> (<c>application/json</c>, format indicator 1).</summary>
    public static JsonPayloadSerializer Serializer { get; } = new(Options);

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DictionaryKeyPolicy = null,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Converters = { new JsonStringEnumConverter(namingPolicy: null, allowIntegerValues: false) },
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
