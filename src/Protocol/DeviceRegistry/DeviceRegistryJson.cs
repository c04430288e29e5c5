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

    /// <summary>
    /// Describes why a payload did not deserialize, in the words of the ADR schema: the JSON path of the field and what was
    /// expected there (<c>an integer</c>, <c>one of On, Off</c>, the name of a missing required field).
    /// </summary>
    /// <param name="exception">The deserialization failure.</param>
    /// <returns>The path (<c>$.a.b</c>, or <see langword="null"/>), the problem, and whether a required field is missing.</returns>
    public static (string? Path, string Problem, bool MissingRequired) DescribeError(JsonException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var path = exception.Path is { Length: > 1 } p ? p : null;
        var message = exception.Message.Split(" Path:", 2)[0].Trim();
        const string missingMarker = "missing required properties including: ";
        var missing = message.IndexOf(missingMarker, StringComparison.Ordinal);
        if (missing >= 0)
        {
            var names = message[(missing + missingMarker.Length)..].Trim().TrimEnd('.').Replace("'", string.Empty, StringComparison.Ordinal);
            return (path, $"the required field '{names}' is missing", true);
        }

        const string convertMarker = "could not be converted to ";
        var convert = message.IndexOf(convertMarker, StringComparison.Ordinal);
        if (convert >= 0)
        {
            var typeName = message[(convert + convertMarker.Length)..].Trim().TrimEnd('.');
            return (path, $"expected {Expected(typeName)}", false);
        }

        return (path, message.Replace('\r', ' ').Replace('\n', ' '), false);
    }

    private static string Expected(string typeName)
    {
        var inner = typeName.StartsWith("System.Nullable`1[", StringComparison.Ordinal) ? typeName["System.Nullable`1[".Length..].TrimEnd(']') : typeName;
        return inner switch
        {
            "System.Int64" or "System.Int32" => "an integer",
            "System.Boolean" => "true or false",
            "System.String" => "a string",
            "System.DateTimeOffset" => "an RFC 3339 date-time",
            _ when inner.StartsWith("System.Collections.Generic.Dictionary", StringComparison.Ordinal) => "an object (a map)",
            _ when inner.StartsWith("System.Collections.Generic.List", StringComparison.Ordinal) => "an array",
            _ when typeof(DeviceRegistryJson).Assembly.GetType(inner) is { IsEnum: true } enumType => $"one of {string.Join(", ", Enum.GetNames(enumType))}",
            _ when typeof(DeviceRegistryJson).Assembly.GetType(inner) is { } model => $"an object ({model.Name})",
            _ => inner,
        };
    }

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
