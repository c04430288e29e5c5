using System.Globalization;
using Microsoft.Extensions.Options;
using OrleansAio.Grains.EdgeRegistry;
using OrleansAio.GrainsInterfaces.EdgeRegistry;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.EdgeRegistry;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Protocol.Rpc;
using OrleansAio.Protocol.Serialization;
using static OrleansAio.Silo.EdgeRegistry.EdgeRegistryWireMapping;

namespace OrleansAio.Silo.EdgeRegistry;

/// <summary>
/// The silo's Edge Registry wire endpoint (edge-registry.md): one command executor per command (12 core, 4 per extension) on the
/// spec's topics in the shared-subscription group <see cref="ServiceGroupId"/>, serving every request through
/// <see cref="IEdgeRegistryGrain"/>. Replies are <c>{"_output":…}</c> / <c>{"_error":…}</c> (listGroups <c>{"ids":[…]}</c>,
/// deletes <c>{}</c>) with <c>__stat=200</c>; malformed JSON is an RPC-level 400.
/// </summary>
/// <remarks>
/// The extensions share the core store (§7.11): a Schema Version <c>n</c> is core Version <c>"n"</c> of
/// <c>schemagroups/{groupId}/schemas/{schemaId}</c>; extension commands see only Versions whose id is a canonical decimal.
/// A lifecycle participant at <see cref="ServiceLifecycleStage.Active"/>.
/// </remarks>
public sealed partial class EdgeRegistryEndpoint : ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    /// <summary>The shared-subscription group (the reference host uses none; a replicated server may, edge-registry.md §1.2).</summary>
    public const string ServiceGroupId = "edge-registry";

    private readonly IGrainFactory grainFactory;
    private readonly ILogger logger;
    private readonly IOptions<EdgeRegistryOptions> options;
    private readonly ApplicationContext context;
    private readonly IMqttPubSubClient mqttClient;
    private readonly ILoggerFactory loggerFactory;
    private readonly JsonPayloadSerializer serializer = new();
    private readonly List<(Func<CancellationToken, Task> Start, Func<CancellationToken, Task> Stop, IAsyncDisposable Executor)> executors = [];

    /// <summary>Creates the endpoint on the silo's MQTT session.</summary>
    /// <param name="services">Resolves the silo's <see cref="TimeProvider"/>.</param>
    /// <param name="grainFactory">Reaches the registry grains.</param>
    /// <param name="mqttClient">The silo's shared MQTT session.</param>
    /// <param name="options">The default Group.</param>
    /// <param name="loggerFactory">Logging.</param>
    public EdgeRegistryEndpoint(IServiceProvider services, IGrainFactory grainFactory, IMqttPubSubClient mqttClient, IOptions<EdgeRegistryOptions> options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(services);
        this.options = options;
        logger = loggerFactory.CreateLogger<EdgeRegistryEndpoint>();
        this.grainFactory = grainFactory;
        this.mqttClient = mqttClient;
        this.loggerFactory = loggerFactory;
        context = new ApplicationContext(services.GetService(typeof(TimeProvider)) as TimeProvider ?? TimeProvider.System);

        Add<GroupAttributes, EdgeRegistryResponse<Group>>("createGroup", EdgeRegistryTopics.CreateGroup, async (r, t) =>
            Respond(await Registry.CreateGroupAsync(t["groupType"], r?.GroupId, ToGrain(r)), ToWire));
        Add<GroupIdRequest, EdgeRegistryResponse<Group>>("getGroup", EdgeRegistryTopics.GetGroup, async (r, t) =>
            Respond(await Registry.GetGroupAsync(t["groupType"], r?.GroupId), ToWire));
        Add<GroupIdRequest, ListGroupsResponse>("listGroups", EdgeRegistryTopics.ListGroups, async (unused, t) =>
        {
            var result = await Registry.ListGroupsAsync(t["groupType"]);
            return result.Error is { } e ? new ListGroupsResponse { Error = ToWire(e) } : new ListGroupsResponse { Ids = result.Output };
        });
        Add<DeleteRequest, EdgeRegistryDeleteResponse>("deleteGroup", EdgeRegistryTopics.DeleteGroup, async (r, t) =>
            Deleted(await Registry.DeleteGroupAsync(t["groupType"], r?.GroupId, r?.Options?.ExpectedEpoch)));

        Add<CreateResourceRequest, EdgeRegistryResponse<Resource>>("createResource", EdgeRegistryTopics.CreateResource, async (r, t) =>
            Respond(await Registry.CreateResourceAsync(ResourceOf(t, r?.GroupId), ToGrain(r?.Meta), Extensions(r?.Extensions), r?.DefaultVersionId, ToGrain(r?.DefaultVersion)), ToWire));
        Add<GroupIdRequest, EdgeRegistryResponse<Resource>>("getResource", EdgeRegistryTopics.GetResource, async (r, t) =>
            Respond(await Registry.GetResourceAsync(ResourceOf(t, r?.GroupId)), ToWire));
        Add<ListResourcesRequest, EdgeRegistryResponse<ResourceList>>("listResources", EdgeRegistryTopics.ListResources, async (r, unused) =>
        {
            r ??= new ListResourcesRequest();
            var result = await Registry.ListResourcesAsync(new EdgeGroupScope(r.GroupType, r.GroupId, r.AllGroups), r.ResourceType, ToGrain(r.Label));
            return Respond(result, list => new ResourceList([.. list.Select(x => new ResourceXId(x.GroupType, x.GroupId, x.ResourceType, x.ResourceId))]));
        });
        Add<DeleteRequest, EdgeRegistryDeleteResponse>("deleteResource", EdgeRegistryTopics.DeleteResource, async (r, t) =>
            Deleted(await Registry.DeleteResourceAsync(ResourceOf(t, r?.GroupId), r?.Options?.ExpectedEpoch)));

        Add<CreateVersionRequest, EdgeRegistryResponse<CoreVersion>>("createVersion", EdgeRegistryTopics.CreateVersion, async (r, t) =>
        {
            var resource = ResourceOf(t, r?.GroupId);
            return Respond(await Registry.CreateVersionAsync(resource, ToGrain(r?.ResourceLabels), r?.VersionId, ToGrain(r?.Version)), v => ToWire(Resolved(resource), v));
        });
        Add<GetVersionRequest, EdgeRegistryResponse<CoreVersion>>("getVersion", EdgeRegistryTopics.GetVersion, async (r, t) =>
        {
            var resource = ResourceOf(t, r?.GroupId);
            return Respond(await Registry.GetVersionAsync(resource, r?.VersionId), v => ToWire(Resolved(resource), v));
        });
        Add<ListVersionsRequest, EdgeRegistryResponse<VersionList>>("listVersions", EdgeRegistryTopics.ListVersions, async (r, unused) =>
        {
            r ??= new ListVersionsRequest();
            var result = await Registry.ListVersionsAsync(new EdgeGroupScope(r.GroupType, r.GroupId, r.AllGroups), r.ResourceType, r.ResourceId, r.DocumentHash, ToGrain(r.Label));
            return Respond(result, list => new VersionList([.. list.Select(x => new VersionXId(x.Resource.GroupType, x.Resource.GroupId, x.Resource.ResourceType, x.Resource.ResourceId, x.VersionId))]));
        });
        Add<DeleteRequest, EdgeRegistryDeleteResponse>("deleteVersion", EdgeRegistryTopics.DeleteVersion, async (r, t) =>
            Deleted(await Registry.DeleteVersionAsync(ResourceOf(t, r?.GroupId), t["versionId"], r?.Options?.ExpectedEpoch)));

        foreach (var extension in Enum.GetValues<EdgeRegistryExtension>())
        {
            AddExtension(extension);
        }
    }

    private IEdgeRegistryGrain Registry => grainFactory.GetGrain<IEdgeRegistryGrain>(0);

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(EdgeRegistryEndpoint), ServiceLifecycleStage.Active, StartAsync, StopAsync);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var (_, _, executor) in executors)
        {
            await executor.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static EdgeRegistryResponse<TWire> Respond<TGrain, TWire>(EdgeRegistryResult<TGrain> result, Func<TGrain, TWire> map) =>
        result.Error is { } error ? new EdgeRegistryResponse<TWire> { Error = ToWire(error) } : new EdgeRegistryResponse<TWire> { Output = map(result.Output!) };

    private static EdgeRegistryDeleteResponse Deleted(EdgeRegistryResult<bool> result) =>
        new() { Error = result.Error is { } error ? ToWire(error) : null };

    private static EdgeResourceXId ResourceOf(IReadOnlyDictionary<string, string> tokens, string? groupId) =>
        new(tokens["groupType"], groupId ?? string.Empty, tokens["resourceType"], tokens["resourceId"]);

    private EdgeResourceXId Resolved(EdgeResourceXId resource) =>
        resource.GroupId.Length > 0 ? resource : resource with { GroupId = DefaultGroupId };

    private string DefaultGroupId => options.Value.DefaultGroupId;

    private void AddExtension(EdgeRegistryExtension extension)
    {
        var groupType = EdgeRegistryTopics.GroupTypeOf(extension);
        var resourceType = EdgeRegistryTopics.ResourceTypeOf(extension);
        var noun = extension switch
        {
            EdgeRegistryExtension.Schema => "Schema",
            EdgeRegistryExtension.ThingDescription => "ThingDescription",
            _ => "ThingModel",
        };
        var title = extension switch
        {
            EdgeRegistryExtension.Schema => "Schema Version not found",
            EdgeRegistryExtension.ThingDescription => "Thing Description Version not found",
            _ => "Thing Model Version not found",
        };
        EdgeResourceXId Of(IReadOnlyDictionary<string, string> t, string? groupId) => new(groupType, groupId ?? string.Empty, resourceType, t["resourceId"]);

        Add<CreateExtensionVersionRequest, EdgeRegistryResponse<ExtensionVersion>>($"create{noun}Version", EdgeRegistryTopics.ExtensionVersionTopic(extension, "create"), async (r, t) =>
        {
            if (r is null)
            {
                return new() { Error = BadRequest("Invalid request", "The request has no body") };
            }

            if (string.IsNullOrEmpty(r.Format))
            {
                return new() { Error = BadRequest("Invalid request", "'format' is required") };
            }

            if (r.Document is null)
            {
                return new() { Error = BadRequest("Invalid request", "'document' is required (base64)") };
            }

            var resource = Of(t, r.GroupId);
            var result = await Registry.CreateVersionAsync(resource, ToGrain(r.ParentLabelsOf(extension)), null, ToGrain(r));
            if (result.Output is { } v && !TryParseExtensionId(v.VersionId, out _))
            {
                return new() { Error = ToWire(new EdgeRegistryFault(EdgeRegistryErrorKind.Conflict, "Version id is not numeric", $"The server-assigned id '{v.VersionId}' is not an integer")) };
            }

            return Respond(result, v => ToExtensionWire(Resolved(resource), v, ulong.Parse(v.VersionId, CultureInfo.InvariantCulture)));
        });
        Add<GetExtensionVersionRequest, EdgeRegistryResponse<ExtensionVersion>>($"get{noun}Version", EdgeRegistryTopics.ExtensionVersionTopic(extension, "get"), async (r, t) =>
        {
            var resource = Of(t, r?.GroupId);
            var result = await Registry.GetVersionAsync(resource, r?.VersionId?.ToString(CultureInfo.InvariantCulture));
            if (result.Output is { } v && TryParseExtensionId(v.VersionId, out var id))
            {
                return new() { Output = ToExtensionWire(Resolved(resource), v, id) };
            }

            return new() { Error = ToWire(new EdgeRegistryFault(EdgeRegistryErrorKind.NotFound, title, result.Error?.Detail)) };
        });
        Add<ListVersionsRequest, EdgeRegistryResponse<ExtensionVersionList>>($"list{noun}Versions", EdgeRegistryTopics.ExtensionListTopic(extension), async (r, unused) =>
        {
            r ??= new ListVersionsRequest();
            var scope = new EdgeGroupScope(groupType, r.AllGroups ? null : r.GroupId, r.AllGroups);
            var result = await Registry.ListVersionsAsync(scope, resourceType, r.ResourceId, r.DocumentHash, ToGrain(r.Label));
            return Respond(result, list => new ExtensionVersionList([.. list
                .Where(x => TryParseExtensionId(x.VersionId, out _))
                .Select(x => new ExtensionVersionXId(x.Resource.GroupType, x.Resource.GroupId, x.Resource.ResourceType, x.Resource.ResourceId, ulong.Parse(x.VersionId, CultureInfo.InvariantCulture)))]));
        });
        Add<DeleteRequest, EdgeRegistryDeleteResponse>($"delete{noun}Version", EdgeRegistryTopics.ExtensionDeleteTopic(extension), async (r, t) =>
        {
            if (!TryParseExtensionId(t["versionId"], out _))
            {
                return new() { Error = BadRequest("Invalid version id", $"'versionId' = '{t["versionId"]}' must be an unsigned integer") };
            }

            return Deleted(await Registry.DeleteVersionAsync(Of(t, r?.GroupId), t["versionId"], r?.Options?.ExpectedEpoch));
        });
    }

    private void Add<TReq, TResp>(string command, string pattern, Func<TReq?, IReadOnlyDictionary<string, string>, Task<TResp>> handler)
    {
        var executor = new CommandExecutor<TReq, TResp>(context, mqttClient, command, serializer, loggerFactory)
        {
            RequestTopicPattern = pattern,
            ServiceGroupId = ServiceGroupId,
            OnCommandReceived = async (request, cancellationToken) =>
            {
                var response = await handler(request.Request, request.RequestMetadata.TopicTokens).WaitAsync(cancellationToken).ConfigureAwait(false);
                return ExtendedResponse<TResp>.CreateFromResponse(response);
            },
        };
        executors.Add((ct => executor.StartAsync(cancellationToken: ct), executor.StopAsync, executor));
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var (start, _, _) in executors)
        {
            await start(cancellationToken).ConfigureAwait(false);
        }

        LogStarted(executors.Count, ServiceGroupId);
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var (_, stop, _) in executors)
        {
            try
            {
                await stop(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AioProtocolException or OperationCanceledException)
            {
                LogStopFailed(ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Edge registry endpoint serving {Count} commands under aio/registry/ in group {Group}")]
    private partial void LogStarted(int count, string group);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping an edge registry executor failed")]
    private partial void LogStopFailed(Exception exception);
}
