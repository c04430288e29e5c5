using System.Text.Json.Serialization;

namespace OrleansAio.Protocol.EdgeRegistry;

/// <summary>The request of getGroup, getResource: the Group id (absent = the default Group).</summary>
public sealed record GroupIdRequest
{
    /// <summary>The Group id.</summary>
    [JsonPropertyName("groupId")]
    public string? GroupId { get; init; }
}

/// <summary>The request of getVersion: Group id and Version id (absent = the default Version).</summary>
public sealed record GetVersionRequest
{
    /// <summary>The Group id.</summary>
    [JsonPropertyName("groupId")]
    public string? GroupId { get; init; }

    /// <summary>The Version id.</summary>
    [JsonPropertyName("versionId")]
    public string? VersionId { get; init; }
}

/// <summary>The request of get{Schema,ThingDescription,ThingModel}Version: the Version id is an integer.</summary>
public sealed record GetExtensionVersionRequest
{
    /// <summary>The Group id.</summary>
    [JsonPropertyName("groupId")]
    public string? GroupId { get; init; }

    /// <summary>The Version id (absent = the default Version).</summary>
    [JsonPropertyName("versionId")]
    public ulong? VersionId { get; init; }
}

/// <summary>The request of every delete (edge-registry.md §4 <c>DeleteRequestPayload</c>).</summary>
public sealed record DeleteRequest
{
    /// <summary>The Group id.</summary>
    [JsonPropertyName("groupId")]
    public string? GroupId { get; init; }

    /// <summary>The options (always sent; <c>{}</c> for none).</summary>
    [JsonPropertyName("options")]
    public DeleteOptions Options { get; init; } = DeleteOptions.Default;
}

/// <summary>The request of createResource.</summary>
public sealed record CreateResourceRequest
{
    /// <summary>The Group id.</summary>
    [JsonPropertyName("groupId")]
    public string? GroupId { get; init; }

    /// <summary>The meta attributes.</summary>
    [JsonPropertyName("meta")]
    public ResourceMetaAttributes Meta { get; init; } = new();

    /// <summary>The first (default) Version.</summary>
    [JsonPropertyName("defaultVersion")]
    public VersionAttributes DefaultVersion { get; init; } = new();

    /// <summary>The first Version's id; absent = server-assigned (<c>"1"</c>).</summary>
    [JsonPropertyName("defaultVersionId")]
    public string? DefaultVersionId { get; init; }

    /// <summary>Resource extensions.</summary>
    [JsonPropertyName("extensions")]
    public IReadOnlyDictionary<string, byte[]> Extensions { get; init; } = new Dictionary<string, byte[]>();
}

/// <summary>The request of createVersion.</summary>
public sealed record CreateVersionRequest
{
    /// <summary>The Group id.</summary>
    [JsonPropertyName("groupId")]
    public string? GroupId { get; init; }

    /// <summary>The Version id; absent = server-assigned.</summary>
    [JsonPropertyName("versionId")]
    public string? VersionId { get; init; }

    /// <summary>The Version's attributes.</summary>
    [JsonPropertyName("version")]
    public VersionAttributes Version { get; init; } = new();

    /// <summary>Labels added to the Resource (merged by key).</summary>
    [JsonPropertyName("resourceLabels")]
    public IReadOnlyList<Label> ResourceLabels { get; init; } = [];
}

/// <summary>
/// The request of create{Schema,ThingDescription,ThingModel}Version (edge-registry.md §6): the Version's attributes flattened,
/// plus the parent Resource's labels under the extension's own name (<c>schemaLabels</c>, <c>thingDescriptionLabels</c> or
/// <c>thingModelLabels</c>; the other two stay absent).
/// </summary>
public sealed record CreateExtensionVersionRequest
{
    /// <summary>The Group id.</summary>
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

    /// <summary>Version labels.</summary>
    [JsonPropertyName("labels")]
    public IReadOnlyList<Label>? Labels { get; init; }

    /// <summary>The ancestor Version id.</summary>
    [JsonPropertyName("ancestor")]
    public ulong? Ancestor { get; init; }

    /// <summary>The content type.</summary>
    [JsonPropertyName("contentType")]
    public string? ContentType { get; init; }

    /// <summary>The format (required).</summary>
    [JsonPropertyName("format")]
    public string? Format { get; init; }

    /// <summary>The document (required).</summary>
    [JsonPropertyName("document")]
    public byte[]? Document { get; init; }

    /// <summary>Extensions.</summary>
    [JsonPropertyName("extensions")]
    public IReadOnlyDictionary<string, byte[]>? Extensions { get; init; }

    /// <summary>Parent labels of the schema extension.</summary>
    [JsonPropertyName("schemaLabels")]
    public IReadOnlyList<Label>? SchemaLabels { get; init; }

    /// <summary>Parent labels of the thing-description extension.</summary>
    [JsonPropertyName("thingDescriptionLabels")]
    public IReadOnlyList<Label>? ThingDescriptionLabels { get; init; }

    /// <summary>Parent labels of the thing-model extension.</summary>
    [JsonPropertyName("thingModelLabels")]
    public IReadOnlyList<Label>? ThingModelLabels { get; init; }

