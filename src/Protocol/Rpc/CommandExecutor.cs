using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using OrleansAio.Abstractions.Common;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Diagnostics;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Protocol.Serialization;

namespace OrleansAio.Protocol.Rpc;

/// <summary>
/// Executes a command: subscribes to the request topic (optionally shared), validates each request, runs
/// <see cref="OnCommandReceived"/> under the execution timeout and publishes the response before acknowledging the request
/// (protocol.md §1.9, §1.11, §1.12).
/// </summary>
/// <typeparam name="TReq">The request type.</typeparam>
/// <typeparam name="TResp">The response type.</typeparam>
/// <remarks>
/// Duplicates (same Response Topic and Correlation Data within the request's expiry) are answered from
/// <see cref="ResponseCache"/> without running the handler again. Handlers run off the receive path, started in arrival order, at
/// most the dispatch concurrency at a time; a request waiting for a slot keeps its expiry clock running. The handler's
/// cancellation token fires at min(remaining expiry, <see cref="ExecutionTimeout"/>); then a 408 is sent if expiry remains. No
/// response is published once the request has expired; the request is acknowledged in every case.
/// </remarks>
public partial class CommandExecutor<TReq, TResp> : IAsyncDisposable
{
    /// <summary>The default execution timeout.</summary>
    public static readonly TimeSpan DefaultExecutionTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The default number of handlers running at once.</summary>
    public const int DefaultDispatchConcurrency = 10;

    private const string MessageExpiryHeader = "Message Expiry";
    private const string CorrelationDataHeader = "Correlation Data";

    private readonly ApplicationContext context;
    private readonly IMqttPubSubClient mqttClient;
    private readonly string commandName;
    private readonly IPayloadSerializer serializer;
    private readonly ILogger logger;
    private readonly InboundSubscription subscription;
    private ICommandResponseCache? cache;

    /// <summary>Creates an executor.</summary>
    /// <param name="context">The application context (clock and time source).</param>
    /// <param name="mqttClient">The MQTT session.</param>
    /// <param name="commandName">The command name; must not be null or empty.</param>
    /// <param name="serializer">The payload serializer for requests and responses.</param>
    /// <param name="loggerFactory">Logging; optional.</param>
    public CommandExecutor(ApplicationContext context, IMqttPubSubClient mqttClient, string commandName, IPayloadSerializer serializer, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(mqttClient);
        ArgumentNullException.ThrowIfNull(serializer);
        if (string.IsNullOrEmpty(commandName))
        {
            throw AioProtocolException.ConfigurationInvalid(nameof(commandName), commandName, "a command name is required");
        }

        this.context = context;
        this.mqttClient = mqttClient;
        this.commandName = commandName;
        this.serializer = serializer;
        logger = (ILogger?)loggerFactory?.CreateLogger<CommandExecutor<TReq, TResp>>() ?? NullLogger.Instance;
        subscription = new InboundSubscription(mqttClient, $"command '{commandName}'", $"CommandExecutor '{commandName}'", logger, OnRequestReceived);
    }

    /// <summary>The handler: gets the request and a token that fires at min(remaining expiry, execution timeout).</summary>
    public Func<ExtendedRequest<TReq>, CancellationToken, Task<ExtendedResponse<TResp>>>? OnCommandReceived { get; set; }

    /// <summary>The request topic pattern; tokens without a resident value become <c>+</c>.</summary>
    public string RequestTopicPattern { get; init; } = string.Empty;

    /// <summary>An optional namespace prefixed to the filter.</summary>
    public string? TopicNamespace { get; init; }

    /// <summary>Resident token values.</summary>
    public IReadOnlyDictionary<string, string> TopicTokenMap { get; init; } = new Dictionary<string, string>();

    /// <summary>When set, subscribes through <c>$share/{ServiceGroupId}/</c> so each request runs on one member of the group.</summary>
    public string? ServiceGroupId { get; init; }

    /// <summary>An identity for this executor, as the public SDK and the METL <c>executor-id</c> option have it: informational, it is not substituted into topic tokens (only <see cref="TopicTokenMap"/> fills them).</summary>
    public string? ExecutorId { get; init; }

    /// <summary>The longest a handler may run (default 10 s; must be positive).</summary>
    public TimeSpan ExecutionTimeout { get; init; } = DefaultExecutionTimeout;

    /// <summary>Whether the command is idempotent (allows a non-zero <see cref="CacheTtl"/>).</summary>
    public bool IsIdempotent { get; init; }

