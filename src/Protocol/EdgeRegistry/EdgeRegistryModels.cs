using System.Text.Json.Serialization;

namespace OrleansAio.Protocol.EdgeRegistry;

/// <summary>A label: key and value (edge-registry.md §4).</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The value.</param>
public sealed record Label([property: JsonPropertyName("key")] string Key, [property: JsonPropertyName("value")] string Value);

/// <summary>Deprecation information; every field optional (edge-registry.md §4).</summary>
public sealed record DeprecatedInfo
{
    /// <summary>When the deprecation takes effect.</summary>
    [JsonPropertyName("effective")]
    public DateTimeOffset? Effective { get; init; }

    /// <summary>When the entity will be removed.</summary>
    [JsonPropertyName("removal")]
    public DateTimeOffset? Removal { get; init; }

    /// <summary>A URL of the alternative.</summary>
    [JsonPropertyName("alternative")]
    public string? Alternative { get; init; }

    /// <summary>A URL of documentation.</summary>
    [JsonPropertyName("documentation")]
    public string? Documentation { get; init; }
}

/// <summary>Delete options (edge-registry.md §4): the epoch the entity must have.</summary>
public sealed record DeleteOptions
{
    /// <summary>No options: the request carries <c>"options":{}</c>.</summary>
    public static DeleteOptions Default { get; } = new();

    /// <summary>The epoch the entity must have, if any.</summary>
    [JsonPropertyName("expectedEpoch")]
    public ulong? ExpectedEpoch { get; init; }
}

/// <summary>The attributes of a Group (createGroup's request, edge-registry.md §5.2).</summary>
public sealed record GroupAttributes
{
    /// <summary>The Group id; absent = the default Group.</summary>
    [JsonPropertyName("groupId")]
    public string? GroupId { get; init; }

    /// <summary>A name.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    /// <summary>A description.</summary>
    [JsonPropertyName("description")]
    public string? Description { get; init; }

    /// <summary>A documentation URL.</summary>
    [JsonPropertyName("documentation")]
    public string? Documentation { get; init; }

    /// <summary>An icon URL.</summary>
    [JsonPropertyName("icon")]
    public string? Icon { get; init; }

    /// <summary>Labels (required, may be empty).</summary>
    [JsonPropertyName("labels")]
    public IReadOnlyList<Label> Labels { get; init; } = [];

    /// <summary>Deprecation information.</summary>
    [JsonPropertyName("deprecated")]
    public DeprecatedInfo? Deprecated { get; init; }

    /// <summary>Extensions: name to bytes (base64 on the wire; required, may be empty).</summary>
    [JsonPropertyName("extensions")]
    public IReadOnlyDictionary<string, byte[]> Extensions { get; init; } = new Dictionary<string, byte[]>();
}

/// <summary>A Group entity (edge-registry.md §5.1).</summary>
public sealed record Group
{
    /// <summary>The Group id.</summary>
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    /// <summary><c>/{groupType}/{groupId}</c>.</summary>
    [JsonPropertyName("xid")]
    public required string Xid { get; init; }

    /// <summary>The epoch (1 on creation, +1 per repeated createGroup).</summary>
    [JsonPropertyName("epoch")]
    public ulong Epoch { get; init; }

    /// <summary>A name.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    /// <summary>A description.</summary>
    [JsonPropertyName("description")]
    public string? Description { get; init; }

    /// <summary>A documentation URL.</summary>
    [JsonPropertyName("documentation")]
    public string? Documentation { get; init; }

    /// <summary>An icon URL.</summary>
    [JsonPropertyName("icon")]
    public string? Icon { get; init; }

    /// <summary>Labels.</summary>
    [JsonPropertyName("labels")]
    public IReadOnlyList<Label> Labels { get; init; } = [];

    /// <summary>When created (UTC).</summary>
    [JsonPropertyName("createdAt")]
    public DateTime CreatedAt { get; init; }

    /// <summary>When last modified (UTC).</summary>
    [JsonPropertyName("modifiedAt")]
    public DateTime ModifiedAt { get; init; }

