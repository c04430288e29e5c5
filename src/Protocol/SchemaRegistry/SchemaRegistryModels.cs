using System.Text.Json.Serialization;

namespace OrleansAio.Protocol.SchemaRegistry;

/// <summary>A registered schema as it travels on the wire (services.md 3.2 <c>Schema</c>); absent optional fields are omitted.</summary>
/// <remarks>Properties are declared in the order the public .NET SDK writes them (alphabetical), so the bytes match.</remarks>
public sealed record Schema
{
    /// <summary>A human-readable description; optional.</summary>
    [JsonPropertyName("description")]
    public string? Description { get; init; }

    /// <summary>A display name; optional.</summary>
    [JsonPropertyName("displayName")]
    public string? DisplayName { get; init; }

    /// <summary>The format: <c>JsonSchema/draft-07</c> or <c>Delta/1.0</c>.</summary>
    [JsonPropertyName("format")]
    public required string Format { get; init; }

    /// <summary>A hash of the content; optional (the reference service never sets it).</summary>
    [JsonPropertyName("hash")]
    public string? Hash { get; init; }

    /// <summary>The schema name: the upper-case hex SHA-256 of the UTF-8 content.</summary>
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    /// <summary>The schema registry namespace.</summary>
    [JsonPropertyName("namespace")]
    public required string Namespace { get; init; }

    /// <summary>The schema text.</summary>
    [JsonPropertyName("schemaContent")]
    public required string SchemaContent { get; init; }

    /// <summary>The schema type: <c>MessageSchema</c>.</summary>
    [JsonPropertyName("schemaType")]
    public required string SchemaType { get; init; }

    /// <summary>Tags; optional.</summary>
    [JsonPropertyName("tags")]
    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    /// <summary>The version string.</summary>
    [JsonPropertyName("version")]
    public required string Version { get; init; }
}

/// <summary>The body of a <c>put</c> request (services.md 3.2 <c>PutRequestSchema</c>).</summary>
public sealed record SchemaRegistryPutRequest
{
    /// <summary>A human-readable description; optional.</summary>
    [JsonPropertyName("description")]
    public string? Description { get; init; }

    /// <summary>A display name; optional.</summary>
    [JsonPropertyName("displayName")]
    public string? DisplayName { get; init; }

    /// <summary>The format wire string.</summary>
    [JsonPropertyName("format")]
    public required string Format { get; init; }

    /// <summary>The schema text.</summary>
    [JsonPropertyName("schemaContent")]
    public required string SchemaContent { get; init; }

    /// <summary>The schema type wire string.</summary>
    [JsonPropertyName("schemaType")]
    public required string SchemaType { get; init; }

    /// <summary>Tags; optional.</summary>
    [JsonPropertyName("tags")]
    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    /// <summary>The version string.</summary>
    [JsonPropertyName("version")]
    public required string Version { get; init; }
}

/// <summary>The body of a <c>get</c> request (services.md 3.2 <c>GetRequestSchema</c>).</summary>
public sealed record SchemaRegistryGetRequest
{
    /// <summary>The schema name.</summary>
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    /// <summary>The version.</summary>
    [JsonPropertyName("version")]
    public required string Version { get; init; }
}

/// <summary>The body of a <c>put</c> or <c>get</c> response: either <see cref="Schema"/> or <see cref="Error"/> (services.md 3.2).</summary>
public sealed record SchemaRegistryResponse
{
    /// <summary>The error; set on failure.</summary>
    [JsonPropertyName("error")]
    public SchemaRegistryError? Error { get; init; }

    /// <summary>The schema; set on success.</summary>
    [JsonPropertyName("schema")]
    public Schema? Schema { get; init; }
}

/// <summary>The codes of <see cref="SchemaRegistryError.Code"/> (services.md 3.2).</summary>
public enum SchemaRegistryErrorCode
{
    /// <summary>400: a field is missing or invalid.</summary>
    BadRequest = 400,

    /// <summary>404: no such schema.</summary>
    NotFound = 404,

    /// <summary>500: the service failed.</summary>
    InternalError = 500,
}

/// <summary>The values of <see cref="SchemaRegistryError.Target"/> (services.md 3.2); Go and Rust accept only these.</summary>
public static class SchemaRegistryErrorTarget
{
    /// <summary><c>SchemaType</c>.</summary>
    public const string SchemaType = "SchemaType";

    /// <summary><c>Format</c>.</summary>
    public const string Format = "Format";

    /// <summary><c>Version</c>.</summary>
    public const string Version = "Version";

    /// <summary><c>Name</c>.</summary>
    public const string Name = "Name";

    /// <summary><c>Tags</c>.</summary>
    public const string Tags = "Tags";

    /// <summary><c>Description</c>.</summary>
    public const string Description = "Description";

    /// <summary><c>DisplayName</c>.</summary>
    public const string DisplayName = "DisplayName";

    /// <summary><c>SchemaContent</c>.</summary>
    public const string SchemaContent = "SchemaContent";
}

/// <summary>The <c>error</c> object of a response (services.md 3.2 <c>SchemaRegistryError</c>).</summary>
public sealed record SchemaRegistryError
{
    /// <summary>400, 404 or 500.</summary>
    [JsonPropertyName("code")]
    public required int Code { get; init; }

    /// <summary>What is wrong.</summary>
    [JsonPropertyName("message")]
    public required string Message { get; init; }

    /// <summary>The field concerned (one of <see cref="SchemaRegistryErrorTarget"/>); optional.</summary>
    [JsonPropertyName("target")]
    public string? Target { get; init; }

    /// <summary>Details; optional.</summary>
    [JsonPropertyName("details")]
    public SchemaRegistryErrorDetails? Details { get; init; }

    /// <summary>The inner error; optional.</summary>
    [JsonPropertyName("innerError")]
    public SchemaRegistryErrorDetails? InnerError { get; init; }
}

/// <summary>The <c>details</c> / <c>innerError</c> of a <see cref="SchemaRegistryError"/>; every field optional.</summary>
public sealed record SchemaRegistryErrorDetails
{
    /// <summary>A detailed code, e.g. <c>400.200</c>.</summary>
    [JsonPropertyName("code")]
    public string? Code { get; init; }

    /// <summary>A detailed message.</summary>
    [JsonPropertyName("message")]
    public string? Message { get; init; }

    /// <summary>A correlation id.</summary>
    [JsonPropertyName("correlationId")]
    public string? CorrelationId { get; init; }
}

/// <summary>A schema registry answered with an <c>error</c> (or, for <c>get</c>, with neither schema nor error: not found).</summary>
public sealed class SchemaRegistryErrorException : Exception
{
    /// <summary>Creates the exception from the service's error object.</summary>
    /// <param name="error">The error object.</param>
    public SchemaRegistryErrorException(SchemaRegistryError error)
        : base(Describe(error))
    {
        Error = error;
    }

    /// <summary>The error object as the service sent it.</summary>
    public SchemaRegistryError Error { get; }

    /// <summary>The error code (400, 404 or 500; other values are kept as they came).</summary>
    public SchemaRegistryErrorCode Code => (SchemaRegistryErrorCode)Error.Code;

    private static string Describe(SchemaRegistryError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.Target is { } target
            ? $"Schema registry error {error.Code} ({target}): {error.Message}"
            : $"Schema registry error {error.Code}: {error.Message}";
    }
}
