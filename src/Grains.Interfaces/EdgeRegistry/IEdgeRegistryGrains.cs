namespace OrleansAio.GrainsInterfaces.EdgeRegistry;

/// <summary>
/// The Edge Registry for Orleans callers (edge-registry.md), with the public .NET SDK's core method names. A stateless worker
/// (key 0) over one grain per Group and per Resource. A <see langword="null"/> Group id means the configured default Group
/// (<c>EdgeRegistry:DefaultGroupId</c>). The schema, thing-description and thing-model extensions are core calls on the
/// Group types <c>schemagroups</c>, <c>thingdescriptiongroups</c>, <c>thingmodelgroups</c> (one store, §7.11).
/// </summary>
/// <remarks>Refusals come back in <see cref="EdgeRegistryResult{T}.Error"/>; an exception means storage failed. See <c>src/Grains/EdgeRegistry/README.md</c>.</remarks>
public interface IEdgeRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>Creates a Group, or updates it (epoch + 1) when it exists.</summary>
    /// <param name="groupType">The Group type.</param>
    /// <param name="groupId">The Group id.</param>
    /// <param name="attributes">The attributes.</param>
    /// <returns>The Group.</returns>
    Task<EdgeRegistryResult<EdgeGroup>> CreateGroupAsync(string groupType, string? groupId, EdgeGroupAttributes attributes);

    /// <summary>Reads a Group.</summary>
    /// <param name="groupType">The Group type.</param>
    /// <param name="groupId">The Group id.</param>
    /// <returns>The Group, or 404.</returns>
    Task<EdgeRegistryResult<EdgeGroup>> GetGroupAsync(string groupType, string? groupId);

    /// <summary>Lists the Group ids of a type, ordinally sorted.</summary>
    /// <param name="groupType">The Group type.</param>
    /// <returns>The ids.</returns>
    Task<EdgeRegistryResult<IReadOnlyList<string>>> ListGroupsAsync(string groupType);

    /// <summary>Deletes a Group with its Resources and Versions.</summary>
    /// <param name="groupType">The Group type.</param>
    /// <param name="groupId">The Group id.</param>
    /// <param name="expectedEpoch">The epoch the Group must have, if any (409 otherwise).</param>
    /// <returns><see langword="true"/>, or 404/409.</returns>
    Task<EdgeRegistryResult<bool>> DeleteGroupAsync(string groupType, string? groupId, ulong? expectedEpoch = null);

    /// <summary>Creates a Resource with its first Version; a missing Group is created. An existing Resource is a 409.</summary>
    /// <param name="resource">The Resource (a <see langword="null"/>-free identity; the Group id already resolved or empty for the default).</param>
    /// <param name="meta">The meta attributes.</param>
    /// <param name="extensions">Resource extensions.</param>
    /// <param name="defaultVersionId">The first Version's id; <see langword="null"/> = <c>"1"</c>.</param>
    /// <param name="defaultVersion">The first Version.</param>
    /// <returns>The Resource.</returns>
    Task<EdgeRegistryResult<EdgeResource>> CreateResourceAsync(
        EdgeResourceXId resource, EdgeResourceMetaAttributes meta, IReadOnlyDictionary<string, byte[]> extensions, string? defaultVersionId, EdgeVersionAttributes defaultVersion);

    /// <summary>Reads a Resource.</summary>
    /// <param name="resource">The Resource (empty Group id = default).</param>
    /// <returns>The Resource, or 404.</returns>
    Task<EdgeRegistryResult<EdgeResource>> GetResourceAsync(EdgeResourceXId resource);

    /// <summary>Lists Resources in a scope, ordinally sorted.</summary>
    /// <param name="scope">The Groups to cover.</param>
    /// <param name="resourceType">Only this Resource type.</param>
    /// <param name="label">Only Resources with this label.</param>
    /// <returns>The Resources, or 400 for an invalid scope.</returns>
    Task<EdgeRegistryResult<IReadOnlyList<EdgeResourceXId>>> ListResourcesAsync(EdgeGroupScope scope, string? resourceType = null, EdgeLabel? label = null);

    /// <summary>Deletes a Resource with its Versions.</summary>
    /// <param name="resource">The Resource.</param>
    /// <param name="expectedEpoch">The meta epoch the Resource must have, if any.</param>
    /// <returns><see langword="true"/>, or 404/409.</returns>
    Task<EdgeRegistryResult<bool>> DeleteResourceAsync(EdgeResourceXId resource, ulong? expectedEpoch = null);

    /// <summary>Adds a Version, which becomes the default; a missing Resource and Group are created.</summary>
    /// <param name="resource">The Resource.</param>
    /// <param name="resourceLabels">Labels merged into the Resource's (by key).</param>
    /// <param name="versionId">The Version id; <see langword="null"/> = server-assigned (the next decimal number).</param>
    /// <param name="version">The Version's attributes.</param>
    /// <returns>The Version, or 409 when an explicit id is taken by a different Version.</returns>
    Task<EdgeRegistryResult<EdgeVersion>> CreateVersionAsync(EdgeResourceXId resource, IReadOnlyList<EdgeLabel> resourceLabels, string? versionId, EdgeVersionAttributes version);

    /// <summary>Reads a Version.</summary>
    /// <param name="resource">The Resource.</param>
    /// <param name="versionId">The Version id; <see langword="null"/> = the default Version.</param>
    /// <returns>The Version, or 404.</returns>
    Task<EdgeRegistryResult<EdgeVersion>> GetVersionAsync(EdgeResourceXId resource, string? versionId);

    /// <summary>Lists Versions in a scope, by Resource and then creation order.</summary>
    /// <param name="scope">The Groups to cover.</param>
    /// <param name="resourceType">Only this Resource type.</param>
    /// <param name="resourceId">Only this Resource id.</param>
    /// <param name="documentHash">Only Versions whose document hash equals this (case-insensitive).</param>
    /// <param name="label">Only Versions with this label.</param>
    /// <returns>The Versions, or 400 for an invalid scope.</returns>
    Task<EdgeRegistryResult<IReadOnlyList<EdgeVersionXId>>> ListVersionsAsync(
        EdgeGroupScope scope, string? resourceType = null, string? resourceId = null, string? documentHash = null, EdgeLabel? label = null);

    /// <summary>Deletes a Version; deleting the last one deletes the Resource.</summary>
    /// <param name="resource">The Resource.</param>
    /// <param name="versionId">The Version id.</param>
    /// <param name="expectedEpoch">The epoch the Version must have, if any.</param>
    /// <returns><see langword="true"/>, or 404/409.</returns>
    Task<EdgeRegistryResult<bool>> DeleteVersionAsync(EdgeResourceXId resource, string versionId, ulong? expectedEpoch = null);

    /// <summary>
    /// Makes a schema put through the schema registry visible here: a Version of <c>schemagroups/{default}/schemas/{name}</c>
    /// with the content as its document, unless that Resource already holds a Version with the same document hash.
    /// </summary>
    /// <param name="name">The schema registry name (the content's SHA-256).</param>
    /// <param name="format">The schema's format.</param>
    /// <param name="content">The schema text.</param>
    /// <param name="labels">Labels (the schema's tags).</param>
    /// <returns>A task that completes when stored.</returns>
    Task MirrorSchemaAsync(string name, string format, string content, IReadOnlyList<EdgeLabel> labels);
}