    /// <summary>Deprecation information.</summary>
    [JsonPropertyName("deprecated")]
    public DeprecatedInfo? Deprecated { get; init; }

    /// <summary>The number of Resources per Resource type.</summary>
    [JsonPropertyName("resourcesCounts")]
    public IReadOnlyDictionary<string, ulong> ResourcesCounts { get; init; } = new Dictionary<string, ulong>();

    /// <summary>Extensions.</summary>
    [JsonPropertyName("extensions")]
    public IReadOnlyDictionary<string, byte[]> Extensions { get; init; } = new Dictionary<string, byte[]>();
}

/// <summary>The attributes of a Version (edge-registry.md §5.2 <c>VersionAttributes</c>).</summary>
public sealed record VersionAttributes
{
    /// <summary>A name.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    /// <summary>A description.</summary>
    [JsonPropertyName("description")]
    public string? Description { get; init; }

    /// <summary>A documentation URL.</summary>
    [JsonPropertyName("documentation")]
    public string? Documentation { get; init; }

    /// <summary>An icon URL.</summary>
    [JsonPropertyName("icon")]
    public string? Icon { get; init; }

    /// <summary>Version labels (required, may be empty).</summary>
    [JsonPropertyName("labels")]
    public IReadOnlyList<Label> Labels { get; init; } = [];

    /// <summary>The ancestor Version id.</summary>
    [JsonPropertyName("ancestor")]
    public string? Ancestor { get; init; }

    /// <summary>The document's content type.</summary>
    [JsonPropertyName("contentType")]
    public string? ContentType { get; init; }

    /// <summary>The document's format.</summary>
    [JsonPropertyName("format")]
    public string? Format { get; init; }

    /// <summary>The document (base64 on the wire).</summary>
    [JsonPropertyName("document")]
    public byte[]? Document { get; init; }

    /// <summary>Extensions (required, may be empty).</summary>
    [JsonPropertyName("extensions")]
    public IReadOnlyDictionary<string, byte[]> Extensions { get; init; } = new Dictionary<string, byte[]>();
}

/// <summary>A core Version entity (edge-registry.md §5.1).</summary>
public sealed record CoreVersion
{
    /// <summary>The Resource id.</summary>
    [JsonPropertyName("resourceId")]
    public required string ResourceId { get; init; }

    /// <summary>The Version id.</summary>
    [JsonPropertyName("versionId")]
    public required string VersionId { get; init; }

    /// <summary><c>/{gt}/{gid}/{rt}/{rid}/versions/{vid}</c>.</summary>
    [JsonPropertyName("xid")]
    public required string Xid { get; init; }

    /// <summary>The epoch.</summary>
    [JsonPropertyName("epoch")]
    public ulong Epoch { get; init; }

    /// <summary>Whether this is the Resource's default Version.</summary>
    [JsonPropertyName("isDefault")]
    public bool IsDefault { get; init; }

    /// <summary>A name.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    /// <summary>A description.</summary>
    [JsonPropertyName("description")]
    public string? Description { get; init; }

    /// <summary>A documentation URL.</summary>
    [JsonPropertyName("documentation")]
    public string? Documentation { get; init; }

    /// <summary>An icon URL.</summary>
    [JsonPropertyName("icon")]
    public string? Icon { get; init; }

    /// <summary>Labels.</summary>
    [JsonPropertyName("labels")]
    public IReadOnlyList<Label> Labels { get; init; } = [];

    /// <summary>When created (UTC).</summary>
    [JsonPropertyName("createdAt")]
    public DateTime CreatedAt { get; init; }

    /// <summary>When last modified (UTC).</summary>
    [JsonPropertyName("modifiedAt")]
    public DateTime ModifiedAt { get; init; }

    /// <summary>The ancestor Version id (its own id when none was given).</summary>
    [JsonPropertyName("ancestor")]
    public required string Ancestor { get; init; }

    /// <summary>The document's content type.</summary>
    [JsonPropertyName("contentType")]
    public string? ContentType { get; init; }

    /// <summary>The document's format.</summary>
    [JsonPropertyName("format")]
    public string? Format { get; init; }

