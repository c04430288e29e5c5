using System.Globalization;
using OrleansAio.GrainsInterfaces.EdgeRegistry;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.EdgeRegistry;
using static OrleansAio.Client.EdgeRegistry.EdgeRegistryWireMapping;

namespace OrleansAio.Client.EdgeRegistry;

/// <summary>
/// The Edge Registry for Orleans client applications (and grains): the public SDK's <c>EdgeRegistryClient</c> method names and
/// wire models over <see cref="IEdgeRegistryGrain"/> calls. Same contract as the wire-level <see cref="EdgeRegistryClient"/>
/// (<see cref="IEdgeRegistryClient"/>), including the errors (<see cref="EdgeRegistryErrorException"/>); the silo's wire
/// endpoint serves every request through it, so both paths share one implementation of the extension rules.
/// </summary>
/// <remarks>
/// Extensions share the core store: Schema Version <c>n</c> is core Version <c>"n"</c>; extension commands see only Versions whose
/// id is a canonical decimal. The timeout bounds the wait for the grain call; a create that times out may still have been stored.
/// </remarks>
/// <param name="grainFactory">The cluster client or a grain's factory.</param>
/// <param name="defaultGroupId">The default Group id (the silo's <c>EdgeRegistry:DefaultGroupId</c>), used to report xids.</param>
public sealed class ClusterEdgeRegistryClient(IGrainFactory grainFactory, string defaultGroupId = "default") : IEdgeRegistryClient
{
    private readonly IGrainFactory grainFactory = grainFactory ?? throw new ArgumentNullException(nameof(grainFactory));
    private bool disposed;

