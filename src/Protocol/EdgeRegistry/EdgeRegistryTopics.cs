namespace OrleansAio.Protocol.EdgeRegistry;

/// <summary>The three Edge Registry extensions (edge-registry.md §6), each a fixed Group and Resource type over the core store.</summary>
public enum EdgeRegistryExtension
{
    /// <summary>Schemas: <c>schemagroups</c> / <c>schemas</c>.</summary>
    Schema,

    /// <summary>Thing Descriptions: <c>thingdescriptiongroups</c> / <c>thingdescriptions</c>.</summary>
    ThingDescription,

    /// <summary>Thing Models: <c>thingmodelgroups</c> / <c>thingmodels</c>.</summary>
    ThingModel,
}

/// <summary>The topics and fixed names of the Edge Registry (edge-registry.md §1.2).</summary>
public static class EdgeRegistryTopics
{
    /// <summary>The topic prefix.</summary>
    public const string Prefix = "aio/registry";

    /// <summary>createGroup: <c>aio/registry/create/{groupType}/group</c>.</summary>
    public const string CreateGroup = Prefix + "/create/{groupType}/group";

    /// <summary>getGroup.</summary>
    public const string GetGroup = Prefix + "/get/{groupType}/group";

    /// <summary>listGroups.</summary>
    public const string ListGroups = Prefix + "/list/{groupType}";

    /// <summary>deleteGroup.</summary>
    public const string DeleteGroup = Prefix + "/delete/{groupType}/group";

    /// <summary>createResource.</summary>
    public const string CreateResource = Prefix + "/create/{groupType}/{resourceType}/{resourceId}";

    /// <summary>getResource.</summary>
    public const string GetResource = Prefix + "/get/{groupType}/{resourceType}/{resourceId}";

    /// <summary>listResources.</summary>
    public const string ListResources = Prefix + "/listResources";

    /// <summary>deleteResource.</summary>
    public const string DeleteResource = Prefix + "/delete/{groupType}/{resourceType}/{resourceId}";

    /// <summary>createVersion.</summary>
    public const string CreateVersion = Prefix + "/create/{groupType}/{resourceType}/{resourceId}/versions/version";

    /// <summary>getVersion.</summary>
    public const string GetVersion = Prefix + "/get/{groupType}/{resourceType}/{resourceId}/versions/version";

    /// <summary>listVersions.</summary>
    public const string ListVersions = Prefix + "/listVersions";

    /// <summary>deleteVersion.</summary>
    public const string DeleteVersion = Prefix + "/delete/{groupType}/{resourceType}/{resourceId}/versions/{versionId}";

    /// <summary>The Group type of <paramref name="extension"/>.</summary>
    /// <param name="extension">The extension.</param>
    /// <returns><c>schemagroups</c>, <c>thingdescriptiongroups</c> or <c>thingmodelgroups</c>.</returns>
    public static string GroupTypeOf(EdgeRegistryExtension extension) => extension switch
    {
        EdgeRegistryExtension.Schema => "schemagroups",
        EdgeRegistryExtension.ThingDescription => "thingdescriptiongroups",
        EdgeRegistryExtension.ThingModel => "thingmodelgroups",
        _ => throw new ArgumentOutOfRangeException(nameof(extension), extension, "unknown extension"),
    };

    /// <summary>The Resource type of <paramref name="extension"/>.</summary>
    /// <param name="extension">The extension.</param>
    /// <returns><c>schemas</c>, <c>thingdescriptions</c> or <c>thingmodels</c>.</returns>
    public static string ResourceTypeOf(EdgeRegistryExtension extension) => extension switch
    {
        EdgeRegistryExtension.Schema => "schemas",
        EdgeRegistryExtension.ThingDescription => "thingdescriptions",
        EdgeRegistryExtension.ThingModel => "thingmodels",
        _ => throw new ArgumentOutOfRangeException(nameof(extension), extension, "unknown extension"),
    };

    /// <summary>The topic word of <paramref name="extension"/>: <c>schemaExtension</c>, <c>thingDescriptionExtension</c>, <c>thingModelExtension</c>.</summary>
    /// <param name="extension">The extension.</param>
    /// <returns>The word.</returns>
    public static string ExtensionWordOf(EdgeRegistryExtension extension) => extension switch
    {
        EdgeRegistryExtension.Schema => "schemaExtension",
        EdgeRegistryExtension.ThingDescription => "thingDescriptionExtension",
        EdgeRegistryExtension.ThingModel => "thingModelExtension",
        _ => throw new ArgumentOutOfRangeException(nameof(extension), extension, "unknown extension"),
    };

    /// <summary>The create/get topic pattern of an extension (<c>{resourceId}</c> token).</summary>
    /// <param name="extension">The extension.</param>
    /// <param name="verb"><c>create</c> or <c>get</c>.</param>
    /// <returns>The pattern.</returns>
    public static string ExtensionVersionTopic(EdgeRegistryExtension extension, string verb) =>
        $"{Prefix}/{ExtensionWordOf(extension)}/{verb}/{GroupTypeOf(extension)}/{ResourceTypeOf(extension)}/{{resourceId}}/versions/version";

    /// <summary>The delete topic pattern of an extension (<c>{resourceId}</c> and <c>{versionId}</c> tokens).</summary>
    /// <param name="extension">The extension.</param>
    /// <returns>The pattern.</returns>
    public static string ExtensionDeleteTopic(EdgeRegistryExtension extension) =>
        $"{Prefix}/{ExtensionWordOf(extension)}/delete/{GroupTypeOf(extension)}/{ResourceTypeOf(extension)}/{{resourceId}}/versions/{{versionId}}";

    /// <summary>The list topic of an extension.</summary>
    /// <param name="extension">The extension.</param>
    /// <returns>The topic.</returns>
    public static string ExtensionListTopic(EdgeRegistryExtension extension) => $"{Prefix}/{ExtensionWordOf(extension)}/listVersions";

    /// <summary>The extension whose Group type is <paramref name="groupType"/>, if any.</summary>
    /// <param name="groupType">The Group type.</param>
    /// <returns>The extension, or <see langword="null"/>.</returns>
    public static EdgeRegistryExtension? ExtensionOfGroupType(string? groupType) => groupType switch
    {
        "schemagroups" => EdgeRegistryExtension.Schema,
        "thingdescriptiongroups" => EdgeRegistryExtension.ThingDescription,
        "thingmodelgroups" => EdgeRegistryExtension.ThingModel,
        _ => null,
    };
}