    /// <summary>The document.</summary>
    [JsonPropertyName("document")]
    public byte[]? Document { get; init; }

    /// <summary>Upper-case hex SHA-256 of the document; present iff the document is.</summary>
    [JsonPropertyName("documentHash")]
    public string? DocumentHash { get; init; }

    /// <summary>Extensions.</summary>
    [JsonPropertyName("extensions")]
    public IReadOnlyDictionary<string, byte[]> Extensions { get; init; } = new Dictionary<string, byte[]>();
}

/// <summary>The attributes of a Resource's meta (createResource's <c>meta</c>).</summary>
public sealed record ResourceMetaAttributes
{
    /// <summary>A cross-reference.</summary>
    [JsonPropertyName("xref")]
    public string? Xref { get; init; }

    /// <summary>Resource labels (required, may be empty).</summary>
    [JsonPropertyName("labels")]
    public IReadOnlyList<Label> Labels { get; init; } = [];

    /// <summary>The compatibility rule.</summary>
    [JsonPropertyName("compatibility")]
    public string? Compatibility { get; init; }

    /// <summary>Deprecation information.</summary>
    [JsonPropertyName("deprecated")]
    public DeprecatedInfo? Deprecated { get; init; }

    /// <summary>Meta extensions (required, may be empty).</summary>
    [JsonPropertyName("extensions")]
    public IReadOnlyDictionary<string, byte[]> Extensions { get; init; } = new Dictionary<string, byte[]>();
}

/// <summary>A Resource's meta (edge-registry.md §5.1 <c>ResourceMeta</c>).</summary>
public sealed record ResourceMeta
{
    /// <summary>The Resource id.</summary>
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    /// <summary>The Resource xid + <c>/meta</c>.</summary>
    [JsonPropertyName("xid")]
    public required string Xid { get; init; }

    /// <summary>The epoch.</summary>
    [JsonPropertyName("epoch")]
    public ulong Epoch { get; init; }

    /// <summary>A cross-reference.</summary>
    [JsonPropertyName("xref")]
    public string? Xref { get; init; }

    /// <summary>Resource labels.</summary>
    [JsonPropertyName("labels")]
    public IReadOnlyList<Label> Labels { get; init; } = [];

    /// <summary>When created (UTC).</summary>
    [JsonPropertyName("createdAt")]
    public DateTime CreatedAt { get; init; }

    /// <summary>When last modified (UTC).</summary>
    [JsonPropertyName("modifiedAt")]
    public DateTime ModifiedAt { get; init; }

    /// <summary>Always <see langword="false"/>.</summary>
    [JsonPropertyName("readOnly")]
    public bool ReadOnly { get; init; }

    /// <summary>The compatibility rule.</summary>
    [JsonPropertyName("compatibility")]
    public string? Compatibility { get; init; }

    /// <summary>Deprecation information.</summary>
    [JsonPropertyName("deprecated")]
    public DeprecatedInfo? Deprecated { get; init; }

    /// <summary>The default Version's id.</summary>
    [JsonPropertyName("defaultVersionId")]
    public required string DefaultVersionId { get; init; }

    /// <summary>Always <see langword="false"/>: the newest Version is the default.</summary>
    [JsonPropertyName("defaultVersionSticky")]
    public bool DefaultVersionSticky { get; init; }

    /// <summary>Meta extensions.</summary>
    [JsonPropertyName("extensions")]
    public IReadOnlyDictionary<string, byte[]> Extensions { get; init; } = new Dictionary<string, byte[]>();
}

/// <summary>A Resource entity (edge-registry.md §5.1).</summary>
public sealed record Resource
{
    /// <summary>The Resource id.</summary>
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    /// <summary><c>/{gt}/{gid}/{rt}/{rid}</c>.</summary>
    [JsonPropertyName("xid")]
    public required string Xid { get; init; }

    /// <summary>The meta.</summary>
    [JsonPropertyName("meta")]
    public required ResourceMeta Meta { get; init; }

    /// <summary>The default Version.</summary>
    [JsonPropertyName("defaultVersion")]
    public required CoreVersion DefaultVersion { get; init; }

