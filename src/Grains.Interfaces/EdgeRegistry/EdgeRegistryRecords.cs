namespace OrleansAio.GrainsInterfaces.EdgeRegistry;

/// <summary>A label.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The value.</param>
[GenerateSerializer, Immutable]
public sealed record EdgeLabel([property: Id(0)] string Key, [property: Id(1)] string Value);

/// <summary>Deprecation information; every field optional.</summary>
/// <param name="Effective">When it takes effect.</param>
/// <param name="Removal">When the entity will be removed.</param>
/// <param name="Alternative">A URL of the alternative.</param>
/// <param name="Documentation">A URL of documentation.</param>
[GenerateSerializer, Immutable]
public sealed record EdgeDeprecated(
    [property: Id(0)] DateTimeOffset? Effective,
    [property: Id(1)] DateTimeOffset? Removal,
    [property: Id(2)] string? Alternative,
    [property: Id(3)] string? Documentation);

/// <summary>The attributes of a Group as created.</summary>
/// <param name="Name">A name.</param>
/// <param name="Description">A description.</param>
/// <param name="Documentation">A documentation URL.</param>
/// <param name="Icon">An icon URL.</param>
/// <param name="Labels">Labels.</param>
/// <param name="Deprecated">Deprecation information.</param>
/// <param name="Extensions">Extensions: name to bytes.</param>
[GenerateSerializer, Immutable]
public sealed record EdgeGroupAttributes(
    [property: Id(0)] string? Name,
    [property: Id(1)] string? Description,
    [property: Id(2)] string? Documentation,
    [property: Id(3)] string? Icon,
    [property: Id(4)] IReadOnlyList<EdgeLabel> Labels,
    [property: Id(5)] EdgeDeprecated? Deprecated,
    [property: Id(6)] IReadOnlyDictionary<string, byte[]> Extensions)
{
    /// <summary>No attributes (an implicitly created Group).</summary>
    public static EdgeGroupAttributes Empty { get; } = new(null, null, null, null, new List<EdgeLabel>(), null, new Dictionary<string, byte[]>());
}

/// <summary>A Group.</summary>
/// <param name="GroupType">Its type.</param>
/// <param name="Id">Its id.</param>
/// <param name="Epoch">Its epoch (1 on creation, +1 per repeated create).</param>
/// <param name="Attributes">Its attributes.</param>
/// <param name="CreatedAt">When created.</param>
/// <param name="ModifiedAt">When last modified.</param>
/// <param name="ResourcesCounts">The number of Resources per Resource type.</param>
[GenerateSerializer, Immutable]
public sealed record EdgeGroup(
    [property: Id(0)] string GroupType,
    [property: Id(1)] string Id,
    [property: Id(2)] ulong Epoch,
    [property: Id(3)] EdgeGroupAttributes Attributes,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] DateTimeOffset ModifiedAt,
    [property: Id(6)] IReadOnlyDictionary<string, ulong> ResourcesCounts);

/// <summary>The attributes of a Version as created.</summary>
/// <param name="Name">A name.</param>
/// <param name="Description">A description.</param>
/// <param name="Documentation">A documentation URL.</param>
/// <param name="Icon">An icon URL.</param>
/// <param name="Labels">Version labels.</param>
/// <param name="Ancestor">The requested ancestor Version id.</param>
/// <param name="ContentType">The document's content type.</param>
/// <param name="Format">The document's format.</param>
/// <param name="Document">The document.</param>
/// <param name="Extensions">Extensions.</param>
[GenerateSerializer, Immutable]
public sealed record EdgeVersionAttributes(
    [property: Id(0)] string? Name,
    [property: Id(1)] string? Description,
    [property: Id(2)] string? Documentation,
    [property: Id(3)] string? Icon,
    [property: Id(4)] IReadOnlyList<EdgeLabel> Labels,
    [property: Id(5)] string? Ancestor,
    [property: Id(6)] string? ContentType,
    [property: Id(7)] string? Format,
    [property: Id(8)] byte[]? Document,
    [property: Id(9)] IReadOnlyDictionary<string, byte[]> Extensions);

/// <summary>A Version.</summary>
/// <param name="ResourceId">The Resource's id.</param>
/// <param name="VersionId">Its id.</param>
/// <param name="IsDefault">Whether it is the Resource's default Version.</param>
/// <param name="Attributes">Its attributes.</param>
/// <param name="Ancestor">The ancestor (its own id when none was requested).</param>
/// <param name="DocumentHash">Upper-case hex SHA-256 of the document, when there is one.</param>
/// <param name="CreatedAt">When created.</param>
/// <param name="ModifiedAt">When last modified.</param>
[GenerateSerializer, Immutable]
public sealed record EdgeVersion(
    [property: Id(0)] string ResourceId,
    [property: Id(1)] string VersionId,
    [property: Id(2)] bool IsDefault,
    [property: Id(3)] EdgeVersionAttributes Attributes,
    [property: Id(4)] string Ancestor,
    [property: Id(5)] string? DocumentHash,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] DateTimeOffset ModifiedAt);

