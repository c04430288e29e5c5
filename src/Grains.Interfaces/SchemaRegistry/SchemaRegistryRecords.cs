namespace OrleansAio.GrainsInterfaces.SchemaRegistry;

/// <summary>A registered schema (services.md 3.2 <c>Schema</c>): one version of the schema named by its content's SHA-256.</summary>
/// <param name="Name">The name: upper-case hex SHA-256 of the UTF-8 content (64 characters).</param>
/// <param name="Namespace">The registry namespace (<c>DefaultSRNamespace</c> unless configured).</param>
/// <param name="Format">The format: <c>JsonSchema/draft-07</c> or <c>Delta/1.0</c>.</param>
/// <param name="SchemaType">The schema type: <c>MessageSchema</c>.</param>
/// <param name="SchemaContent">The schema text exactly as put.</param>
/// <param name="Version">The version string as put.</param>
/// <param name="Tags">Tags, or <see langword="null"/> when none were given.</param>
/// <param name="DisplayName">The display name, if given.</param>
/// <param name="Description">The description, if given.</param>
[GenerateSerializer, Immutable]
public sealed record SchemaInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] string Namespace,
    [property: Id(2)] string Format,
    [property: Id(3)] string SchemaType,
    [property: Id(4)] string SchemaContent,
    [property: Id(5)] string Version,
    [property: Id(6)] IReadOnlyDictionary<string, string>? Tags = null,
    [property: Id(7)] string? DisplayName = null,
    [property: Id(8)] string? Description = null);

/// <summary>A request to register a schema (the public SDK's <c>PutAsync</c> arguments).</summary>
/// <param name="SchemaContent">The schema text.</param>
/// <param name="Format">The format wire string: <c>JsonSchema/draft-07</c> or <c>Delta/1.0</c>.</param>
/// <param name="SchemaType">The schema type wire string (default <c>MessageSchema</c>, the only one).</param>
/// <param name="Version">The version (default <c>"1"</c>, as the .NET and Rust SDKs).</param>
/// <param name="Tags">Tags; optional.</param>
/// <param name="DisplayName">A display name; optional.</param>
/// <param name="Description">A description; optional.</param>
[GenerateSerializer, Immutable]
public sealed record SchemaPutRequest(
    [property: Id(0)] string SchemaContent,
    [property: Id(1)] string Format,
    [property: Id(2)] string SchemaType = "MessageSchema",
    [property: Id(3)] string Version = "1",
    [property: Id(4)] IReadOnlyDictionary<string, string>? Tags = null,
    [property: Id(5)] string? DisplayName = null,
    [property: Id(6)] string? Description = null);

/// <summary>Why the schema registry refused a request.</summary>
public enum SchemaRegistryErrorKind
{
    /// <summary>A field is missing or has a wrong value (wire: in-band error 400 naming the field).</summary>
    BadRequest = 0,

    /// <summary>No such schema (wire: in-band error 404, target <c>Name</c>).</summary>
    NotFound = 1,

    /// <summary>The content is not a valid schema of its format (wire: <c>__stat=500</c>, <c>__apErr=true</c>, <c>Invalid &lt;format&gt; schema</c>).</summary>
    InvalidSchema = 2,

    /// <summary>The content is larger than <c>SchemaRegistry:MaxContentBytes</c> (wire: in-band error 400, target <c>SchemaContent</c>).</summary>
    ContentTooLarge = 3,

    /// <summary>The schema already holds <c>SchemaRegistry:MaxVersionsPerSchema</c> versions (wire: in-band error 400, target <c>Version</c>).</summary>
    TooManyVersions = 4,
}

/// <summary>A refusal: its kind, a message naming what is wrong, and the field concerned.</summary>
/// <param name="Kind">The kind.</param>
/// <param name="Message">A human-readable message naming the field and value.</param>
/// <param name="Target">The wire name of the field concerned (<c>Format</c>, <c>SchemaContent</c>, <c>Version</c>, <c>Name</c>, …), if any.</param>
[GenerateSerializer, Immutable]
public sealed record SchemaRegistryFault(
    [property: Id(0)] SchemaRegistryErrorKind Kind,
    [property: Id(1)] string Message,
    [property: Id(2)] string? Target = null);

/// <summary>The outcome of a put or get: exactly one of <see cref="Schema"/> and <see cref="Error"/> is set.</summary>
/// <param name="Schema">The schema, on success.</param>
/// <param name="Error">The refusal, otherwise.</param>
[GenerateSerializer, Immutable]
public sealed record SchemaRegistryResult(
    [property: Id(0)] SchemaInfo? Schema,
    [property: Id(1)] SchemaRegistryFault? Error = null)
{
    /// <summary>A success.</summary>
    /// <param name="schema">The schema.</param>
    /// <returns>The result.</returns>
    public static SchemaRegistryResult Success(SchemaInfo schema) => new(schema);

    /// <summary>A refusal.</summary>
    /// <param name="kind">The kind.</param>
    /// <param name="message">What is wrong.</param>
    /// <param name="target">The field concerned.</param>
    /// <returns>The result.</returns>
    public static SchemaRegistryResult Failure(SchemaRegistryErrorKind kind, string message, string? target = null) => new(null, new SchemaRegistryFault(kind, message, target));
}
