using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;
using OrleansAio.Abstractions.Common;
using OrleansAio.Protocol.CloudEvents;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Diagnostics;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Protocol.Serialization;

namespace OrleansAio.Protocol.Rpc;

/// <summary>
/// Invokes a command: publishes a request (QoS 1, Response Topic, 16-byte Correlation Data, Message Expiry = timeout) and awaits
/// the executor's response on a lazily subscribed response topic (protocol.md §1.3, §1.10, §1.11).
/// </summary>
/// <typeparam name="TReq">The request type.</typeparam>
/// <typeparam name="TResp">The response type.</typeparam>
/// <remarks>
/// Errors are <see cref="AioProtocolException"/>s: remote ones (<see cref="AioProtocolException.IsRemote"/>) mirror the response's
/// status per §1.10; local ones cover configuration, MQTT failures, timeouts, cancellation and malformed responses. Only the first
/// response for a correlation ID completes the call.
/// </remarks>
public class CommandInvoker<TReq, TResp> : IAsyncDisposable
{
    /// <summary>The default command timeout.</summary>
    public static readonly TimeSpan DefaultCommandTimeout = TimeSpan.FromSeconds(10);

    private readonly ApplicationContext context;
    private readonly IMqttPubSubClient mqttClient;
    private readonly string commandName;
    private readonly IPayloadSerializer serializer;
    private readonly ILogger logger;
    private readonly ConcurrentDictionary<Guid, PendingCall> pending = new();
    private readonly ConcurrentDictionary<string, Lazy<Task>> subscriptions = new(StringComparer.Ordinal);

    // The keys of subscriptions, for the per-message topic check without a snapshot allocation; replaced under its own lock.
    private readonly Lock filtersGate = new();
    private volatile string[] filters = [];

    // The topics of the last client id, for calls without additional topic tokens (the options are fixed after construction).
    private volatile ResolvedTopics? resolvedTopics;
    private int listening;