/// <summary>The attributes of a Resource's meta as created.</summary>
/// <param name="Xref">A cross-reference.</param>
/// <param name="Labels">Resource labels.</param>
/// <param name="Compatibility">The compatibility rule.</param>
/// <param name="Deprecated">Deprecation information.</param>
/// <param name="Extensions">Meta extensions.</param>
[GenerateSerializer, Immutable]
public sealed record EdgeResourceMetaAttributes(
    [property: Id(0)] string? Xref,
    [property: Id(1)] IReadOnlyList<EdgeLabel> Labels,
    [property: Id(2)] string? Compatibility,
    [property: Id(3)] EdgeDeprecated? Deprecated,
    [property: Id(4)] IReadOnlyDictionary<string, byte[]> Extensions);

/// <summary>A Resource with its meta and default Version.</summary>
/// <param name="Id">Its identity.</param>
/// <param name="MetaEpoch">The meta's epoch.</param>
/// <param name="Meta">The meta attributes (labels merged by every createVersion).</param>
/// <param name="CreatedAt">When created.</param>
/// <param name="ModifiedAt">When last modified.</param>
/// <param name="DefaultVersion">The default (newest) Version.</param>
/// <param name="VersionsCount">The number of Versions.</param>
/// <param name="Extensions">Resource extensions.</param>
[GenerateSerializer, Immutable]
public sealed record EdgeResource(
    [property: Id(0)] EdgeResourceXId Id,
    [property: Id(1)] ulong MetaEpoch,
    [property: Id(2)] EdgeResourceMetaAttributes Meta,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] DateTimeOffset ModifiedAt,
    [property: Id(5)] EdgeVersion DefaultVersion,
    [property: Id(6)] ulong VersionsCount,
    [property: Id(7)] IReadOnlyDictionary<string, byte[]> Extensions);

/// <summary>A Resource's identity.</summary>
/// <param name="GroupType">The Group type.</param>
/// <param name="GroupId">The Group id.</param>
/// <param name="ResourceType">The Resource type.</param>
/// <param name="ResourceId">The Resource id.</param>
[GenerateSerializer, Immutable]
public sealed record EdgeResourceXId(
    [property: Id(0)] string GroupType,
    [property: Id(1)] string GroupId,
    [property: Id(2)] string ResourceType,
    [property: Id(3)] string ResourceId)
{
    /// <summary>The xid: <c>/{groupType}/{groupId}/{resourceType}/{resourceId}</c>.</summary>
    public string Xid => $"/{GroupType}/{GroupId}/{ResourceType}/{ResourceId}";

    /// <summary>The key of the Resource's grain.</summary>
    public string GrainKey => $"{GroupType}/{GroupId}/{ResourceType}/{ResourceId}";
}

/// <summary>A Version's identity.</summary>
/// <param name="Resource">The Resource.</param>
/// <param name="VersionId">The Version id.</param>
[GenerateSerializer, Immutable]
public sealed record EdgeVersionXId([property: Id(0)] EdgeResourceXId Resource, [property: Id(1)] string VersionId);

/// <summary>Which Groups a list covers (edge-registry.md §7.9).</summary>
/// <param name="GroupType">The Group type; <see langword="null"/> = every type.</param>
/// <param name="GroupId">The Group id; <see langword="null"/> = the default Group (or every Group with <paramref name="AllGroups"/>).</param>
/// <param name="AllGroups">Whether to cover every Group (of <paramref name="GroupType"/> when set).</param>
[GenerateSerializer, Immutable]
public sealed record EdgeGroupScope([property: Id(0)] string? GroupType, [property: Id(1)] string? GroupId, [property: Id(2)] bool AllGroups);

/// <summary>Why the Edge Registry refused a request; the value is the HTTP-style code.</summary>
public enum EdgeRegistryErrorKind
{
    /// <summary>400: an id, scope or field is invalid.</summary>
    BadRequest = 400,

    /// <summary>403: the invoker may not change the registry (<c>Registries:Authorization:EdgeRegistry</c>).</summary>
    Forbidden = 403,

    /// <summary>404: the Group, Resource or Version does not exist.</summary>
    NotFound = 404,

    /// <summary>409: epoch mismatch, an existing Resource, or an explicit Version id already used with other content.</summary>
    Conflict = 409,
}

/// <summary>A refusal.</summary>
/// <param name="Kind">The kind (its value is the code).</param>
/// <param name="Title">A short description, e.g. <c>Group not found</c>.</param>
/// <param name="Detail">A longer description naming the field or value.</param>
/// <param name="Subject">The xid concerned.</param>
[GenerateSerializer, Immutable]
public sealed record EdgeRegistryFault(
    [property: Id(0)] EdgeRegistryErrorKind Kind,
    [property: Id(1)] string Title,
    [property: Id(2)] string? Detail = null,
    [property: Id(3)] string? Subject = null);

/// <summary>The outcome of an Edge Registry call: exactly one of <see cref="Output"/> and <see cref="Error"/> is set (deletes carry <see langword="true"/>).</summary>
/// <typeparam name="T">The output type.</typeparam>
/// <param name="Output">The output, on success.</param>
/// <param name="Error">The refusal, otherwise.</param>
[GenerateSerializer, Immutable]
public sealed record EdgeRegistryResult<T>([property: Id(0)] T? Output, [property: Id(1)] EdgeRegistryFault? Error = null)
{
    /// <summary>Whether the call succeeded.</summary>
    public bool Succeeded => Error is null;

    /// <summary>A refusal.</summary>
    /// <param name="fault">The refusal.</param>
    /// <returns>The result.</returns>
    public static EdgeRegistryResult<T> Fail(EdgeRegistryFault fault) => new(default, fault);
}
