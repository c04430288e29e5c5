namespace OrleansAio.Protocol.EdgeRegistry;

/// <summary>
/// A client of an AIO Edge Registry (edge-registry.md), with the public .NET SDK's method names; implemented over MQTT by
/// <see cref="EdgeRegistryClient"/> and over grains by the cluster's <c>ClusterEdgeRegistryClient</c>. A <see langword="null"/>
/// Group id means the registry's default Group. Service errors raise <see cref="EdgeRegistryErrorException"/>.
/// </summary>
public interface IEdgeRegistryClient : IAsyncDisposable
{
    /// <summary>Creates or updates a Group (createGroup).</summary>
    /// <param name="groupType">The Group type (a topic level).</param>
    /// <param name="groupId">The Group id; <see langword="null"/> = default Group.</param>
    /// <param name="attributes">The attributes.</param>
    /// <param name="timeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The Group.</returns>
    Task<Group> CreateGroupAsync(string groupType, string? groupId, GroupAttributes attributes, TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>Reads a Group (getGroup).</summary>
    /// <param name="groupType">The Group type.</param>
    /// <param name="groupId">The Group id; <see langword="null"/> = default Group.</param>
    /// <param name="timeout">The timeout.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The Group.</returns>
    Task<Group> GetGroupAsync(string groupType, string? groupId, TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>Lists the ids of every Group of a type (listGroups; the request has no payload).</summary>
    /// <param name="groupType">The Group type.</param>
    /// <param name="timeout">The timeout.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The Group ids.</returns>
    Task<IReadOnlyList<string>> ListGroupsAsync(string groupType, TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes a Group with its Resources and Versions (deleteGroup).</summary>
    /// <param name="groupType">The Group type.</param>
    /// <param name="groupId">The Group id; <see langword="null"/> = default Group.</param>
    /// <param name="options">The expected epoch; optional.</param>
    /// <param name="timeout">The timeout.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when deleted.</returns>
    Task DeleteGroupAsync(string groupType, string? groupId, DeleteOptions? options = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>Creates a Resource with its first Version (createResource); a missing Group is created.</summary>
    /// <param name="groupType">The Group type.</param>
    /// <param name="groupId">The Group id; <see langword="null"/> = default Group.</param>
    /// <param name="resourceType">The Resource type.</param>
    /// <param name="resourceId">The Resource id.</param>
    /// <param name="meta">The meta attributes.</param>
    /// <param name="resourceExtensions">Resource extensions.</param>
    /// <param name="defaultVersionId">The first Version's id; <see langword="null"/> = server-assigned.</param>
    /// <param name="defaultVersion">The first Version.</param>
    /// <param name="timeout">The timeout.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The Resource.</returns>
    Task<Resource> CreateResourceAsync(string groupType, string? groupId, string resourceType, string resourceId, ResourceMetaAttributes meta, IReadOnlyDictionary<string, byte[]> resourceExtensions, string? defaultVersionId, VersionAttributes defaultVersion, TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>Reads a Resource (getResource).</summary>
    /// <param name="groupType">The Group type.</param>
    /// <param name="groupId">The Group id.</param>
    /// <param name="resourceType">The Resource type.</param>
    /// <param name="resourceId">The Resource id.</param>
    /// <param name="timeout">The timeout.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The Resource.</returns>
    Task<Resource> GetResourceAsync(string groupType, string? groupId, string resourceType, string resourceId, TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>Lists Resources (listResources).</summary>
    /// <param name="request">Scope (<c>groupType</c>, <c>groupId</c>, <c>allGroups</c>) and filters.</param>
    /// <param name="timeout">The timeout.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The Resources' ids.</returns>
    Task<IReadOnlyList<ResourceXId>> ListResourcesAsync(ListResourcesRequest request, TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes a Resource with its Versions (deleteResource).</summary>
    /// <param name="groupType">The Group type.</param>
    /// <param name="groupId">The Group id.</param>
    /// <param name="resourceType">The Resource type.</param>
    /// <param name="resourceId">The Resource id.</param>
    /// <param name="options">The expected epoch; optional.</param>
    /// <param name="timeout">The timeout.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when deleted.</returns>
    Task DeleteResourceAsync(string groupType, string? groupId, string resourceType, string resourceId, DeleteOptions? options = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>Adds a Version, which becomes the default (createVersion); a missing Resource and Group are created.</summary>
    /// <param name="groupType">The Group type.</param>
    /// <param name="groupId">The Group id.</param>
    /// <param name="resourceType">The Resource type.</param>
    /// <param name="resourceId">The Resource id.</param>
    /// <param name="resourceLabels">Labels merged into the Resource's.</param>
    /// <param name="versionId">The Version id; <see langword="null"/> = server-assigned.</param>
    /// <param name="version">The Version's attributes.</param>
    /// <param name="timeout">The timeout.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The Version.</returns>
    Task<CoreVersion> CreateVersionAsync(string groupType, string? groupId, string resourceType, string resourceId, IReadOnlyList<Label> resourceLabels, string? versionId, VersionAttributes version, TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>Reads a Version (getVersion); <see langword="null"/> <paramref name="versionId"/> = the default Version.</summary>
    /// <param name="groupType">The Group type.</param>
    /// <param name="groupId">The Group id.</param>
    /// <param name="resourceType">The Resource type.</param>
    /// <param name="resourceId">The Resource id.</param>
    /// <param name="versionId">The Version id.</param>
    /// <param name="timeout">The timeout.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The Version.</returns>
    Task<CoreVersion> GetVersionAsync(string groupType, string? groupId, string resourceType, string resourceId, string? versionId, TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>Lists Versions (listVersions).</summary>
    /// <param name="request">Scope and filters.</param>
    /// <param name="timeout">The timeout.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The Versions' ids.</returns>
    Task<IReadOnlyList<VersionXId>> ListVersionsAsync(ListVersionsRequest request, TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes a Version (deleteVersion); deleting the last one deletes the Resource.</summary>
    /// <param name="groupType">The Group type.</param>
    /// <param name="groupId">The Group id.</param>
    /// <param name="resourceType">The Resource type.</param>
    /// <param name="resourceId">The Resource id.</param>
    /// <param name="versionId">The Version id.</param>
    /// <param name="options">The expected epoch; optional.</param>
    /// <param name="timeout">The timeout.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when deleted.</returns>
    Task DeleteVersionAsync(string groupType, string? groupId, string resourceType, string resourceId, string versionId, DeleteOptions? options = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>Adds a Version of an extension (Schema, Thing Description, Thing Model).</summary>
    /// <param name="extension">The extension.</param>
    /// <param name="groupId">The Group id; <see langword="null"/> = default Group.</param>
    /// <param name="resourceId">The schema, thing-description or thing-model id.</param>
    /// <param name="parentLabels">Labels merged into the parent Resource's.</param>
    /// <param name="version">The Version's attributes.</param>
    /// <param name="timeout">The timeout.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The Version.</returns>
    Task<ExtensionVersion> CreateExtensionVersionAsync(EdgeRegistryExtension extension, string? groupId, string resourceId, IReadOnlyList<Label> parentLabels, ExtensionVersionAttributes version, TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>Reads a Version of an extension; <see langword="null"/> <paramref name="versionId"/> = the default.</summary>
    /// <param name="extension">The extension.</param>
    /// <param name="groupId">The Group id.</param>
    /// <param name="resourceId">The Resource id.</param>
    /// <param name="versionId">The Version id.</param>
    /// <param name="timeout">The timeout.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The Version.</returns>
    Task<ExtensionVersion> GetExtensionVersionAsync(EdgeRegistryExtension extension, string? groupId, string resourceId, ulong? versionId, TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>Lists Versions of an extension.</summary>
    /// <param name="extension">The extension.</param>
    /// <param name="groupId">The Group id (ignored with <paramref name="allGroups"/>).</param>
    /// <param name="allGroups">Whether to list every Group of the extension.</param>
    /// <param name="resourceId">Only this Resource.</param>
    /// <param name="documentHash">Only Versions whose document has this hash.</param>
    /// <param name="label">Only Versions with this label.</param>
    /// <param name="timeout">The timeout.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The Versions' ids.</returns>
    Task<IReadOnlyList<ExtensionVersionXId>> ListExtensionVersionsAsync(EdgeRegistryExtension extension, string? groupId, bool allGroups = false, string? resourceId = null, string? documentHash = null, Label? label = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes a Version of an extension.</summary>
    /// <param name="extension">The extension.</param>
    /// <param name="groupId">The Group id.</param>
    /// <param name="resourceId">The Resource id.</param>
    /// <param name="versionId">The Version id.</param>
    /// <param name="options">The expected epoch; optional.</param>
    /// <param name="timeout">The timeout.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when deleted.</returns>
    Task DeleteExtensionVersionAsync(EdgeRegistryExtension extension, string? groupId, string resourceId, ulong versionId, DeleteOptions? options = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default);
}

/// <summary>The Schema extension's methods (the public SDK's <c>ISchemaRegistryClient</c> of the Edge Registry).</summary>
public static class EdgeRegistrySchemaExtensions
{
    /// <summary>Adds a Schema Version (createSchemaVersion); the id is a server-assigned integer.</summary>
    /// <param name="client">The client.</param>
    /// <param name="groupId">The schema Group id; <see langword="null"/> = default Group.</param>
    /// <param name="schemaId">The schema id.</param>
    /// <param name="schemaLabels">Labels merged into the schema's.</param>
    /// <param name="version">The Version's attributes.</param>
    /// <param name="timeout">The timeout.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The Version.</returns>
    public static Task<ExtensionVersion> CreateSchemaVersionAsync(this IEdgeRegistryClient client, string? groupId, string schemaId, IReadOnlyList<Label> schemaLabels, ExtensionVersionAttributes version, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        client.CreateExtensionVersionAsync(EdgeRegistryExtension.Schema, groupId, schemaId, schemaLabels, version, timeout, cancellationToken);

    /// <summary>Reads a Schema Version; <see langword="null"/> <paramref name="versionId"/> = the default.</summary>
    /// <param name="client">The client.</param>
    /// <param name="groupId">The Group id.</param>
    /// <param name="schemaId">The schema id.</param>
    /// <param name="versionId">The Version id.</param>
    /// <param name="timeout">The timeout.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The Version.</returns>
    public static Task<ExtensionVersion> GetSchemaVersionAsync(this IEdgeRegistryClient client, string? groupId, string schemaId, ulong? versionId, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        client.GetExtensionVersionAsync(EdgeRegistryExtension.Schema, groupId, schemaId, versionId, timeout, cancellationToken);

    /// <summary>Lists Schema Versions.</summary>
    /// <param name="client">The client.</param>
    /// <param name="groupId">The Group id (ignored with <paramref name="allGroups"/>).</param>
    /// <param name="allGroups">Whether to list every schema Group.</param>
    /// <param name="schemaId">Only this schema.</param>
    /// <param name="documentHash">Only Versions whose document has this hash.</param>
    /// <param name="label">Only Versions with this label.</param>
    /// <param name="timeout">The timeout.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The Versions' ids.</returns>
    public static Task<IReadOnlyList<ExtensionVersionXId>> ListSchemaVersionsAsync(
        this IEdgeRegistryClient client, string? groupId, bool allGroups = false, string? schemaId = null, string? documentHash = null, Label? label = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        client.ListExtensionVersionsAsync(EdgeRegistryExtension.Schema, groupId, allGroups, schemaId, documentHash, label, timeout, cancellationToken);

    /// <summary>Deletes a Schema Version.</summary>
    /// <param name="client">The client.</param>
    /// <param name="groupId">The Group id.</param>
    /// <param name="schemaId">The schema id.</param>
    /// <param name="versionId">The Version id.</param>
    /// <param name="options">The expected epoch; optional.</param>
    /// <param name="timeout">The timeout.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when deleted.</returns>
    public static Task DeleteSchemaVersionAsync(this IEdgeRegistryClient client, string? groupId, string schemaId, ulong versionId, DeleteOptions? options = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        client.DeleteExtensionVersionAsync(EdgeRegistryExtension.Schema, groupId, schemaId, versionId, options, timeout, cancellationToken);
}