    /// <summary>Kept for the SDK's shape: must be zero unless <see cref="IsIdempotent"/>; entries always live until the request expires.</summary>
    public TimeSpan CacheTtl { get; init; } = TimeSpan.Zero;

    /// <summary>The dedup cache; defaults to an <see cref="InMemoryCommandResponseCache"/> owned by this executor instance.</summary>
    public ICommandResponseCache? ResponseCache { get; init; }

    /// <summary>Whether to add W3C <c>traceparent</c>/<c>tracestate</c> user properties to responses (off by default).</summary>
    public bool PropagateTraceContext { get; init; }

    /// <summary>Whether responses without a version of their own (<see cref="ResponseVersion"/>) are stamped with the application clock.</summary>
    /// <remarks>True by default, as the protocol says; the state store overrides it (its replies carry key versions, or no <c>__ts</c>).</remarks>
    protected virtual bool StampsResponsesWithApplicationClock => true;

    /// <summary>
    /// Reads the request's <c>__ts</c> before the payload is deserialized. By default it is decoded (a malformed value answers
    /// 400) and, once the request is accepted, merged into the application clock; the result is
    /// <c>RequestMetadata.Timestamp</c>.
    /// </summary>
    /// <param name="encoded">The <c>__ts</c> text, or <see langword="null"/> when the request has none.</param>
    /// <param name="userData">The request's user data, which an override may add to (it reaches the handler).</param>
    /// <returns>The timestamp to merge into the application clock, or <see langword="null"/> for none.</returns>
    /// <exception cref="AioProtocolException">The timestamp is malformed (answered as the protocol says).</exception>
    protected virtual HybridLogicalClock? ReadRequestTimestamp(string? encoded, IDictionary<string, string> userData) =>
        encoded is null ? null : HybridLogicalClock.DecodeFromString(AioUserProperties.Timestamp, encoded);

    /// <summary>
    /// Checks an accepted request before it is executed (and before it takes a dispatch slot). By default every request passes;
    /// an override returns the error to answer instead, mapped like the executor's own checks (<c>invalid header</c>: 400).
    /// </summary>
    /// <param name="request">The parsed request.</param>
    /// <returns>The error, or <see langword="null"/> to execute the request.</returns>
    protected virtual AioProtocolException? ValidateRequest(ExtendedRequest<TReq> request) => null;

    /// <summary>The version a success response carries as its own <c>__ts</c>, kept with it in the dedup cache.</summary>
    /// <param name="response">The handler's response.</param>
    /// <returns>The version, or <see langword="null"/> (the default): the response is stamped as <see cref="StampsResponsesWithApplicationClock"/> says.</returns>
    protected virtual HlcTimestamp? ResponseVersion(ExtendedResponse<TResp> response) => null;

    /// <summary>Validates the configuration, subscribes (QoS 1) and starts serving requests.</summary>
    /// <param name="preferredDispatchConcurrency">The most handlers running at once (default 10).</param>
    /// <param name="cancellationToken">Cancels the subscribe.</param>
    /// <returns>A task that completes when the SUBACK arrived.</returns>
    public async Task StartAsync(int? preferredDispatchConcurrency = null, CancellationToken cancellationToken = default)
    {
        try
        {
            await StartCoreAsync(preferredDispatchConcurrency, cancellationToken).ConfigureAwait(false);
        }
        catch (AioProtocolException ex)
        {
            EnvoyGuard.CountError(ex.Kind, "CommandExecutor");
            throw ex.CommandName is null ? ex.WithCommand(commandName) : ex;
        }
    }