    private IEdgeRegistryGrain Registry
    {
        get
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return grainFactory.GetGrain<IEdgeRegistryGrain>(0);
        }
    }

    /// <inheritdoc />
    public async Task<Group> CreateGroupAsync(string groupType, string? groupId, GroupAttributes attributes, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        ToWire(Output(await WaitAsync(Registry.CreateGroupAsync(groupType, groupId, ToGrain(attributes)), timeout, cancellationToken)));

    /// <inheritdoc />
    public async Task<Group> GetGroupAsync(string groupType, string? groupId, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        ToWire(Output(await WaitAsync(Registry.GetGroupAsync(groupType, groupId), timeout, cancellationToken)));

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> ListGroupsAsync(string groupType, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Output(await WaitAsync(Registry.ListGroupsAsync(groupType), timeout, cancellationToken));

    /// <inheritdoc />
    public async Task DeleteGroupAsync(string groupType, string? groupId, DeleteOptions? options = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Output(await WaitAsync(Registry.DeleteGroupAsync(groupType, groupId, options?.ExpectedEpoch), timeout, cancellationToken));

    /// <inheritdoc />
    public async Task<Resource> CreateResourceAsync(
        string groupType,
        string? groupId,
        string resourceType,
        string resourceId,
        ResourceMetaAttributes meta,
        IReadOnlyDictionary<string, byte[]> resourceExtensions,
        string? defaultVersionId,
        VersionAttributes defaultVersion,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default) =>
        ToWire(Output(await WaitAsync(
            Registry.CreateResourceAsync(Id(groupType, groupId, resourceType, resourceId), ToGrain(meta), Extensions(resourceExtensions), defaultVersionId, ToGrain(defaultVersion)), timeout, cancellationToken)));

    /// <inheritdoc />
    public async Task<Resource> GetResourceAsync(string groupType, string? groupId, string resourceType, string resourceId, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        ToWire(Output(await WaitAsync(Registry.GetResourceAsync(Id(groupType, groupId, resourceType, resourceId)), timeout, cancellationToken)));

    /// <inheritdoc />
    public async Task<IReadOnlyList<ResourceXId>> ListResourcesAsync(ListResourcesRequest request, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        request ??= new ListResourcesRequest();
        var found = Output(await WaitAsync(Registry.ListResourcesAsync(new EdgeGroupScope(request.GroupType, request.GroupId, request.AllGroups), request.ResourceType, ToGrain(request.Label)), timeout, cancellationToken));
        return [.. found.Select(x => new ResourceXId(x.GroupType, x.GroupId, x.ResourceType, x.ResourceId))];
    }

    /// <inheritdoc />
    public async Task DeleteResourceAsync(string groupType, string? groupId, string resourceType, string resourceId, DeleteOptions? options = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Output(await WaitAsync(Registry.DeleteResourceAsync(Id(groupType, groupId, resourceType, resourceId), options?.ExpectedEpoch), timeout, cancellationToken));

    /// <inheritdoc />
    public async Task<CoreVersion> CreateVersionAsync(
        string groupType,
        string? groupId,
        string resourceType,
        string resourceId,
        IReadOnlyList<Label> resourceLabels,
        string? versionId,
        VersionAttributes version,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        var id = Id(groupType, groupId, resourceType, resourceId);
        return ToWire(Resolved(id), Output(await WaitAsync(Registry.CreateVersionAsync(id, ToGrain(resourceLabels), versionId, ToGrain(version)), timeout, cancellationToken)));
    }

    /// <inheritdoc />
    public async Task<CoreVersion> GetVersionAsync(string groupType, string? groupId, string resourceType, string resourceId, string? versionId, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var id = Id(groupType, groupId, resourceType, resourceId);
        return ToWire(Resolved(id), Output(await WaitAsync(Registry.GetVersionAsync(id, versionId), timeout, cancellationToken)));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<VersionXId>> ListVersionsAsync(ListVersionsRequest request, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        request ??= new ListVersionsRequest();
        var found = Output(await WaitAsync(
            Registry.ListVersionsAsync(new EdgeGroupScope(request.GroupType, request.GroupId, request.AllGroups), request.ResourceType, request.ResourceId, request.DocumentHash, ToGrain(request.Label)),
            timeout,
            cancellationToken));
        return [.. found.Select(x => new VersionXId(x.Resource.GroupType, x.Resource.GroupId, x.Resource.ResourceType, x.Resource.ResourceId, x.VersionId))];
    }

    /// <inheritdoc />
    public async Task DeleteVersionAsync(string groupType, string? groupId, string resourceType, string resourceId, string versionId, DeleteOptions? options = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Output(await WaitAsync(Registry.DeleteVersionAsync(Id(groupType, groupId, resourceType, resourceId), versionId, options?.ExpectedEpoch), timeout, cancellationToken));

    /// <inheritdoc />
    public async Task<ExtensionVersion> CreateExtensionVersionAsync(
        EdgeRegistryExtension extension, string? groupId, string resourceId, IReadOnlyList<Label> parentLabels, ExtensionVersionAttributes version, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (version is null || string.IsNullOrEmpty(version.Format))
        {
            throw new EdgeRegistryErrorException(BadRequest("Invalid request", "'format' is required"));
        }

        if (version.Document is null)
        {
            throw new EdgeRegistryErrorException(BadRequest("Invalid request", "'document' is required (base64)"));
        }

        var id = ExtensionId(extension, groupId, resourceId);
        var attributes = new EdgeVersionAttributes(
            version.Name, version.Description, version.Documentation, version.Icon, ToGrain(version.Labels), version.Ancestor?.ToString(CultureInfo.InvariantCulture),
            version.ContentType, version.Format, version.Document, Extensions(version.Extensions));
        var created = Output(await WaitAsync(Registry.CreateVersionAsync(id, ToGrain(parentLabels), null, attributes), timeout, cancellationToken));
        return TryParseExtensionId(created.VersionId, out var number)
            ? ToExtensionWire(Resolved(id), created, number)
            : throw new EdgeRegistryErrorException(ToWire(new EdgeRegistryFault(EdgeRegistryErrorKind.Conflict, "Version id is not numeric", $"The server-assigned id '{created.VersionId}' is not an integer")));
    }

    /// <inheritdoc />
    public async Task<ExtensionVersion> GetExtensionVersionAsync(
        EdgeRegistryExtension extension, string? groupId, string resourceId, ulong? versionId, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var id = ExtensionId(extension, groupId, resourceId);
        var result = await WaitAsync(Registry.GetVersionAsync(id, versionId?.ToString(CultureInfo.InvariantCulture)), timeout, cancellationToken);
        if (result.Output is { } found && TryParseExtensionId(found.VersionId, out var number))
        {
            return ToExtensionWire(Resolved(id), found, number);
        }

        var title = extension switch
        {
            EdgeRegistryExtension.Schema => "Schema Version not found",
            EdgeRegistryExtension.ThingDescription => "Thing Description Version not found",
            _ => "Thing Model Version not found",
        };
        throw new EdgeRegistryErrorException(ToWire(result.Error is { Kind: not EdgeRegistryErrorKind.NotFound } other ? other : new EdgeRegistryFault(EdgeRegistryErrorKind.NotFound, title, result.Error?.Detail)));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ExtensionVersionXId>> ListExtensionVersionsAsync(
        EdgeRegistryExtension extension,
        string? groupId,
        bool allGroups = false,
        string? resourceId = null,
        string? documentHash = null,
        Label? label = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        var scope = new EdgeGroupScope(EdgeRegistryTopics.GroupTypeOf(extension), allGroups ? null : groupId, allGroups);
        var found = Output(await WaitAsync(Registry.ListVersionsAsync(scope, EdgeRegistryTopics.ResourceTypeOf(extension), resourceId, documentHash, ToGrain(label)), timeout, cancellationToken));
        var versions = new List<ExtensionVersionXId>();
        foreach (var x in found)
        {
            if (TryParseExtensionId(x.VersionId, out var number))
            {
                versions.Add(new ExtensionVersionXId(x.Resource.GroupType, x.Resource.GroupId, x.Resource.ResourceType, x.Resource.ResourceId, number));
            }
        }

        return versions;
    }

    /// <inheritdoc />
    public async Task DeleteExtensionVersionAsync(
        EdgeRegistryExtension extension, string? groupId, string resourceId, ulong versionId, DeleteOptions? options = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Output(await WaitAsync(Registry.DeleteVersionAsync(ExtensionId(extension, groupId, resourceId), versionId.ToString(CultureInfo.InvariantCulture), options?.ExpectedEpoch), timeout, cancellationToken));

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        disposed = true;
        return ValueTask.CompletedTask;
    }

    private static EdgeResourceXId Id(string groupType, string? groupId, string resourceType, string resourceId) => new(groupType, groupId ?? string.Empty, resourceType, resourceId);

    private static EdgeResourceXId ExtensionId(EdgeRegistryExtension extension, string? groupId, string resourceId) =>
        Id(EdgeRegistryTopics.GroupTypeOf(extension), groupId, EdgeRegistryTopics.ResourceTypeOf(extension), resourceId);

    private static T Output<T>(EdgeRegistryResult<T> result) =>
        result.Error is { } error ? throw new EdgeRegistryErrorException(ToWire(error)) : result.Output!;

    private static async Task<T> WaitAsync<T>(Task<T> call, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        try
        {
            return await call.WaitAsync(limit, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw AioProtocolException.Timeout("timeout", limit, $"The edge registry call did not complete within {limit}", ex);
        }
    }

    private EdgeResourceXId Resolved(EdgeResourceXId id) => id.GroupId.Length > 0 ? id : id with { GroupId = defaultGroupId };
}
