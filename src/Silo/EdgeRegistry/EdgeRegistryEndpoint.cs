using System.Globalization;
using Microsoft.Extensions.Options;
using OrleansAio.Client.EdgeRegistry;
using OrleansAio.Grains.EdgeRegistry;
using OrleansAio.GrainsInterfaces.EdgeRegistry;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.EdgeRegistry;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Protocol.Rpc;
using OrleansAio.Protocol.Serialization;
using OrleansAio.Silo.Security;
using static OrleansAio.Client.EdgeRegistry.EdgeRegistryWireMapping;

namespace OrleansAio.Silo.EdgeRegistry;

/// <summary>
/// The silo's Edge Registry wire endpoint (edge-registry.md): one command executor per command (12 core, 4 per extension) on the
/// spec's topics in the shared-subscription group <see cref="ServiceGroupId"/>, serving every request through
/// <see cref="ClusterEdgeRegistryClient"/> (so over <see cref="IEdgeRegistryGrain"/>). Replies are <c>{"_output":…}</c> /
/// <c>{"_error":…}</c> (listGroups <c>{"ids":[…]}</c>, deletes <c>{}</c>) with <c>__stat=200</c>; malformed JSON is an
/// RPC-level 400. With <c>Registries:Authorization:Enabled</c>, the create and delete commands are served only for the writers in
/// <c>Registries:Authorization:EdgeRegistry</c> (<see cref="RegistryAuthorizer"/>, as the schema and device registries); anyone
/// else gets an in-band 403 <c>Forbidden</c>. Reads stay open.
/// </summary>
/// <remarks>A lifecycle participant at <see cref="ServiceLifecycleStage.Active"/>: subscribes once grains can be called, unsubscribes first.</remarks>
public sealed partial class EdgeRegistryEndpoint : ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    /// <summary>The shared-subscription group (the reference host uses none; a replicated server may, edge-registry.md §1.2).</summary>
    public const string ServiceGroupId = "edge-registry";

    private readonly ILogger logger;
    private readonly ApplicationContext context;
    private readonly IMqttPubSubClient mqttClient;
    private readonly ILoggerFactory loggerFactory;
    private readonly ClusterEdgeRegistryClient registry;
    private readonly RegistryAuthorizer? authorizer;
    private readonly JsonPayloadSerializer serializer = new();
    private readonly List<(Func<CancellationToken, Task> Start, Func<CancellationToken, Task> Stop, IAsyncDisposable Executor)> executors = [];

    /// <summary>Creates the endpoint on the silo's MQTT session.</summary>
    /// <param name="context">The silo's application context (clock and time source).</param>
    /// <param name="grainFactory">Reaches the registry grains.</param>
    /// <param name="mqttClient">The silo's shared MQTT session.</param>
    /// <param name="options">The default Group.</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <param name="authorizer">Who may write (<c>Registries:Authorization</c>); <see langword="null"/> lets everyone write.</param>
    public EdgeRegistryEndpoint(
        ApplicationContext context, IGrainFactory grainFactory, IMqttPubSubClient mqttClient, IOptions<EdgeRegistryOptions> options, ILoggerFactory loggerFactory, RegistryAuthorizer? authorizer = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        this.mqttClient = mqttClient;
        this.loggerFactory = loggerFactory;
        logger = loggerFactory.CreateLogger<EdgeRegistryEndpoint>();
        this.context = context;
        this.authorizer = authorizer;
        registry = new ClusterEdgeRegistryClient(grainFactory, options.Value.DefaultGroupId);

        Output<GroupAttributes, Group>("createGroup", EdgeRegistryTopics.CreateGroup, (r, t, ct) =>
            registry.CreateGroupAsync(t["groupType"], r?.GroupId, r ?? new GroupAttributes(), cancellationToken: ct));
        Output<GroupIdRequest, Group>("getGroup", EdgeRegistryTopics.GetGroup, (r, t, ct) =>
            registry.GetGroupAsync(t["groupType"], r?.GroupId, cancellationToken: ct));
        Add<GroupIdRequest, ListGroupsResponse>("listGroups", EdgeRegistryTopics.ListGroups, error => new ListGroupsResponse { Error = error }, async (_, t, ct) =>
        {
            try
            {
                return new ListGroupsResponse { Ids = await registry.ListGroupsAsync(t["groupType"], cancellationToken: ct) };
            }
            catch (EdgeRegistryErrorException ex)
            {
                return new ListGroupsResponse { Error = ex.Error };
            }
        });
        Delete("deleteGroup", EdgeRegistryTopics.DeleteGroup, (r, t, ct) =>
            registry.DeleteGroupAsync(t["groupType"], r?.GroupId, r?.Options, cancellationToken: ct));

        Output<CreateResourceRequest, Resource>("createResource", EdgeRegistryTopics.CreateResource, (r, t, ct) =>
        {
            r ??= new CreateResourceRequest();
            return registry.CreateResourceAsync(t["groupType"], r.GroupId, t["resourceType"], t["resourceId"], r.Meta, r.Extensions, r.DefaultVersionId, r.DefaultVersion, cancellationToken: ct);
        });
        Output<GroupIdRequest, Resource>("getResource", EdgeRegistryTopics.GetResource, (r, t, ct) =>
            registry.GetResourceAsync(t["groupType"], r?.GroupId, t["resourceType"], t["resourceId"], cancellationToken: ct));
        Output<ListResourcesRequest, ResourceList>("listResources", EdgeRegistryTopics.ListResources, async (r, _, ct) =>
            new ResourceList(await registry.ListResourcesAsync(r ?? new ListResourcesRequest(), cancellationToken: ct)));
        Delete("deleteResource", EdgeRegistryTopics.DeleteResource, (r, t, ct) =>
            registry.DeleteResourceAsync(t["groupType"], r?.GroupId, t["resourceType"], t["resourceId"], r?.Options, cancellationToken: ct));

        Output<CreateVersionRequest, CoreVersion>("createVersion", EdgeRegistryTopics.CreateVersion, (r, t, ct) =>
        {
            r ??= new CreateVersionRequest();
            return registry.CreateVersionAsync(t["groupType"], r.GroupId, t["resourceType"], t["resourceId"], r.ResourceLabels ?? [], r.VersionId, r.Version, cancellationToken: ct);
        });
        Output<GetVersionRequest, CoreVersion>("getVersion", EdgeRegistryTopics.GetVersion, (r, t, ct) =>
            registry.GetVersionAsync(t["groupType"], r?.GroupId, t["resourceType"], t["resourceId"], r?.VersionId, cancellationToken: ct));
        Output<ListVersionsRequest, VersionList>("listVersions", EdgeRegistryTopics.ListVersions, async (r, _, ct) =>
            new VersionList(await registry.ListVersionsAsync(r ?? new ListVersionsRequest(), cancellationToken: ct)));
        Delete("deleteVersion", EdgeRegistryTopics.DeleteVersion, (r, t, ct) =>
            registry.DeleteVersionAsync(t["groupType"], r?.GroupId, t["resourceType"], t["resourceId"], t["versionId"], r?.Options, cancellationToken: ct));

        foreach (var extension in Enum.GetValues<EdgeRegistryExtension>())
        {
            AddExtension(extension);
        }
    }

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

        await registry.DisposeAsync().ConfigureAwait(false);
    }

    private void AddExtension(EdgeRegistryExtension extension)
    {
        var noun = extension switch
        {
            EdgeRegistryExtension.Schema => "Schema",
            EdgeRegistryExtension.ThingDescription => "ThingDescription",
            _ => "ThingModel",
        };
        Output<CreateExtensionVersionRequest, ExtensionVersion>($"create{noun}Version", EdgeRegistryTopics.ExtensionVersionTopic(extension, "create"), (r, t, ct) =>
        {
            if (r is null || string.IsNullOrEmpty(r.Format) || r.Document is null)
            {
                throw new EdgeRegistryErrorException(BadRequest(
                    "Invalid request", r is null ? "The request has no body" : string.IsNullOrEmpty(r.Format) ? "'format' is required" : "'document' is required (base64)"));
            }

            var attributes = new ExtensionVersionAttributes
            {
                Name = r.Name,
                Description = r.Description,
                Documentation = r.Documentation,
                Icon = r.Icon,
                Labels = r.Labels ?? [],
                Ancestor = r.Ancestor,
                ContentType = r.ContentType,
                Format = r.Format,
                Document = r.Document,
                Extensions = r.Extensions ?? new Dictionary<string, byte[]>(),
            };
            return registry.CreateExtensionVersionAsync(extension, r.GroupId, t["resourceId"], r.ParentLabelsOf(extension) ?? [], attributes, cancellationToken: ct);
        });
        Output<GetExtensionVersionRequest, ExtensionVersion>($"get{noun}Version", EdgeRegistryTopics.ExtensionVersionTopic(extension, "get"), (r, t, ct) =>
            registry.GetExtensionVersionAsync(extension, r?.GroupId, t["resourceId"], r?.VersionId, cancellationToken: ct));
        Output<ListVersionsRequest, ExtensionVersionList>($"list{noun}Versions", EdgeRegistryTopics.ExtensionListTopic(extension), async (r, _, ct) =>
        {
            r ??= new ListVersionsRequest();
            return new ExtensionVersionList(await registry.ListExtensionVersionsAsync(extension, r.GroupId, r.AllGroups, r.ResourceId, r.DocumentHash, r.Label, cancellationToken: ct));
        });
        Delete($"delete{noun}Version", EdgeRegistryTopics.ExtensionDeleteTopic(extension), (r, t, ct) =>
            TryParseExtensionId(t["versionId"], out var versionId)
                ? registry.DeleteExtensionVersionAsync(extension, r?.GroupId, t["resourceId"], versionId, r?.Options, cancellationToken: ct)
                : throw new EdgeRegistryErrorException(BadRequest("Invalid version id", $"'versionId' = '{t["versionId"]}' must be an unsigned integer")));
    }

    // The spec's writes are exactly its create* and delete* commands (creating an existing Group updates it); get* and list* read.
    private static bool IsWrite(string command) =>
        command.StartsWith("create", StringComparison.Ordinal) || command.StartsWith("delete", StringComparison.Ordinal);

    private void Output<TReq, TOut>(string command, string pattern, Func<TReq?, IReadOnlyDictionary<string, string>, CancellationToken, Task<TOut>> call) =>
        Add<TReq, EdgeRegistryResponse<TOut>>(command, pattern, error => new EdgeRegistryResponse<TOut> { Error = error }, async (r, t, ct) =>
        {
            try
            {
                return new EdgeRegistryResponse<TOut> { Output = await call(r, t, ct).ConfigureAwait(false) };
            }
            catch (EdgeRegistryErrorException ex)
            {
                LogRefused(command, ex.Error.Code, ex.Error.Title, ex.Error.Detail);
                return new EdgeRegistryResponse<TOut> { Error = ex.Error };
            }
        });

    private void Delete(string command, string pattern, Func<DeleteRequest?, IReadOnlyDictionary<string, string>, CancellationToken, Task> call) =>
        Add<DeleteRequest, EdgeRegistryDeleteResponse>(command, pattern, error => new EdgeRegistryDeleteResponse { Error = error }, async (r, t, ct) =>
        {
            try
            {
                await call(r, t, ct).ConfigureAwait(false);
                return new EdgeRegistryDeleteResponse();
            }
            catch (EdgeRegistryErrorException ex)
            {
                LogRefused(command, ex.Error.Code, ex.Error.Title, ex.Error.Detail);
                return new EdgeRegistryDeleteResponse { Error = ex.Error };
            }
        });

    private void Add<TReq, TResp>(
        string command, string pattern, Func<EdgeRegistryError, TResp> refuse, Func<TReq?, IReadOnlyDictionary<string, string>, CancellationToken, Task<TResp>> handler)
    {
        var write = IsWrite(command);
        var executor = new CommandExecutor<TReq, TResp>(context, mqttClient, command, serializer, loggerFactory)
        {
            RequestTopicPattern = pattern,
            ServiceGroupId = ServiceGroupId,
            OnCommandReceived = async (request, cancellationToken) =>
                write && authorizer?.MayWrite(o => o.EdgeRegistry, "Edge registry", request.RequestMetadata.InvokerClientId) == false
                    ? ExtendedResponse<TResp>.CreateFromResponse(refuse(Forbidden(command)))
                    : ExtendedResponse<TResp>.CreateFromResponse(await handler(request.Request, request.RequestMetadata.TopicTokens, cancellationToken).ConfigureAwait(false)),
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Edge registry {Command} refused: {Code} {Title} ({Detail})")]
    private partial void LogRefused(string command, ulong code, string title, string? detail);
}
