using OrleansAio.Silo.Failover;
using OrleansAio.Grains.Rpc;
using OrleansAio.GrainsInterfaces.Rpc;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Protocol.Rpc;
using OrleansAio.Protocol.Serialization;

namespace OrleansAio.Silo.Rpc;

/// <summary>
/// The silo's one <see cref="CommandExecutor{TReq, TResp}"/> for a registered command, on the silo's shared MQTT session and in
/// the command's shared subscription group: each request runs once in the cluster, in the grain whose key is the request topic's
/// key token. Duplicates that reach this silo while the first is in flight or answered are answered from the executor's own
/// in-memory cache; a redelivery to any silo is answered by the handler grain's dedup record (<see cref="CommandDedupFilter"/>).
/// </summary>
/// <remarks>
/// A participant in the silo lifecycle at <see cref="ServiceLifecycleStage.Active"/>: it subscribes once grains can be called and
/// unsubscribes first when the silo stops (before the MQTT session disconnects), so the broker hands new requests to the silos
/// still running.
/// </remarks>
/// <typeparam name="TReq">The request type.</typeparam>
/// <typeparam name="TResp">The response type.</typeparam>
/// <typeparam name="TGrain">The grain interface that serves the command.</typeparam>
internal sealed partial class CommandExecutorHost<TReq, TResp, TGrain> : ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
    where TGrain : ICommandHandlerGrain<TReq, TResp>
{
    private readonly string commandName;
    private readonly AioCommandOptions options;
    private readonly IGrainFactory grainFactory;
    private readonly ILogger logger;
    private readonly CommandExecutor<TReq, TResp> executor;
    private readonly bool durable;
    private readonly TimeProvider timeProvider;

    public CommandExecutorHost(
        string commandName,
        AioCommandOptions options,
        IGrainFactory grainFactory,
        IMqttPubSubClient mqttClient,
        ApplicationContext context,
        ILoggerFactory loggerFactory)
    {
        this.commandName = commandName;
        this.options = options;
        timeProvider = context.TimeProvider;
        durable = options.ParsedDedupDurability == CommandDedupDurability.Durable && !options.IsIdempotent;
        this.grainFactory = grainFactory;
        logger = loggerFactory.CreateLogger<CommandExecutorHost<TReq, TResp, TGrain>>();
        var tokens = new Dictionary<string, string>(options.TopicTokenMap, StringComparer.Ordinal);
        tokens.TryAdd("commandName", commandName);
        executor = new RoutedCommandExecutor(options.KeyToken, context, mqttClient, commandName, options.Serializer, loggerFactory)
        {
            RequestTopicPattern = options.RequestTopicPattern,
            TopicNamespace = options.TopicNamespace,
            TopicTokenMap = tokens,
            ServiceGroupId = ServiceGroupId,
            ExecutionTimeout = options.ExecutionTimeout,
            IsIdempotent = options.IsIdempotent,
            CacheTtl = options.CacheTtl,
            OnCommandReceived = ExecuteAsync,
        };
    }

    /// <summary>The shared subscription group of the command's executors.</summary>
    public string ServiceGroupId => options.ServiceGroupId ?? $"orleans-aio-{commandName}";

    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe($"{nameof(CommandExecutorHost<TReq, TResp, TGrain>)}:{commandName}", ServiceLifecycleStage.Active, StartAsync, StopAsync);
    }

    public ValueTask DisposeAsync() => executor.DisposeAsync();

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        await executor.StartAsync(options.DispatchConcurrency, cancellationToken);
        LogStarted(commandName, options.RequestTopicPattern, ServiceGroupId, typeof(TGrain).Name);
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await executor.StopAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is AioProtocolException or OperationCanceledException)
        {
            // The session ends right after; the broker then forgets this member of the group anyway.
            LogStopFailed(ex, commandName);
        }
    }

    private async Task<ExtendedResponse<TResp>> ExecuteAsync(ExtendedRequest<TReq> request, CancellationToken cancellationToken)
    {
        var metadata = request.RequestMetadata;
        var key = metadata.TopicTokens[options.KeyToken];
        var grain = grainFactory.GetGrain<TGrain>(key);
        var grainRequest = new AioCommandRequest<TReq>(
            commandName,
            request.Request,
            metadata.CorrelationId,
            metadata.InvokerClientId,
            metadata.Topic ?? string.Empty,
            new Dictionary<string, string>(metadata.TopicTokens, StringComparer.Ordinal),
            new Dictionary<string, string>(metadata.UserData, StringComparer.Ordinal),
            metadata.Timestamp?.EncodeToString(),
            options.ExecutionTimeout);
        UnavailableSiloRetryFilter.CallerDeadline.Value = CallerBudget.For(metadata.ExpiresAt, timeProvider.GetUtcNow(), options.ExecutionTimeout, cancellationToken);
        if (metadata.ResponseTopic is { } responseTopic && metadata.ExpiresAt is { } expiresAt)
        {
            // Read by CommandDedupFilter in the grain's activation (the context flows only to this call and its continuations here).
            RequestContext.Set(CommandDedupFilter.KeyName, CommandDedupFilter.Key(commandName, responseTopic, metadata.CorrelationId));
            RequestContext.Set(CommandDedupFilter.ExpiresAtName, expiresAt.UtcTicks);
            if (durable)
            {
                RequestContext.Set(CommandDedupFilter.DurableName, true);
            }
        }

        var response = await grain.ExecuteCommandAsync(grainRequest, cancellationToken);
        var responseMetadata = new CommandResponseMetadata();
        foreach (var (name, value) in response.UserData)
        {
            responseMetadata.UserData[name] = value;
        }

        return new ExtendedResponse<TResp> { Response = response.Response, ResponseMetadata = responseMetadata };
    }

    /// <summary>The command's executor: a request whose topic has no value for the key token is a 400 (nothing to route it to).</summary>
    private sealed class RoutedCommandExecutor(
        string keyToken, ApplicationContext context, IMqttPubSubClient mqttClient, string commandName, IPayloadSerializer serializer, ILoggerFactory loggerFactory)
        : CommandExecutor<TReq, TResp>(context, mqttClient, commandName, serializer, loggerFactory)
    {
        protected override AioProtocolException? ValidateRequest(ExtendedRequest<TReq> request)
        {
            var metadata = request.RequestMetadata;
            return metadata.TopicTokens.TryGetValue(keyToken, out var key) && !string.IsNullOrEmpty(key)
                ? null
                : AioProtocolException.HeaderInvalid(
                    keyToken, metadata.Topic, message: $"The request topic '{metadata.Topic}' has no value for the key token '{keyToken}'");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Command '{CommandName}' served on '{Pattern}' in group '{Group}' by {Grain} grains")]
    private partial void LogStarted(string commandName, string pattern, string group, string grain);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Command '{CommandName}' could not unsubscribe cleanly")]
    private partial void LogStopFailed(Exception exception, string commandName);
}