    /// <summary>The number of Versions.</summary>
    [JsonPropertyName("versionsCount")]
    public ulong VersionsCount { get; init; }

    /// <summary>Resource extensions.</summary>
    [JsonPropertyName("extensions")]
    public IReadOnlyDictionary<string, byte[]> Extensions { get; init; } = new Dictionary<string, byte[]>();
}

/// <summary>A Resource's identity (list results).</summary>
/// <param name="GroupType">The Group type.</param>
/// <param name="GroupId">The Group id.</param>
/// <param name="ResourceType">The Resource type.</param>
/// <param name="ResourceId">The Resource id.</param>
public sealed record ResourceXId(
    [property: JsonPropertyName("groupType")] string GroupType,
    [property: JsonPropertyName("groupId")] string GroupId,
    [property: JsonPropertyName("resourceType")] string ResourceType,
    [property: JsonPropertyName("resourceId")] string ResourceId);

/// <summary>A core Version's identity (list results); the Version id is a string.</summary>
/// <param name="GroupType">The Group type.</param>
/// <param name="GroupId">The Group id.</param>
/// <param name="ResourceType">The Resource type.</param>
/// <param name="ResourceId">The Resource id.</param>
/// <param name="VersionId">The Version id.</param>
public sealed record VersionXId(
    [property: JsonPropertyName("groupType")] string GroupType,
    [property: JsonPropertyName("groupId")] string GroupId,
    [property: JsonPropertyName("resourceType")] string ResourceType,
    [property: JsonPropertyName("resourceId")] string ResourceId,
    [property: JsonPropertyName("versionId")] string VersionId);

/// <summary>An extension Version's identity (list results); the Version id is an integer.</summary>
/// <param name="GroupType">The Group type.</param>
/// <param name="GroupId">The Group id.</param>
/// <param name="ResourceType">The Resource type.</param>
/// <param name="ResourceId">The Resource id.</param>
/// <param name="VersionId">The Version id.</param>
public sealed record ExtensionVersionXId(
    [property: JsonPropertyName("groupType")] string GroupType,
    [property: JsonPropertyName("groupId")] string GroupId,
    [property: JsonPropertyName("resourceType")] string ResourceType,
    [property: JsonPropertyName("resourceId")] string ResourceId,
    [property: JsonPropertyName("versionId")] ulong VersionId);

/// <summary>The attributes of an extension Version (create{Schema,ThingDescription,ThingModel}Version, edge-registry.md §6).</summary>
public sealed record ExtensionVersionAttributes
{
    /// <summary>A name.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    /// <summary>A description.</summary>
    [JsonPropertyName("description")]
    public string? Description { get; init; }

    /// <summary>A documentation URL.</summary>
    [JsonPropertyName("documentation")]
    public string? Documentation { get; init; }

    /// <summary>An icon URL.</summary>
    [JsonPropertyName("icon")]
    public string? Icon { get; init; }

    /// <summary>Version labels (required, may be empty).</summary>
    [JsonPropertyName("labels")]
    public IReadOnlyList<Label> Labels { get; init; } = [];

    /// <summary>The ancestor Version id.</summary>
    [JsonPropertyName("ancestor")]
    public ulong? Ancestor { get; init; }

    /// <summary>The document's content type.</summary>
    [JsonPropertyName("contentType")]
    public string? ContentType { get; init; }

    /// <summary>The format (required), e.g. <c>JsonSchema/draft-07</c>, <c>JsonLD/1.1</c>.</summary>
    [JsonPropertyName("format")]
    public required string Format { get; init; }

    /// <summary>The document (required).</summary>
    [JsonPropertyName("document")]
    public required byte[] Document { get; init; }

    /// <summary>Extensions (required, may be empty).</summary>
    [JsonPropertyName("extensions")]
    public IReadOnlyDictionary<string, byte[]> Extensions { get; init; } = new Dictionary<string, byte[]>();
}

/// <summary>An extension Version entity (SchemaVersion, ThingDescriptionVersion, ThingModelVersion; edge-registry.md §6).</summary>
public sealed record ExtensionVersion
{
    /// <summary>The Resource id (schema, thing-description or thing-model id).</summary>
    [JsonPropertyName("resourceId")]
    public required string ResourceId { get; init; }