/// <summary>One Group: its attributes, epoch and the Resources it holds. Key: <c>{groupType}/{groupId}</c>.</summary>
public interface IEdgeRegistryGroupGrain : IGrainWithStringKey
{
    /// <summary>Creates or updates the Group.</summary>
    /// <param name="attributes">The attributes.</param>
    /// <returns>The Group.</returns>
    Task<EdgeGroup> CreateAsync(EdgeGroupAttributes attributes);

    /// <summary>Creates the Group without attributes if it does not exist.</summary>
    /// <returns>A task that completes when stored.</returns>
    Task EnsureAsync();

    /// <summary>Reads the Group.</summary>
    /// <returns>The Group, or <see langword="null"/>.</returns>
    Task<EdgeGroup?> GetAsync();

    /// <summary>Records a Resource of the Group (creating the Group if needed).</summary>
    /// <param name="resourceType">The Resource type.</param>
    /// <param name="resourceId">The Resource id.</param>
    /// <returns>A task that completes when stored.</returns>
    Task AddResourceAsync(string resourceType, string resourceId);

    /// <summary>Forgets a Resource of the Group.</summary>
    /// <param name="resourceType">The Resource type.</param>
    /// <param name="resourceId">The Resource id.</param>
    /// <returns>A task that completes when stored.</returns>
    Task RemoveResourceAsync(string resourceType, string resourceId);

