using Microsoft.Extensions.Logging;
using OrleansAio.Abstractions.Common;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Protocol.Rpc;
using OrleansAio.Protocol.Serialization;

namespace OrleansAio.Protocol.EdgeRegistry;

/// <summary>
/// A client of any AIO-compatible Edge Registry over MQTT (edge-registry.md): the 12 core commands (Groups, Resources,
/// Versions) and the 4 commands of each extension (Schema, Thing Description, Thing Model), each on its own
/// <see cref="CommandInvoker{TReq,TResp}"/>; responses on <c>clients/{clientId}/{request topic}</c>. Method names follow the
/// public .NET SDK's <c>EdgeRegistryClient</c>.
/// </summary>
/// <remarks>
/// A <see langword="null"/> Group id means the registry's default Group. An <c>_error</c> in a reply raises
/// <see cref="EdgeRegistryErrorException"/>; RPC-level failures raise <see cref="AioProtocolException"/>; a success reply without
/// <c>_output</c> is a malformed response (<see cref="AioErrorKind.PayloadInvalid"/>).
/// </remarks>
public sealed class EdgeRegistryClient : IEdgeRegistryClient
{
    private readonly ApplicationContext context;
    private readonly IMqttPubSubClient mqttClient;
    private readonly ILoggerFactory? loggerFactory;
    private readonly JsonPayloadSerializer serializer = new();
    private readonly List<IAsyncDisposable> invokers = [];
    private readonly Dictionary<string, object> byName = new(StringComparer.Ordinal);
    private readonly Lock gate = new();
    private bool disposed;

    /// <summary>Creates a client.</summary>
    /// <param name="context">The application context (clock and time).</param>
    /// <param name="mqttClient">A connected MQTT 5 session with a client id.</param>
    /// <param name="loggerFactory">Logging; optional.</param>
    public EdgeRegistryClient(ApplicationContext context, IMqttPubSubClient mqttClient, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(mqttClient);
        this.context = context;
        this.mqttClient = mqttClient;
        this.loggerFactory = loggerFactory;
    }

    /// <summary>Creates or updates a Group (createGroup).</summary>
    /// <param name="groupType">The Group type (a topic level).</param>
    /// <param name="groupId">The Group id; <see langword="null"/> = default Group.</param>
    /// <param name="attributes">The attributes.</param>
    /// <param name="timeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The Group.</returns>
    public Task<Group> CreateGroupAsync(string groupType, string? groupId, GroupAttributes attributes, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        return OutputAsync<GroupAttributes, Group>("createGroup", EdgeRegistryTopics.CreateGroup, attributes with { GroupId = groupId }, Tokens(groupType), timeout, cancellationToken);
    }