    /// <summary>Unsubscribes and stops serving requests.</summary>
    /// <param name="cancellationToken">Cancels the unsubscribe.</param>
    /// <returns>A task that completes when the UNSUBACK arrived.</returns>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await subscription.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (AioProtocolException ex) when (ex.CommandName is null)
        {
            throw ex.WithCommand(commandName);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await subscription.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    private async Task StartCoreAsync(int? preferredDispatchConcurrency, CancellationToken cancellationToken)
    {
        EnvoyGuard.EnsureUsable(mqttClient);
        if (ExecutionTimeout <= TimeSpan.Zero)
        {
            throw AioProtocolException.ConfigurationInvalid(nameof(ExecutionTimeout), ExecutionTimeout, "the execution timeout must be positive");
        }

        if (CacheTtl < TimeSpan.Zero)
        {
            throw AioProtocolException.ConfigurationInvalid(nameof(CacheTtl), CacheTtl, "the cache TTL must not be negative");
        }

        if (!IsIdempotent && CacheTtl != TimeSpan.Zero)
        {
            throw AioProtocolException.ConfigurationInvalid(nameof(CacheTtl), CacheTtl, "a non-idempotent command must have a zero cache TTL");
        }

        var filter = TopicPattern.ResolveSubscribeFilter(RequestTopicPattern, nameof(RequestTopicPattern), TopicNamespace, TopicTokenMap, ServiceGroupId);
        if (OnCommandReceived is null)
        {
            throw AioProtocolException.ConfigurationInvalid(nameof(OnCommandReceived), null, "set the command handler before starting");
        }

        cache ??= ResponseCache ?? new InMemoryCommandResponseCache(context.TimeProvider);
        var topicFilter = TopicPattern.ResolveSubscribeFilter(RequestTopicPattern, nameof(RequestTopicPattern), TopicNamespace, TopicTokenMap);
        await subscription.StartAsync(filter, topicFilter, preferredDispatchConcurrency ?? DefaultDispatchConcurrency, cancellationToken).ConfigureAwait(false);
    }

    private Func<Task<Func<Task>?>> OnRequestReceived(MqttApplicationMessageReceivedEventArgs args)
    {
        var receivedAt = context.TimeProvider.GetUtcNow();
        ProtocolDiagnostics.RequestsReceived.Add(1, new KeyValuePair<string, object?>("rpc.method", commandName));
        return () => PrepareAsync(args, receivedAt);
    }

    private async Task ExecuteAsync(
        MqttApplicationMessageReceivedEventArgs args,
        ExtendedRequest<TReq> request,
        string responseTopic,
        byte[] correlationData,
        DateTimeOffset expiry,
        CommandCacheKey key)
    {
        var timeProvider = context.TimeProvider;
        var remaining = expiry - timeProvider.GetUtcNow();
        if (remaining <= TimeSpan.Zero)
        {
            ProtocolLog.ResponseSkipped(logger, commandName, args.ApplicationMessage.Topic, "the request expired while waiting for a dispatch slot");
            await cache!.CompleteAsync(key, null).ConfigureAwait(false);
            await args.AcknowledgeAsync(CancellationToken.None).ConfigureAwait(false);
            return;
        }

        using var activity = EnvoyGuard.StartReceiveActivity($"{commandName} execute", ActivityKind.Server, args.ApplicationMessage);
        activity?.SetTag("rpc.system", "aio");
        activity?.SetTag("rpc.method", commandName);
        activity?.SetTag("messaging.destination.name", args.ApplicationMessage.Topic);
        var started = timeProvider.GetTimestamp();
        CachedCommandResponse? response;
        using (var cancellation = new CancellationTokenSource(remaining < ExecutionTimeout ? remaining : ExecutionTimeout, timeProvider))
        {
            try
            {
                var handlerTask = OnCommandReceived!(request, cancellation.Token);
                var result = await handlerTask.WaitAsync(cancellation.Token).ConfigureAwait(false);
                response = SuccessResponse(result);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                activity?.SetStatus(ActivityStatusCode.Error, "execution timeout");
                response = ErrorResponse(
                    CommandStatusCode.RequestTimeout,
                    $"Command '{commandName}' did not complete within the execution timeout {ExecutionTimeout}",
                    nameof(ExecutionTimeout),
                    Iso8601Duration.Format(ExecutionTimeout));
            }
            catch (Exception ex)
            {
                activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
                ProtocolLog.HandlerFailed(logger, ex, commandName, request.RequestMetadata.CorrelationId.ToString());
                var error = ex as AioProtocolException;
                response = ErrorResponse(
                    CommandStatusCode.InternalServerError,
                    ex.Message,
                    error?.HeaderName ?? error?.PropertyName,
                    error?.HeaderValue ?? (error?.PropertyValue is { } v ? Convert.ToString(v, CultureInfo.InvariantCulture) : null),
                    applicationError: true);
            }
        }

        ProtocolDiagnostics.ExecutionDuration.Record(timeProvider.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("rpc.method", commandName));
        await PublishAndAcknowledgeAsync(args, responseTopic, correlationData, response, expiry, key).ConfigureAwait(false);
    }

    private void Detach(Func<Task> work) => _ = Task.Run(async () =>
    {
        try
        {
            await work().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            ProtocolLog.DispatchFailed(logger, ex);
        }
    });
}