    /// <summary>The Resources of the Group, ordinally sorted by type and id.</summary>
    /// <returns>(type, id) pairs; empty when the Group does not exist.</returns>
    Task<IReadOnlyList<(string ResourceType, string ResourceId)>> GetResourcesAsync();

    /// <summary>Deletes the Group and every Resource it holds.</summary>
    /// <param name="expectedEpoch">The epoch it must have, if any.</param>
    /// <returns><see langword="null"/> when deleted, else the refusal.</returns>
    Task<EdgeRegistryFault?> DeleteAsync(ulong? expectedEpoch);
}

/// <summary>One Resource: meta, extensions and every Version. Key: <c>{groupType}/{groupId}/{resourceType}/{resourceId}</c>.</summary>
public interface IEdgeRegistryResourceGrain : IGrainWithStringKey
{
    /// <summary>Creates the Resource with its first Version (409 when it exists).</summary>
    /// <param name="meta">The meta attributes.</param>
    /// <param name="extensions">Resource extensions.</param>
    /// <param name="defaultVersionId">The first Version's id; <see langword="null"/> = server-assigned.</param>
    /// <param name="defaultVersion">The first Version.</param>
    /// <returns>The Resource.</returns>
    Task<EdgeRegistryResult<EdgeResource>> CreateAsync(EdgeResourceMetaAttributes meta, IReadOnlyDictionary<string, byte[]> extensions, string? defaultVersionId, EdgeVersionAttributes defaultVersion);

    /// <summary>Adds a Version (creating the Resource when absent).</summary>
    /// <param name="resourceLabels">Labels merged into the Resource's.</param>
    /// <param name="versionId">The Version id; <see langword="null"/> = server-assigned.</param>
    /// <param name="version">The attributes.</param>
    /// <param name="skipIfDocumentHash">When set and a Version with this document hash exists, return it instead of adding one.</param>
    /// <returns>The Version.</returns>
    Task<EdgeRegistryResult<EdgeVersion>> CreateVersionAsync(IReadOnlyList<EdgeLabel> resourceLabels, string? versionId, EdgeVersionAttributes version, string? skipIfDocumentHash = null);

    /// <summary>Reads the Resource.</summary>
    /// <returns>The Resource, or <see langword="null"/>.</returns>
    Task<EdgeResource?> GetAsync();

    /// <summary>Reads a Version.</summary>
    /// <param name="versionId">The id; <see langword="null"/> = default.</param>
    /// <returns>The Version, or <see langword="null"/>.</returns>
    Task<EdgeVersion?> GetVersionAsync(string? versionId);

    /// <summary>Every Version, in creation order.</summary>
    /// <returns>The Versions; empty when the Resource does not exist.</returns>
    Task<IReadOnlyList<EdgeVersion>> GetVersionsAsync();

    /// <summary>Deletes a Version; the last one takes the Resource with it.</summary>
    /// <param name="versionId">The id.</param>
    /// <param name="expectedEpoch">The epoch it must have, if any.</param>
    /// <returns>The refusal, or <see langword="null"/>; and whether the Resource is gone.</returns>
    Task<(EdgeRegistryFault? Fault, bool ResourceDeleted)> DeleteVersionAsync(string versionId, ulong? expectedEpoch);

    /// <summary>Deletes the Resource and forgets it in its Group.</summary>
    /// <param name="expectedEpoch">The meta epoch it must have, if any.</param>
    /// <returns>The refusal, or <see langword="null"/>.</returns>
    Task<EdgeRegistryFault?> DeleteAsync(ulong? expectedEpoch);

    /// <summary>Deletes the Resource without telling its Group (the Group's own cascading delete calls it).</summary>
    /// <returns>A task that completes when stored.</returns>
    Task ClearAsync();
}

/// <summary>The ids of the Groups of one type (key: the Group type); the grain with key <c>/</c> holds the Group types themselves.</summary>
public interface IEdgeRegistryGroupTypeGrain : IGrainWithStringKey
{
    /// <summary>Records a Group id.</summary>
    /// <param name="groupId">The id.</param>
    /// <returns>A task that completes when stored.</returns>
    Task AddAsync(string groupId);

    /// <summary>Forgets a Group id.</summary>
    /// <param name="groupId">The id.</param>
    /// <returns>A task that completes when stored.</returns>
    Task RemoveAsync(string groupId);

    /// <summary>The Group ids, ordinally sorted.</summary>
    /// <returns>The ids.</returns>
    Task<IReadOnlyList<string>> ListAsync();
}