    /// <summary>Reads a Group (getGroup).</summary>
    /// <param name="groupType">The Group type.</param>
    /// <param name="groupId">The Group id; <see langword="null"/> = default Group.</param>
    /// <param name="timeout">The timeout.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The Group.</returns>
    public Task<Group> GetGroupAsync(string groupType, string? groupId, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        OutputAsync<GroupIdRequest, Group>("getGroup", EdgeRegistryTopics.GetGroup, new GroupIdRequest { GroupId = groupId }, Tokens(groupType), timeout, cancellationToken);

    /// <summary>Lists the ids of every Group of a type (listGroups; the request has no payload).</summary>
    /// <param name="groupType">The Group type.</param>
    /// <param name="timeout">The timeout.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The Group ids.</returns>
    public async Task<IReadOnlyList<string>> ListGroupsAsync(string groupType, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var response = await InvokeAsync<GroupIdRequest, ListGroupsResponse>("listGroups", EdgeRegistryTopics.ListGroups, null, Tokens(groupType), timeout, cancellationToken).ConfigureAwait(false);
        if (response?.Error is { } error)
        {
            throw new EdgeRegistryErrorException(error);
        }

        return response?.Ids ?? throw Malformed("listGroups", "ids");
    }

    /// <summary>Deletes a Group with its Resources and Versions (deleteGroup).</summary>
    /// <param name="groupType">The Group type.</param>
    /// <param name="groupId">The Group id; <see langword="null"/> = default Group.</param>
    /// <param name="options">The expected epoch; optional.</param>
    /// <param name="timeout">The timeout.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when deleted.</returns>
    public Task DeleteGroupAsync(string groupType, string? groupId, DeleteOptions? options = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        DeleteAsync("deleteGroup", EdgeRegistryTopics.DeleteGroup, groupId, options, Tokens(groupType), timeout, cancellationToken);

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
    public Task<Resource> CreateResourceAsync(
        string groupType,
        string? groupId,
        string resourceType,
        string resourceId,
        ResourceMetaAttributes meta,
        IReadOnlyDictionary<string, byte[]> resourceExtensions,
        string? defaultVersionId,
        VersionAttributes defaultVersion,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        var request = new CreateResourceRequest { GroupId = groupId, Meta = meta, Extensions = resourceExtensions, DefaultVersionId = defaultVersionId, DefaultVersion = defaultVersion };
        return OutputAsync<CreateResourceRequest, Resource>("createResource", EdgeRegistryTopics.CreateResource, request, Tokens(groupType, resourceType, resourceId), timeout, cancellationToken);
    }

    /// <summary>Reads a Resource (getResource).</summary>
    /// <param name="groupType">The Group type.</param>
    /// <param name="groupId">The Group id.</param>
    /// <param name="resourceType">The Resource type.</param>
    /// <param name="resourceId">The Resource id.</param>
    /// <param name="timeout">The timeout.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The Resource.</returns>
    public Task<Resource> GetResourceAsync(string groupType, string? groupId, string resourceType, string resourceId, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        OutputAsync<GroupIdRequest, Resource>("getResource", EdgeRegistryTopics.GetResource, new GroupIdRequest { GroupId = groupId }, Tokens(groupType, resourceType, resourceId), timeout, cancellationToken);

    /// <summary>Lists Resources (listResources).</summary>
    /// <param name="request">Scope (<c>groupType</c>, <c>groupId</c>, <c>allGroups</c>) and filters.</param>
    /// <param name="timeout">The timeout.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The Resources' ids.</returns>
    public async Task<IReadOnlyList<ResourceXId>> ListResourcesAsync(ListResourcesRequest request, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        (await OutputAsync<ListResourcesRequest, ResourceList>("listResources", EdgeRegistryTopics.ListResources, request, null, timeout, cancellationToken).ConfigureAwait(false)).Resources;

    /// <summary>Deletes a Resource with its Versions (deleteResource).</summary>
    /// <param name="groupType">The Group type.</param>
    /// <param name="groupId">The Group id.</param>
    /// <param name="resourceType">The Resource type.</param>
    /// <param name="resourceId">The Resource id.</param>
    /// <param name="options">The expected epoch; optional.</param>
    /// <param name="timeout">The timeout.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when deleted.</returns>
    public Task DeleteResourceAsync(string groupType, string? groupId, string resourceType, string resourceId, DeleteOptions? options = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        DeleteAsync("deleteResource", EdgeRegistryTopics.DeleteResource, groupId, options, Tokens(groupType, resourceType, resourceId), timeout, cancellationToken);

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
    public Task<CoreVersion> CreateVersionAsync(
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
        var request = new CreateVersionRequest { GroupId = groupId, VersionId = versionId, Version = version, ResourceLabels = resourceLabels };
        return OutputAsync<CreateVersionRequest, CoreVersion>("createVersion", EdgeRegistryTopics.CreateVersion, request, Tokens(groupType, resourceType, resourceId), timeout, cancellationToken);
    }

    /// <summary>Reads a Version (getVersion); <see langword="null"/> <paramref name="versionId"/> = the default Version.</summary>
    /// <param name="groupType">The Group type.</param>
    /// <param name="groupId">The Group id.</param>
    /// <param name="resourceType">The Resource type.</param>
    /// <param name="resourceId">The Resource id.</param>
    /// <param name="versionId">The Version id.</param>
    /// <param name="timeout">The timeout.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The Version.</returns>
    public Task<CoreVersion> GetVersionAsync(string groupType, string? groupId, string resourceType, string resourceId, string? versionId, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        OutputAsync<GetVersionRequest, CoreVersion>("getVersion", EdgeRegistryTopics.GetVersion, new GetVersionRequest { GroupId = groupId, VersionId = versionId }, Tokens(groupType, resourceType, resourceId), timeout, cancellationToken);

    /// <summary>Lists Versions (listVersions).</summary>
    /// <param name="request">Scope and filters.</param>
    /// <param name="timeout">The timeout.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The Versions' ids.</returns>
    public async Task<IReadOnlyList<VersionXId>> ListVersionsAsync(ListVersionsRequest request, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        (await OutputAsync<ListVersionsRequest, VersionList>("listVersions", EdgeRegistryTopics.ListVersions, request, null, timeout, cancellationToken).ConfigureAwait(false)).Versions;

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
    public Task DeleteVersionAsync(string groupType, string? groupId, string resourceType, string resourceId, string versionId, DeleteOptions? options = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var tokens = Tokens(groupType, resourceType, resourceId);
        tokens["versionId"] = versionId;
        return DeleteAsync("deleteVersion", EdgeRegistryTopics.DeleteVersion, groupId, options, tokens, timeout, cancellationToken);
    }

    /// <summary>Adds a Version of an extension (Schema, Thing Description, Thing Model).</summary>
    /// <param name="extension">The extension.</param>
    /// <param name="groupId">The Group id; <see langword="null"/> = default Group.</param>
    /// <param name="resourceId">The schema, thing-description or thing-model id.</param>
    /// <param name="parentLabels">Labels merged into the parent Resource's.</param>
    /// <param name="version">The Version's attributes.</param>
    /// <param name="timeout">The timeout.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The Version.</returns>
    public Task<ExtensionVersion> CreateExtensionVersionAsync(
        EdgeRegistryExtension extension, string? groupId, string resourceId, IReadOnlyList<Label> parentLabels, ExtensionVersionAttributes version, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        OutputAsync<CreateExtensionVersionRequest, ExtensionVersion>(
            $"create{Noun(extension)}Version",
            EdgeRegistryTopics.ExtensionVersionTopic(extension, "create"),
            CreateExtensionVersionRequest.For(extension, groupId, parentLabels, version),
            ResourceToken(resourceId),
            timeout,
            cancellationToken);

    /// <summary>Reads a Version of an extension; <see langword="null"/> <paramref name="versionId"/> = the default.</summary>
    /// <param name="extension">The extension.</param>
    /// <param name="groupId">The Group id.</param>
    /// <param name="resourceId">The Resource id.</param>
    /// <param name="versionId">The Version id.</param>
    /// <param name="timeout">The timeout.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The Version.</returns>
    public Task<ExtensionVersion> GetExtensionVersionAsync(
        EdgeRegistryExtension extension, string? groupId, string resourceId, ulong? versionId, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        OutputAsync<GetExtensionVersionRequest, ExtensionVersion>(
            $"get{Noun(extension)}Version",
            EdgeRegistryTopics.ExtensionVersionTopic(extension, "get"),
            new GetExtensionVersionRequest { GroupId = groupId, VersionId = versionId },
            ResourceToken(resourceId),
            timeout,
            cancellationToken);

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
        var request = new ListVersionsRequest
        {
            GroupType = EdgeRegistryTopics.GroupTypeOf(extension),
            GroupId = allGroups ? null : groupId,
            AllGroups = allGroups,
            ResourceType = EdgeRegistryTopics.ResourceTypeOf(extension),
            ResourceId = resourceId,
            DocumentHash = documentHash,
            Label = label,
        };
        var list = await OutputAsync<ListVersionsRequest, ExtensionVersionList>(
            $"list{Noun(extension)}Versions", EdgeRegistryTopics.ExtensionListTopic(extension), request, null, timeout, cancellationToken).ConfigureAwait(false);
        return list.Versions;
    }

    /// <summary>Deletes a Version of an extension.</summary>
    /// <param name="extension">The extension.</param>
    /// <param name="groupId">The Group id.</param>
    /// <param name="resourceId">The Resource id.</param>
    /// <param name="versionId">The Version id.</param>
    /// <param name="options">The expected epoch; optional.</param>
    /// <param name="timeout">The timeout.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when deleted.</returns>
    public Task DeleteExtensionVersionAsync(
        EdgeRegistryExtension extension, string? groupId, string resourceId, ulong versionId, DeleteOptions? options = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var tokens = ResourceToken(resourceId);
        tokens["versionId"] = versionId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return DeleteAsync($"delete{Noun(extension)}Version", EdgeRegistryTopics.ExtensionDeleteTopic(extension), groupId, options, tokens, timeout, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        List<IAsyncDisposable> toDispose;
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            toDispose = [.. invokers];
        }

        foreach (var invoker in toDispose)
        {
            await invoker.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static string Noun(EdgeRegistryExtension extension) => extension switch
    {
        EdgeRegistryExtension.Schema => "Schema",
        EdgeRegistryExtension.ThingDescription => "ThingDescription",
        _ => "ThingModel",
    };

    private static Dictionary<string, string> Tokens(string groupType, string? resourceType = null, string? resourceId = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupType);
        var tokens = new Dictionary<string, string>(StringComparer.Ordinal) { ["groupType"] = groupType };
        if (resourceType is not null)
        {
            ArgumentException.ThrowIfNullOrEmpty(resourceType);
            ArgumentException.ThrowIfNullOrEmpty(resourceId);
            tokens["resourceType"] = resourceType;
            tokens["resourceId"] = resourceId;
        }

        return tokens;
    }

    private static Dictionary<string, string> ResourceToken(string resourceId)
    {
        ArgumentException.ThrowIfNullOrEmpty(resourceId);
        return new Dictionary<string, string>(StringComparer.Ordinal) { ["resourceId"] = resourceId };
    }

    private static AioProtocolException Malformed(string command, string field) =>
        AioProtocolException.PayloadInvalid($"The edge registry's {command} response has neither '{field}' nor '_error'").WithCommand(command);

    private async Task<TOut> OutputAsync<TReq, TOut>(
        string command, string pattern, TReq request, Dictionary<string, string>? tokens, TimeSpan? timeout, CancellationToken cancellationToken)
        where TOut : class
    {
        var response = await InvokeAsync<TReq, EdgeRegistryResponse<TOut>>(command, pattern, request, tokens, timeout, cancellationToken).ConfigureAwait(false);
        if (response?.Error is { } error)
        {
            throw new EdgeRegistryErrorException(error);
        }

        return response?.Output ?? throw Malformed(command, "_output");
    }

    private async Task DeleteAsync(
        string command, string pattern, string? groupId, DeleteOptions? options, Dictionary<string, string> tokens, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var request = new DeleteRequest { GroupId = groupId, Options = options ?? DeleteOptions.Default };
        var response = await InvokeAsync<DeleteRequest, EdgeRegistryDeleteResponse>(command, pattern, request, tokens, timeout, cancellationToken).ConfigureAwait(false);
        if (response?.Error is { } error)
        {
            throw new EdgeRegistryErrorException(error);
        }
    }

    private async Task<TResp?> InvokeAsync<TReq, TResp>(
        string command, string pattern, TReq? request, Dictionary<string, string>? tokens, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        CommandInvoker<TReq, TResp> invoker;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (byName.TryGetValue(command, out var existing))
            {
                invoker = (CommandInvoker<TReq, TResp>)existing;
            }
            else
            {
                invoker = new CommandInvoker<TReq, TResp>(context, mqttClient, command, serializer, loggerFactory) { RequestTopicPattern = pattern };
                byName[command] = invoker;
                invokers.Add(invoker);
            }
        }

        var result = await invoker.InvokeCommandAsync(request, additionalTopicTokenMap: tokens, commandTimeout: timeout, cancellationToken: cancellationToken).ConfigureAwait(false);
        return result.Response;
    }
}