    /// <summary>Creates an invoker.</summary>
    /// <param name="context">The application context (clock and time source).</param>
    /// <param name="mqttClient">The MQTT session.</param>
    /// <param name="commandName">The command name (used in errors and logs); must not be null or empty.</param>
    /// <param name="serializer">The payload serializer for requests and responses.</param>
    /// <param name="loggerFactory">Logging; optional.</param>
    public CommandInvoker(ApplicationContext context, IMqttPubSubClient mqttClient, string commandName, IPayloadSerializer serializer, ILoggerFactory? loggerFactory = null)
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
        logger = (ILogger?)loggerFactory?.CreateLogger<CommandInvoker<TReq, TResp>>() ?? NullLogger.Instance;
    }

    /// <summary>The request topic pattern.</summary>
    public string RequestTopicPattern { get; init; } = string.Empty;

    /// <summary>An optional namespace prefixed to request and response topics.</summary>
    public string? TopicNamespace { get; init; }

    /// <summary>A prefix for the response topic; with no prefix and no suffix the prefix is <c>clients/{clientId}</c>.</summary>
    public string? ResponseTopicPrefix { get; init; }

    /// <summary>A suffix for the response topic.</summary>
    public string? ResponseTopicSuffix { get; init; }

    /// <summary>A full response topic pattern; overrides prefix and suffix.</summary>
    public string? ResponseTopicPattern { get; init; }

    /// <summary>Resident token values; they win over per-call values with the same key.</summary>
    public IReadOnlyDictionary<string, string> TopicTokenMap { get; init; } = new Dictionary<string, string>();

    /// <summary>Whether to add W3C <c>traceparent</c>/<c>tracestate</c> user properties to requests (off by default).</summary>
    public bool PropagateTraceContext { get; init; }

    /// <summary>Reserved user-data names this invoker may send (the state store's <c>__ft</c>); none by default.</summary>
    internal IReadOnlySet<string>? PermittedReservedUserData { get; init; }

    /// <summary>Invokes the command and awaits its response.</summary>
    /// <param name="request">The request value (<see langword="null"/> sends an empty payload).</param>
    /// <param name="metadata">Correlation ID, user data and CloudEvent; optional.</param>
    /// <param name="additionalTopicTokenMap">Per-call token values (for instance <c>executorId</c>).</param>
    /// <param name="commandTimeout">The timeout, rounded up to whole seconds (default 10 s); also the request's Message Expiry.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The response and its metadata.</returns>
    public async Task<ExtendedResponse<TResp>> InvokeCommandAsync(
        TReq? request,
        CommandRequestMetadata? metadata = null,
        IReadOnlyDictionary<string, string>? additionalTopicTokenMap = null,
        TimeSpan? commandTimeout = null,
        CancellationToken cancellationToken = default)
    {
        var correlationId = metadata?.CorrelationId ?? Guid.NewGuid();
        try
        {
            return await InvokeCoreAsync(request, metadata, correlationId, additionalTopicTokenMap, commandTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (AioProtocolException ex)
        {
            EnvoyGuard.CountError(ex.Kind, "CommandInvoker");
            if (ex.CommandName is null)
            {
                throw ex.WithCommand(commandName, correlationId);
            }

            throw;
        }
    }

    /// <summary>Unsubscribes from every response topic filter this invoker subscribed to.</summary>
    /// <param name="cancellationToken">Cancels the unsubscribe.</param>
    /// <returns>A task that completes when the UNSUBACKs arrived.</returns>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        var subscribed = subscriptions.Keys.ToList();
        subscriptions.Clear();
        RefreshFilters();
        if (Interlocked.Exchange(ref listening, 0) == 1)
        {
            mqttClient.ApplicationMessageReceivedAsync -= OnMessageReceivedAsync;
        }

        foreach (var filter in subscribed)
        {
            try
            {
                await EnvoySubscriptions.UnsubscribeAsync(mqttClient, filter, $"the responses of command '{commandName}'", cancellationToken).ConfigureAwait(false);
            }
            catch (AioProtocolException ex) when (ex.CommandName is null)
            {
                throw ex.WithCommand(commandName);
            }

            ProtocolLog.Unsubscribed(logger, $"CommandInvoker '{commandName}'", filter);
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref listening, 0) == 1)
        {
            mqttClient.ApplicationMessageReceivedAsync -= OnMessageReceivedAsync;
        }

        foreach (var call in pending.Values)
        {
            call.Completion.TrySetException(new AioProtocolException(AioErrorKind.Cancellation, $"The invoker for command '{commandName}' was disposed"));
        }

        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    private async Task<ExtendedResponse<TResp>> InvokeCoreAsync(
        TReq? request,
        CommandRequestMetadata? metadata,
        Guid correlationId,
        IReadOnlyDictionary<string, string>? additionalTopicTokenMap,
        TimeSpan? commandTimeout,
        CancellationToken cancellationToken)
    {
        var clientId = EnvoyGuard.EnsureUsable(mqttClient);
        var timeout = commandTimeout ?? DefaultCommandTimeout;
        var expirySeconds = EnvoyGuard.RoundUpToSeconds(timeout, "commandTimeout");
        var (requestTopic, responseTopic, responseFilter) = ResolveTopics(clientId, additionalTopicTokenMap);
        if (metadata is not null)
        {
            foreach (var key in metadata.UserData.Keys)
            {
                if ((key.StartsWith(AioUserProperties.ReservedPrefix, StringComparison.Ordinal) || key == AioUserProperties.Partition)
                    && PermittedReservedUserData?.Contains(key) != true)
                {
                    throw AioProtocolException.ConfigurationInvalid("UserData", key, "user property names starting with '__', and '$partition', are reserved for the protocol");
                }
            }
        }

        SerializedPayloadContext serialized;
        try
        {
            serialized = serializer.ToBytes(request);
        }
        catch (AioProtocolException ex)
        {
            throw new AioProtocolException(ex.Kind, ex.Message, ex.InnerException) { IsShallow = true, PropertyName = ex.PropertyName, PropertyValue = ex.PropertyValue };
        }
        catch (Exception ex)
        {
            throw AioProtocolException.PayloadInvalid($"Serializing the request failed: {ex.Message}", isShallow: true, ex);
        }

        var message = new MqttApplicationMessage
        {
            Topic = requestTopic,
            QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            ResponseTopic = responseTopic,
            CorrelationData = correlationId.ToByteArray(),
            MessageExpiryInterval = expirySeconds,
            Payload = serialized.SerializedPayload,
            UserProperties = [],
        };
        if (!serialized.SerializedPayload.IsEmpty)
        {
            message.ContentType = serialized.ContentType;
            message.PayloadFormatIndicator = serialized.PayloadFormatIndicator;
        }

        var cloudEventAttributes = metadata?.CloudEvent is null
            ? null
            : CloudEventMessageExtensions.Validate(
                metadata.CloudEvent, requestTopic, message.ContentType, CloudEventMessageExtensions.RequestType, context.TimeProvider.GetUtcNow());

        var call = new PendingCall(responseTopic);
        if (!pending.TryAdd(correlationId, call))
        {
            throw AioProtocolException.StateInvalid("CorrelationId", correlationId, $"A call with correlation ID {correlationId} is already in flight", isShallow: true);
        }

        using var activity = ProtocolDiagnostics.ActivitySource.StartActivity($"{commandName} invoke", ActivityKind.Client);
        activity?.SetTag("rpc.system", "aio");
        activity?.SetTag("rpc.method", commandName);
        activity?.SetTag("messaging.destination.name", requestTopic);
        var started = context.TimeProvider.GetTimestamp();
        try
        {
            EnsureListening();
            await EnsureSubscribedAsync(responseFilter, cancellationToken).ConfigureAwait(false);

            var timestamp = await context.ApplicationHlc.UpdateNowAsync(context.MaxClockDrift, cancellationToken).ConfigureAwait(false);
            if (metadata is not null)
            {
                metadata.Timestamp = HybridLogicalClock.DecodeFromString(AioUserProperties.Timestamp, timestamp);
            }

            message.AddUserProperty(AioUserProperties.ProtocolVersion, ProtocolVersion.Rpc.ToString());
            message.AddUserProperty(AioUserProperties.Partition, clientId);
            message.AddUserProperty(AioUserProperties.SourceId, clientId);
            message.AddUserProperty(AioUserProperties.InvokerClientId, clientId);
            message.AddUserProperty(AioUserProperties.Timestamp, timestamp);
            if (metadata is not null)
            {
                foreach (var (key, value) in metadata.UserData)
                {
                    message.AddUserProperty(key, value);
                }
            }

            if (cloudEventAttributes is not null)
            {
                foreach (var (key, value) in cloudEventAttributes)
                {
                    message.AddUserProperty(key, value);
                }
            }

            if (PropagateTraceContext)
            {
                EnvoyGuard.AddTraceContext(message, activity);
            }

            message.AddUserProperty(AioUserProperties.HighPriority, string.Empty);

            MqttClientPublishResult result;
            try
            {
                result = await mqttClient.PublishAsync(message, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
            {
                throw new AioProtocolException(AioErrorKind.Cancellation, $"Command '{commandName}' was cancelled", ex);
            }
            catch (Exception ex) when (ex is not AioProtocolException)
            {
                throw AioProtocolException.MqttError($"Publishing the request for command '{commandName}' failed: {ex.Message}", ex);
            }

            if (result.ReasonCode != MqttClientPublishReasonCode.Success)
            {
                throw AioProtocolException.MqttError(
                    $"The broker refused the request for command '{commandName}': PUBACK reason code {result.ReasonCode} {result.ReasonString}");
            }

            ProtocolDiagnostics.RequestsSent.Add(1, new KeyValuePair<string, object?>("rpc.method", commandName));
            var waitFor = TimeSpan.FromSeconds(expirySeconds);
            try
            {
                var response = await call.Completion.Task.WaitAsync(waitFor, context.TimeProvider, cancellationToken).ConfigureAwait(false);
                ProtocolDiagnostics.InvocationDuration.Record(
                    context.TimeProvider.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("rpc.method", commandName));
                return response;
            }
            catch (TimeoutException ex)
            {
                throw AioProtocolException.Timeout("commandTimeout", waitFor, $"Command '{commandName}' timed out after {waitFor} while waiting for a response", ex);
            }
            catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
            {
                throw new AioProtocolException(AioErrorKind.Cancellation, $"Command '{commandName}' was cancelled", ex);
            }
        }
        catch (AioProtocolException ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Kind.ToString());
            ProtocolDiagnostics.InvocationErrors.Add(
                1, new KeyValuePair<string, object?>("rpc.method", commandName), new KeyValuePair<string, object?>("error.type", ex.Kind.ToString()));
            throw;
        }
        finally
        {
            pending.TryRemove(correlationId, out _);
        }
    }

    private (string RequestTopic, string ResponseTopic, string ResponseFilter) ResolveTopics(
        string clientId, IReadOnlyDictionary<string, string>? additionalTopicTokenMap)
    {
        if (additionalTopicTokenMap is null or { Count: 0 })
        {
            if (resolvedTopics is { } cached && string.Equals(cached.ClientId, clientId, StringComparison.Ordinal))
            {
                return cached.Topics;
            }

            var topics = ResolveTopicsUncached(clientId, null);
            resolvedTopics = new ResolvedTopics(clientId, topics);
            return topics;
        }

        return ResolveTopicsUncached(clientId, additionalTopicTokenMap);
    }

    private (string RequestTopic, string ResponseTopic, string ResponseFilter) ResolveTopicsUncached(
        string clientId, IReadOnlyDictionary<string, string>? additionalTopicTokenMap)
    {
        TopicPattern.ValidateNamespace(TopicNamespace);
        var combined = TopicPattern.CombineTokenMaps(TopicTokenMap, additionalTopicTokenMap);
        var requestTopic = TopicPattern.ResolvePublishTopic(RequestTopicPattern, nameof(RequestTopicPattern), TopicNamespace, combined);
        string responsePattern;
        string responsePropertyName;
        if (ResponseTopicPattern is not null)
        {
            responsePattern = ResponseTopicPattern;
            responsePropertyName = nameof(ResponseTopicPattern);
        }
        else
        {
            var prefix = ResponseTopicPrefix;
            var suffix = ResponseTopicSuffix;
            if (string.IsNullOrWhiteSpace(prefix) && string.IsNullOrWhiteSpace(suffix))
            {
                prefix = $"clients/{clientId}";
                suffix = null;
            }

            if (prefix is not null)
            {
                TopicPattern.Validate(prefix, nameof(ResponseTopicPrefix), combined, requireReplacement: true);
            }

            if (suffix is not null)
            {
                TopicPattern.Validate(suffix, nameof(ResponseTopicSuffix), combined, requireReplacement: true);
            }

            responsePattern = (prefix is null ? string.Empty : prefix + "/") + RequestTopicPattern + (suffix is null ? string.Empty : "/" + suffix);
            responsePropertyName = nameof(ResponseTopicPattern);
        }

        var responseTopic = TopicPattern.ResolvePublishTopic(responsePattern, responsePropertyName, TopicNamespace, combined);
        var responseFilter = TopicPattern.ResolveSubscribeFilter(responsePattern, responsePropertyName, TopicNamespace, TopicTokenMap);
        return (requestTopic, responseTopic, responseFilter);
    }

    private bool MatchesAnyFilter(string topic)
    {
        foreach (var filter in filters)
        {
            if (TopicPattern.MatchesFilter(topic, filter))
            {
                return true;
            }
        }

        return false;
    }

    private void RefreshFilters()
    {
        lock (filtersGate)
        {
            filters = [.. subscriptions.Keys];
        }
    }

    private void EnsureListening()
    {
        if (Interlocked.CompareExchange(ref listening, 1, 0) == 0)
        {
            mqttClient.ApplicationMessageReceivedAsync += OnMessageReceivedAsync;
        }
    }

    private async Task EnsureSubscribedAsync(string filter, CancellationToken cancellationToken)
    {
        var subscription = subscriptions.GetOrAdd(filter, f => new Lazy<Task>(() => SubscribeAsync(f)));
        if (Array.IndexOf(filters, filter) < 0)
        {
            RefreshFilters();
        }

        try
        {
            await subscription.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (AioProtocolException)
        {
            subscriptions.TryRemove(new KeyValuePair<string, Lazy<Task>>(filter, subscription));
            RefreshFilters();
            throw;
        }
    }

    private async Task SubscribeAsync(string filter)
    {
        try
        {
            await EnvoySubscriptions.SubscribeAsync(mqttClient, filter, $"the responses of command '{commandName}'", CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex)
        {
            // Shared by every invocation waiting on this filter, so no caller's cancellation applies: the session gave up.
            throw AioProtocolException.MqttError($"Subscribing the responses of command '{commandName}' to '{filter}' was abandoned: {ex.Message}", ex);
        }

        ProtocolLog.Subscribed(logger, $"CommandInvoker '{commandName}'", filter);
    }

    private Task OnMessageReceivedAsync(MqttApplicationMessageReceivedEventArgs args)
    {
        var message = args.ApplicationMessage;
        if (!MatchesAnyFilter(message.Topic))
        {
            return Task.CompletedTask;
        }

        if (message.CorrelationData is not { Length: 16 } correlationData)
        {
            ProtocolLog.ResponseIgnored(logger, commandName, "the correlation data is missing or not 16 bytes");
            return Task.CompletedTask;
        }

        var correlationId = new Guid(correlationData);
        if (!pending.TryGetValue(correlationId, out var call))
        {
            ProtocolLog.ResponseIgnored(logger, commandName, $"no call is waiting for correlation ID {correlationId}");
            return Task.CompletedTask;
        }

        if (!string.Equals(message.Topic, call.ResponseTopic, StringComparison.Ordinal))
        {
            ProtocolLog.ResponseIgnored(logger, commandName, $"response for {correlationId} arrived on '{message.Topic}', not '{call.ResponseTopic}'");
            return Task.CompletedTask;
        }

        // The response is handed to the waiting call before this handler returns, so the automatic PUBACK follows it.
        try
        {
            call.Completion.TrySetResult(ParseResponse(message, correlationId));
        }
        catch (AioProtocolException ex)
        {
            call.Completion.TrySetException(ex.WithCommand(commandName, correlationId));
        }

        return Task.CompletedTask;
    }

    private ExtendedResponse<TResp> ParseResponse(MqttApplicationMessage message, Guid correlationId)
    {
        var version = message.GetUserProperty(AioUserProperties.ProtocolVersion);
        if (!ProtocolVersion.IsSupported(version, ProtocolVersion.SupportedRpcMajors))
        {
            throw AioProtocolException.UnsupportedVersion(
                version, [.. ProtocolVersion.SupportedRpcMajors], isRemote: false, $"Received a response with an unsupported protocol version '{version}'");
        }

        var statusText = message.GetUserProperty(AioUserProperties.Status);
        if (statusText is null)
        {
            throw AioProtocolException.HeaderMissing(AioUserProperties.Status, message: $"The response is missing the MQTT user property '{AioUserProperties.Status}'");
        }

        if (!int.TryParse(statusText, NumberStyles.None, CultureInfo.InvariantCulture, out var status))
        {
            throw AioProtocolException.HeaderInvalid(AioUserProperties.Status, statusText);
        }

        if (status is not ((int)CommandStatusCode.OK or (int)CommandStatusCode.NoContent))
        {
            throw RemoteError(message, status);
        }

        TResp? value;
        try
        {
            value = serializer.FromBytes<TResp>(message.Payload, message.ContentType, message.PayloadFormatIndicator);
        }
        catch (AioProtocolException)
        {
            throw;
        }
        catch (Exception ex)
        {
            throw AioProtocolException.PayloadInvalid($"The response payload cannot be deserialized: {ex.Message}", innerException: ex);
        }

        HybridLogicalClock? timestamp = null;
        if (message.GetUserProperty(AioUserProperties.Timestamp) is { } ts)
        {
            timestamp = HybridLogicalClock.DecodeFromString(AioUserProperties.Timestamp, ts);
            context.ApplicationHlc.UpdateWithOther(timestamp, context.MaxClockDrift);
        }

        var userData = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, val) in message.EnumerateUserProperties())
        {
            if (!key.StartsWith(AioUserProperties.ReservedPrefix, StringComparison.Ordinal))
            {
                userData.TryAdd(key, val);
            }
        }

        return new ExtendedResponse<TResp>
        {
            Response = value,
            ResponseMetadata = new CommandResponseMetadata
            {
                CorrelationId = correlationId,
                Timestamp = timestamp,
                UserData = userData,
                ContentType = message.ContentType,
                PayloadFormatIndicator = message.PayloadFormatIndicator,
                ExtendedCloudEvent = message.GetCloudEvent(),
            },
        };
    }

    private AioProtocolException RemoteError(MqttApplicationMessage message, int status)
    {
        var statusMessage = message.GetUserProperty(AioUserProperties.StatusMessage);
        var propertyName = message.GetUserProperty(AioUserProperties.InvalidPropertyName);
        var propertyValue = message.GetUserProperty(AioUserProperties.InvalidPropertyValue);
        var applicationError = message.GetUserProperty(AioUserProperties.IsApplicationError) is { Length: > 0 } apErr
            && !string.Equals(apErr, "false", StringComparison.OrdinalIgnoreCase);
        string Describe(string fallback) => statusMessage ?? $"Command '{commandName}' failed with status {status}: {fallback}";

        switch (status)
        {
            case (int)CommandStatusCode.BadRequest when propertyValue is not null:
                return new AioProtocolException(AioErrorKind.HeaderInvalid, Describe($"invalid header '{propertyName}'"))
                { IsRemote = true, HeaderName = propertyName, HeaderValue = propertyValue };
            case (int)CommandStatusCode.BadRequest when propertyName is not null:
                return new AioProtocolException(AioErrorKind.HeaderMissing, Describe($"missing header '{propertyName}'"))
                { IsRemote = true, HeaderName = propertyName };
            case (int)CommandStatusCode.BadRequest:
                return new AioProtocolException(AioErrorKind.PayloadInvalid, Describe("invalid payload")) { IsRemote = true };
            case (int)CommandStatusCode.RequestTimeout:
                return new AioProtocolException(AioErrorKind.Timeout, Describe($"timeout '{propertyName}'"))
                {
                    IsRemote = true,
                    TimeoutName = propertyName,
                    TimeoutValue = Iso8601Duration.TryParse(propertyValue, out var timeoutValue) ? timeoutValue : null,
                };
            case (int)CommandStatusCode.UnsupportedMediaType:
                return new AioProtocolException(AioErrorKind.HeaderInvalid, Describe($"unsupported '{propertyName}' = '{propertyValue}'"))
                { IsRemote = true, HeaderName = propertyName, HeaderValue = propertyValue };
            case (int)CommandStatusCode.InternalServerError when applicationError:
                return new AioProtocolException(AioErrorKind.ExecutionException, Describe("execution error"))
                { IsRemote = true, PropertyName = propertyName, PropertyValue = propertyValue };
            case (int)CommandStatusCode.InternalServerError when propertyName is not null:
                return new AioProtocolException(AioErrorKind.InternalLogicError, Describe($"internal logic error at '{propertyName}'"))
                { IsRemote = true, PropertyName = propertyName, PropertyValue = propertyValue };
            case (int)CommandStatusCode.InternalServerError:
                return new AioProtocolException(AioErrorKind.UnknownError, Describe("unknown error")) { IsRemote = true };
            case (int)CommandStatusCode.ServiceUnavailable:
                return new AioProtocolException(AioErrorKind.StateInvalid, Describe("invalid state"))
                { IsRemote = true, PropertyName = propertyName, PropertyValue = propertyValue };
            case (int)CommandStatusCode.NotSupportedVersion:
                var requestVersion = message.GetUserProperty(AioUserProperties.RequestProtocolVersion);
                return new AioProtocolException(AioErrorKind.UnsupportedVersion, Describe($"unsupported protocol version '{requestVersion}'"))
                {
                    IsRemote = true,
                    ProtocolVersion = requestVersion,
                    SupportedMajorProtocolVersions = ProtocolVersion.ParseSupportedMajors(message.GetUserProperty(AioUserProperties.SupportedMajorProtocolVersions)),
                };
            default:
                return new AioProtocolException(AioErrorKind.UnknownError, Describe("unrecognized status"))
                { IsRemote = true, PropertyName = propertyName, PropertyValue = propertyValue };
        }
    }

    private sealed class PendingCall(string responseTopic)
    {
        public string ResponseTopic { get; } = responseTopic;

        public TaskCompletionSource<ExtendedResponse<TResp>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed record ResolvedTopics(string ClientId, (string RequestTopic, string ResponseTopic, string ResponseFilter) Topics);
}
