using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace OrleansAio.Protocol.SchemaRegistry;

/// <summary>
/// Reads <c>put</c> and <c>get</c> request bodies field by field, so that a server can answer a missing or mistyped field with
/// the spec's in-band error naming it (services.md 3.2: <c>{"error":{"code":400,"message":…,"target":"Format"}}</c>) rather
/// than with a bare RPC-level 400.
/// </summary>
/// <remarks>
/// Field names are case-sensitive; unknown fields are ignored; a JSON <see langword="null"/> counts as absent. Values are checked
/// for presence and JSON type only: the format, type and content rules belong to the registry itself.
/// </remarks>
public static class SchemaRegistryRequestReader
{
    /// <summary>Reads a <c>put</c> body.</summary>
    /// <param name="body">The request body (<see cref="JsonValueKind.Undefined"/> for an empty payload).</param>
    /// <param name="request">The request, when it is well formed.</param>
    /// <param name="error">The 400 error naming the first bad field, otherwise.</param>
    /// <returns>Whether the body is well formed.</returns>
    public static bool TryReadPut(JsonElement body, [NotNullWhen(true)] out SchemaRegistryPutRequest? request, [NotNullWhen(false)] out SchemaRegistryError? error)
    {
        request = null;
        if (!IsObject(body, out error)
            || !TryRequiredString(body, "format", SchemaRegistryErrorTarget.Format, out var format, out error)
            || !TryRequiredString(body, "schemaType", SchemaRegistryErrorTarget.SchemaType, out var schemaType, out error)
            || !TryRequiredString(body, "schemaContent", SchemaRegistryErrorTarget.SchemaContent, out var content, out error)
            || !TryRequiredString(body, "version", SchemaRegistryErrorTarget.Version, out var version, out error)
            || !TryOptionalString(body, "description", SchemaRegistryErrorTarget.Description, out var description, out error)
            || !TryOptionalString(body, "displayName", SchemaRegistryErrorTarget.DisplayName, out var displayName, out error)
            || !TryTags(body, out var tags, out error))
        {
            return false;
        }

        request = new SchemaRegistryPutRequest
        {
            Format = format,
            SchemaType = schemaType,
            SchemaContent = content,
            Version = version,
            Description = description,
            DisplayName = displayName,
            Tags = tags,
        };
        return true;
    }

    /// <summary>Reads a <c>get</c> body.</summary>
    /// <param name="body">The request body.</param>
    /// <param name="request">The request, when it is well formed.</param>
    /// <param name="error">The 400 error naming the first bad field, otherwise.</param>
    /// <returns>Whether the body is well formed.</returns>
    public static bool TryReadGet(JsonElement body, [NotNullWhen(true)] out SchemaRegistryGetRequest? request, [NotNullWhen(false)] out SchemaRegistryError? error)
    {
        request = null;
        if (!IsObject(body, out error)
            || !TryRequiredString(body, "name", SchemaRegistryErrorTarget.Name, out var name, out error)
            || !TryRequiredString(body, "version", SchemaRegistryErrorTarget.Version, out var version, out error))
        {
            return false;
        }

        request = new SchemaRegistryGetRequest { Name = name, Version = version };
        return true;
    }

    /// <summary>A 400 error with a target.</summary>
    /// <param name="target">The field (one of <see cref="SchemaRegistryErrorTarget"/>), or <see langword="null"/>.</param>
    /// <param name="message">What is wrong.</param>
    /// <returns>The error object.</returns>
    public static SchemaRegistryError BadRequest(string? target, string message) =>
        new() { Code = (int)SchemaRegistryErrorCode.BadRequest, Message = message, Target = target };

    private static bool IsObject(JsonElement body, [NotNullWhen(false)] out SchemaRegistryError? error)
    {
        error = body.ValueKind switch
        {
            JsonValueKind.Object => null,
            JsonValueKind.Undefined => BadRequest(null, "The request has no body; a JSON object is required"),
            _ => BadRequest(null, $"The request body must be a JSON object, not {Describe(body.ValueKind)}"),
        };
        return error is null;
    }

    private static bool TryRequiredString(
        JsonElement body, string field, string target, [NotNullWhen(true)] out string? value, [NotNullWhen(false)] out SchemaRegistryError? error)
    {
        value = null;
        if (!body.TryGetProperty(field, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            error = BadRequest(target, $"The field '{field}' is required");
            return false;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            error = BadRequest(target, $"The field '{field}' must be a string, not {Describe(element.ValueKind)}");
            return false;
        }

        value = element.GetString()!;
        error = null;
        return true;
    }

    private static bool TryOptionalString(JsonElement body, string field, string target, out string? value, [NotNullWhen(false)] out SchemaRegistryError? error)
    {
        value = null;
        error = null;
        if (!body.TryGetProperty(field, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            error = BadRequest(target, $"The field '{field}' must be a string, not {Describe(element.ValueKind)}");
            return false;
        }

        value = element.GetString();
        return true;
    }

    private static bool TryTags(JsonElement body, out IReadOnlyDictionary<string, string>? tags, [NotNullWhen(false)] out SchemaRegistryError? error)
    {
        tags = null;
        error = null;
        if (!body.TryGetProperty("tags", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            error = BadRequest(SchemaRegistryErrorTarget.Tags, $"The field 'tags' must be an object of strings, not {Describe(element.ValueKind)}");
            return false;
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in element.EnumerateObject())
        {
            if (tag.Value.ValueKind != JsonValueKind.String)
            {
                error = BadRequest(SchemaRegistryErrorTarget.Tags, $"The tag '{tag.Name}' must be a string, not {Describe(tag.Value.ValueKind)}");
                return false;
            }

            map[tag.Name] = tag.Value.GetString()!;
        }

        tags = map;
        return true;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