    /// <summary>Builds the request of <paramref name="extension"/>.</summary>
    /// <param name="extension">The extension.</param>
    /// <param name="groupId">The Group id (absent = default).</param>
    /// <param name="parentLabels">The parent Resource's labels.</param>
    /// <param name="version">The Version's attributes.</param>
    /// <returns>The request.</returns>
    public static CreateExtensionVersionRequest For(EdgeRegistryExtension extension, string? groupId, IReadOnlyList<Label> parentLabels, ExtensionVersionAttributes version)
    {
        ArgumentNullException.ThrowIfNull(version);
        var request = new CreateExtensionVersionRequest
        {
            GroupId = groupId,
            Name = version.Name,
            Description = version.Description,
            Documentation = version.Documentation,
            Icon = version.Icon,
            Labels = version.Labels,
            Ancestor = version.Ancestor,
            ContentType = version.ContentType,
            Format = version.Format,
            Document = version.Document,
            Extensions = version.Extensions,
        };
        return extension switch
        {
            EdgeRegistryExtension.Schema => request with { SchemaLabels = parentLabels },
            EdgeRegistryExtension.ThingDescription => request with { ThingDescriptionLabels = parentLabels },
            EdgeRegistryExtension.ThingModel => request with { ThingModelLabels = parentLabels },
            _ => throw new ArgumentOutOfRangeException(nameof(extension), extension, "unknown extension"),
        };
    }

    /// <summary>The parent labels sent for <paramref name="extension"/>.</summary>
    /// <param name="extension">The extension.</param>
    /// <returns>The labels, or <see langword="null"/> when absent.</returns>
    public IReadOnlyList<Label>? ParentLabelsOf(EdgeRegistryExtension extension) => extension switch
    {
        EdgeRegistryExtension.Schema => SchemaLabels,
        EdgeRegistryExtension.ThingDescription => ThingDescriptionLabels,
        _ => ThingModelLabels,
    };
}

/// <summary>The request of listResources (edge-registry.md §5.2).</summary>
public sealed record ListResourcesRequest
{
    /// <summary>The Group type; absent = every type.</summary>
    [JsonPropertyName("groupType")]
    public string? GroupType { get; init; }

    /// <summary>The Group id; absent = the default Group (or every Group with <see cref="AllGroups"/>).</summary>
    [JsonPropertyName("groupId")]
    public string? GroupId { get; init; }

    /// <summary>Whether to list every Group (of <see cref="GroupType"/>, when set).</summary>
    [JsonPropertyName("allGroups")]
    public bool AllGroups { get; init; }

    /// <summary>Only this Resource type.</summary>
    [JsonPropertyName("resourceType")]
    public string? ResourceType { get; init; }

    /// <summary>Only Resources with this label (key and value).</summary>
    [JsonPropertyName("label")]
    public Label? Label { get; init; }
}

/// <summary>The request of listVersions and list{Schema,ThingDescription,ThingModel}Versions.</summary>
public sealed record ListVersionsRequest
{
    /// <summary>The Group type; absent = every type.</summary>
    [JsonPropertyName("groupType")]
    public string? GroupType { get; init; }

    /// <summary>The Group id.</summary>
    [JsonPropertyName("groupId")]
    public string? GroupId { get; init; }

    /// <summary>Whether to list every Group.</summary>
    [JsonPropertyName("allGroups")]
    public bool AllGroups { get; init; }

    /// <summary>Only this Resource type.</summary>
    [JsonPropertyName("resourceType")]
    public string? ResourceType { get; init; }

    /// <summary>Only this Resource.</summary>
    [JsonPropertyName("resourceId")]
    public string? ResourceId { get; init; }

    /// <summary>Only Versions whose document has this hash (case-insensitive).</summary>
    [JsonPropertyName("documentHash")]
    public string? DocumentHash { get; init; }

    /// <summary>Only Versions with this label.</summary>
    [JsonPropertyName("label")]
    public Label? Label { get; init; }
}

/// <summary>A create/get response: <c>_output</c> or <c>_error</c>.</summary>
/// <typeparam name="T">The entity type.</typeparam>
public sealed record EdgeRegistryResponse<T>
{
    /// <summary>The entity, on success.</summary>
    [JsonPropertyName("_output")]
    public T? Output { get; init; }

    /// <summary>The error, on failure.</summary>
    [JsonPropertyName("_error")]
    public EdgeRegistryError? Error { get; init; }
}

/// <summary>A delete response: <c>{}</c> or <c>_error</c>.</summary>
public sealed record EdgeRegistryDeleteResponse
{
    /// <summary>The error, on failure.</summary>
    [JsonPropertyName("_error")]
    public EdgeRegistryError? Error { get; init; }
}

/// <summary>The listGroups response: <c>{"ids":[…]}</c> (flattened, no <c>_output</c>) or <c>_error</c>.</summary>
public sealed record ListGroupsResponse
{
    /// <summary>The Group ids.</summary>
    [JsonPropertyName("ids")]
    public IReadOnlyList<string>? Ids { get; init; }

    /// <summary>The error, on failure.</summary>
    [JsonPropertyName("_error")]
    public EdgeRegistryError? Error { get; init; }
}

/// <summary>The <c>_output</c> of listResources.</summary>
/// <param name="Resources">The Resources found.</param>
public sealed record ResourceList([property: JsonPropertyName("resources")] IReadOnlyList<ResourceXId> Resources);

/// <summary>The <c>_output</c> of listVersions.</summary>
/// <param name="Versions">The Versions found.</param>
public sealed record VersionList([property: JsonPropertyName("versions")] IReadOnlyList<VersionXId> Versions);

/// <summary>The <c>_output</c> of list{Schema,ThingDescription,ThingModel}Versions.</summary>
/// <param name="Versions">The Versions found.</param>
public sealed record ExtensionVersionList([property: JsonPropertyName("versions")] IReadOnlyList<ExtensionVersionXId> Versions);