    /// <summary>The Version id.</summary>
    [JsonPropertyName("versionId")]
    public ulong VersionId { get; init; }

    /// <summary>The xid.</summary>
    [JsonPropertyName("xid")]
    public required string Xid { get; init; }

    /// <summary>The epoch.</summary>
    [JsonPropertyName("epoch")]
    public ulong Epoch { get; init; }

    /// <summary>Whether this is the default Version.</summary>
    [JsonPropertyName("isDefault")]
    public bool IsDefault { get; init; }

    /// <summary>A name.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    /// <summary>A description.</summary>
    [JsonPropertyName("description")]
    public string? Description { get; init; }

    /// <summary>A documentation URL.</summary>
    [JsonPropertyName("documentation")]
    public string? Documentation { get; init; }

    /// <summary>An icon URL.</summary>
    [JsonPropertyName("icon")]
    public string? Icon { get; init; }

    /// <summary>Labels.</summary>
    [JsonPropertyName("labels")]
    public IReadOnlyList<Label> Labels { get; init; } = [];

    /// <summary>When created (UTC).</summary>
    [JsonPropertyName("createdAt")]
    public DateTime CreatedAt { get; init; }

    /// <summary>When last modified (UTC).</summary>
    [JsonPropertyName("modifiedAt")]
    public DateTime ModifiedAt { get; init; }

    /// <summary>The ancestor Version id.</summary>
    [JsonPropertyName("ancestor")]
    public ulong Ancestor { get; init; }

    /// <summary>The content type.</summary>
    [JsonPropertyName("contentType")]
    public string? ContentType { get; init; }

    /// <summary>The format.</summary>
    [JsonPropertyName("format")]
    public required string Format { get; init; }

    /// <summary>The document.</summary>
    [JsonPropertyName("document")]
    public required byte[] Document { get; init; }

    /// <summary>Upper-case hex SHA-256 of the document.</summary>
    [JsonPropertyName("documentHash")]
    public required string DocumentHash { get; init; }

    /// <summary>Extensions.</summary>
    [JsonPropertyName("extensions")]
    public IReadOnlyDictionary<string, byte[]> Extensions { get; init; } = new Dictionary<string, byte[]>();
}

/// <summary>The in-band error object <c>_error</c> (edge-registry.md §3).</summary>
public sealed record EdgeRegistryError
{
    /// <summary>A URI naming the error type (<c>about:blank</c>).</summary>
    [JsonPropertyName("type")]
    public required string Type { get; init; }

    /// <summary>The HTTP-style code (400, 404, 409, 500).</summary>
    [JsonPropertyName("code")]
    public required ulong Code { get; init; }

    /// <summary>The HTTP reason phrase.</summary>
    [JsonPropertyName("status")]
    public required string Status { get; init; }

    /// <summary>A short description.</summary>
    [JsonPropertyName("title")]
    public required string Title { get; init; }

    /// <summary>A longer description.</summary>
    [JsonPropertyName("detail")]
    public string? Detail { get; init; }

    /// <summary>The xid of the entity concerned.</summary>
    [JsonPropertyName("subject")]
    public string? Subject { get; init; }

    /// <summary>The component that raised it.</summary>
    [JsonPropertyName("source")]
    public string? Source { get; init; }
}

/// <summary>An Edge Registry answered with <c>_error</c>.</summary>
public sealed class EdgeRegistryErrorException : Exception
{
    /// <summary>Creates the exception from the service's error object.</summary>
    /// <param name="error">The error.</param>
    public EdgeRegistryErrorException(EdgeRegistryError error)
        : base($"Edge registry error {error?.Code} {error?.Status}: {error?.Title}{(error?.Detail is { } d ? $" ({d})" : string.Empty)}")
    {
        ArgumentNullException.ThrowIfNull(error);
        Error = error;
    }

    /// <summary>The error object as the service sent it.</summary>
    public EdgeRegistryError Error { get; }
}
