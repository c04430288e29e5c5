using System.Globalization;
using Microsoft.Extensions.Logging;
using OrleansAio.Abstractions.Common;
using OrleansAio.Abstractions.StateStore;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Protocol.Rpc;
using OrleansAio.Protocol.Serialization;

namespace OrleansAio.Protocol.StateStore;

/// <summary>The commands of the state store.</summary>
public enum StateStoreCommandKind
{
    /// <summary><c>SET key value [NX|NEX] [PX ms]</c>.</summary>
    Set,

    /// <summary><c>GET key</c>.</summary>
    Get,

    /// <summary><c>DEL key</c>.</summary>
    Delete,

    /// <summary><c>VDEL key value</c>.</summary>
    VDelete,

    /// <summary><c>KEYNOTIFY key</c>.</summary>
    KeyNotify,

    /// <summary><c>KEYNOTIFY key STOP</c>.</summary>
    KeyNotifyStop,
}

/// <summary>A validated state-store request, as the server hands it to its backend.</summary>
/// <param name="Kind">The command.</param>
/// <param name="Key">The key (non-empty, within the key limit).</param>
/// <param name="Value">The value of SET and VDEL.</param>
/// <param name="Condition">The SET condition.</param>
/// <param name="ExpiryMilliseconds">The SET's <c>PX</c>, if any.</param>
/// <param name="RequestTimestamp">The request's <c>__ts</c>.</param>
/// <param name="FencingToken">The request's <c>__ft</c>, if any.</param>
/// <param name="ClientId">The requesting MQTT client (<c>__srcId</c>, else <c>$partition</c>), if known.</param>
public sealed record StateStoreCommand(
    StateStoreCommandKind Kind,
    byte[] Key,
    byte[]? Value,
    SetCondition Condition,
    long? ExpiryMilliseconds,
    HlcTimestamp RequestTimestamp,
    HlcTimestamp? FencingToken,
    string? ClientId)
{
    /// <summary>When the request expires (its arrival plus its Message Expiry), if it has an expiry.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
}

/// <summary>A state-store reply: the RESP3 payload and the version to put in <c>__ts</c> (absent when <see langword="null"/>).</summary>
/// <param name="Payload">The RESP3 reply.</param>
/// <param name="Version">The key version, or <see langword="null"/>.</param>
public sealed record StateStoreReply(ReadOnlyMemory<byte> Payload, HlcTimestamp? Version)
{
    /// <summary><c>+OK</c> with a version.</summary>
    /// <param name="version">The version, or <see langword="null"/>.</param>
    /// <returns>The reply.</returns>
    public static StateStoreReply Ok(HlcTimestamp? version = null) => new(Resp3.Ok, version);

    /// <summary>An integer with an optional version.</summary>
    /// <param name="value">The integer.</param>
    /// <param name="version">The version, or <see langword="null"/>.</param>
    /// <returns>The reply.</returns>
    public static StateStoreReply Integer(long value, HlcTimestamp? version = null) => new(Resp3.EncodeInteger(value), version);

    /// <summary>A bulk string (GET hit) with its version.</summary>
    /// <param name="value">The value.</param>
    /// <param name="version">The version.</param>
    /// <returns>The reply.</returns>
    public static StateStoreReply Value(ReadOnlySpan<byte> value, HlcTimestamp version) => new(Resp3.EncodeBulk(value), version);

    /// <summary><c>$-1</c> without a version (GET miss).</summary>
    /// <returns>The reply.</returns>
    public static StateStoreReply NotFound() => new(Resp3.NullBulk, null);

    /// <summary><c>-ERR text</c> with the exact text of <paramref name="error"/>.</summary>
    /// <param name="error">The error.</param>
    /// <returns>The reply.</returns>
    public static StateStoreReply Error(StateStoreServiceError error) => new(Resp3.EncodeError(StateStoreErrors.TextOf(error)), null);
}

/// <summary>
/// The wire side of a state store: a <see cref="CommandExecutor{TReq,TResp}"/> on <see cref="StateStoreTopics.RequestTopic"/>
/// that parses RESP3 requests, validates them in the order of services.md 1.11 (RESP shape, command, arguments, options,
/// <c>__ts</c>, <c>__ft</c>, clock skew, empty key, size limits) answering the exact <c>-ERR</c> texts, and hands valid commands
/// to <see cref="OnCommandAsync"/>. Replies carry the key version as <c>__ts</c> (none on a GET miss).
/// </summary>
/// <remarks>
/// Every request gets a RESP3 reply (status 200) unless the MQTT envelope itself is unusable (no response topic, no correlation
/// data, expired). A backend exception (for instance storage failed) becomes the executor's 500 response, not a RESP error,
/// because the write's outcome is unknown.
/// </remarks>
public sealed partial class StateStoreServer : IAsyncDisposable
{
    private readonly ApplicationContext context;
    private readonly StateStoreCommandExecutor executor;
    private readonly ILogger logger;

    /// <summary>Creates a server.</summary>
    /// <param name="context">The application context (time for skew checks).</param>
    /// <param name="mqttClient">The MQTT session that receives requests and publishes replies.</param>
    /// <param name="loggerFactory">Logging; optional.</param>
    /// <param name="serviceGroupId">The shared-subscription group (every server in it takes a share), or <see langword="null"/>.</param>
    /// <param name="executionTimeout">The longest a request may execute, within its own expiry (default: the executor's 10 s).</param>
    public StateStoreServer(ApplicationContext context, IMqttPubSubClient mqttClient, ILoggerFactory? loggerFactory = null, string? serviceGroupId = "statestore", TimeSpan? executionTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(mqttClient);
        this.context = context;
        logger = (ILogger?)loggerFactory?.CreateLogger<StateStoreServer>() ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        executor = new StateStoreCommandExecutor(context, mqttClient, loggerFactory)
        {
            RequestTopicPattern = StateStoreTopics.RequestTopic,
            ServiceGroupId = serviceGroupId,
            ExecutionTimeout = executionTimeout ?? CommandExecutor<byte[], StateStoreReply>.DefaultExecutionTimeout,
            OnCommandReceived = HandleAsync,
        };
    }

    /// <summary>The backend: executes a validated command.</summary>
    public Func<StateStoreCommand, CancellationToken, Task<StateStoreReply>>? OnCommandAsync { get; set; }

    /// <summary>The largest key in bytes (default 16 KiB); larger keys are answered <c>the quota has been exceeded</c>.</summary>
    public int MaxKeyBytes { get; init; } = StateStoreLimits.DefaultMaxKeyBytes;

    /// <summary>The largest value in bytes (default 1 MiB); larger values are answered <c>the quota has been exceeded</c>.</summary>
    public int MaxValueBytes { get; init; } = StateStoreLimits.DefaultMaxValueBytes;

    /// <summary>How far ahead of the wall clock <c>__ts</c> and <c>__ft</c> may be (default 1 minute).</summary>
    public TimeSpan MaxClockDrift { get; init; } = StateStoreLimits.DefaultMaxClockDrift;

    /// <summary>Subscribes and starts serving.</summary>
    /// <param name="dispatchConcurrency">How many requests run at once (default 32).</param>
    /// <param name="cancellationToken">Cancels the subscribe.</param>
    /// <returns>A task that completes when subscribed.</returns>
    public Task StartAsync(int dispatchConcurrency = 32, CancellationToken cancellationToken = default)
    {
        if (OnCommandAsync is null)
        {
            throw AioProtocolException.ConfigurationInvalid(nameof(OnCommandAsync), null, "set the backend before starting");
        }

        return executor.StartAsync(dispatchConcurrency, cancellationToken);
    }

    /// <summary>Unsubscribes and stops serving.</summary>
    /// <param name="cancellationToken">Cancels the unsubscribe.</param>
    /// <returns>A task that completes when unsubscribed.</returns>
    public Task StopAsync(CancellationToken cancellationToken = default) => executor.StopAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => executor.DisposeAsync();

    /// <summary>Parses and validates one request (everything but the backend), for the executor and for tests.</summary>
    /// <param name="payload">The RESP3 payload.</param>
    /// <param name="timestamp">The <c>__ts</c> text, if any.</param>
    /// <param name="fencingToken">The <c>__ft</c> text, if any.</param>
    /// <param name="clientId">The requesting client id, if known.</param>
    /// <param name="command">The validated command.</param>
    /// <returns>The error to answer, or <see langword="null"/> when <paramref name="command"/> is valid.</returns>
    public StateStoreServiceError? Validate(ReadOnlySpan<byte> payload, string? timestamp, string? fencingToken, string? clientId, out StateStoreCommand command)
    {
        command = null!;
        if (!Resp3.TryParseArray(payload, out var elements, out _) || elements.Count == 0)
        {
            return StateStoreServiceError.SyntaxError;
        }

        var word = elements[0].AsSpan();
        StateStoreCommandKind kind;
        var condition = SetCondition.Unconditional;
        long? px = null;
        if (word.SequenceEqual("SET"u8))
        {
            if (elements.Count is < 3 or > 6)
            {
                return StateStoreServiceError.WrongNumberOfArguments;
            }

            kind = StateStoreCommandKind.Set;
            var seenCondition = false;
            for (var i = 3; i < elements.Count; i++)
            {
                var option = elements[i].AsSpan();
                if (!seenCondition && option.SequenceEqual("NX"u8))
                {
                    (condition, seenCondition) = (SetCondition.OnlyIfDoesNotExist, true);
                }
                else if (!seenCondition && option.SequenceEqual("NEX"u8))
                {
                    (condition, seenCondition) = (SetCondition.OnlyIfEqualOrDoesNotExist, true);
                }
                else if (px is null && option.SequenceEqual("PX"u8) && i + 1 < elements.Count && TryParseMilliseconds(elements[i + 1], out var ms))
                {
                    px = ms;
                    i++;
                }
                else
                {
                    return StateStoreServiceError.SyntaxError;
                }
            }
        }
        else if (word.SequenceEqual("GET"u8) || word.SequenceEqual("DEL"u8))
        {
            if (elements.Count != 2)
            {
                return StateStoreServiceError.WrongNumberOfArguments;
            }

            kind = word[0] == (byte)'G' ? StateStoreCommandKind.Get : StateStoreCommandKind.Delete;
        }
        else if (word.SequenceEqual("VDEL"u8))
        {
            if (elements.Count != 3)
            {
                return StateStoreServiceError.WrongNumberOfArguments;
            }

            kind = StateStoreCommandKind.VDelete;
        }
        else if (word.SequenceEqual("KEYNOTIFY"u8))
        {
            if (elements.Count is not (2 or 3))
            {
                return StateStoreServiceError.WrongNumberOfArguments;
            }

            if (elements.Count == 3 && !elements[2].AsSpan().SequenceEqual("STOP"u8))
            {
                return StateStoreServiceError.SyntaxError;
            }

            kind = elements.Count == 3 ? StateStoreCommandKind.KeyNotifyStop : StateStoreCommandKind.KeyNotify;
        }
        else
        {
            return StateStoreServiceError.UnknownCommand;
        }

        if (timestamp is null)
        {
            return StateStoreServiceError.TimestampMissing;
        }

        if (!TryDecode(timestamp, out var requestTimestamp))
        {
            return StateStoreServiceError.TimestampMalformed;
        }

        HlcTimestamp? token = null;
        if (fencingToken is not null && !TryDecode(fencingToken, out token))
        {
            return StateStoreServiceError.TimestampMalformed;
        }

        var limit = context.TimeProvider.GetUtcNow() + MaxClockDrift;
        if (requestTimestamp!.Timestamp > limit)
        {
            return StateStoreServiceError.TimestampSkew;
        }

        if (token is not null && token.Timestamp > limit)
        {
            return StateStoreServiceError.FencingTokenSkew;
        }

        var key = elements[1];
        if (key.Length == 0)
        {
            return StateStoreServiceError.KeyLengthZero;
        }

        var value = kind is StateStoreCommandKind.Set or StateStoreCommandKind.VDelete ? elements[2] : null;
        if (key.Length > MaxKeyBytes || value?.Length > MaxValueBytes)
        {
            return StateStoreServiceError.QuotaExceeded;
        }

        command = new StateStoreCommand(kind, key, value, condition, px, requestTimestamp, token, clientId);
        return null;
    }

    private static bool TryParseMilliseconds(byte[] text, out long milliseconds) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out milliseconds) && milliseconds > 0;

    private static bool TryDecode(string text, out HlcTimestamp? value)
    {
        var valid = HlcTimestamp.TryParse(text, out var parsed);
        value = valid ? parsed : null;
        return valid;
    }

    private async Task<ExtendedResponse<StateStoreReply>> HandleAsync(ExtendedRequest<byte[]> request, CancellationToken cancellationToken)
    {
        var metadata = request.RequestMetadata;
        metadata.UserData.TryGetValue(AioUserProperties.Timestamp, out var timestamp);
        metadata.UserData.TryGetValue(StateStoreTopics.FencingToken, out var fencingToken);
        var clientId = metadata.InvokerClientId ?? metadata.Partition;
        StateStoreReply reply;
        var started = context.TimeProvider.GetTimestamp();
        if (Validate(request.Request ?? [], timestamp, fencingToken, clientId, out var command) is { } error)
        {
            LogRejected(error, clientId);
            reply = StateStoreReply.Error(error);
            StateStoreMetrics.RecordRejected(error);
        }
        else
        {
            command = command with { ExpiresAt = metadata.ExpiresAt };
            try
            {
                reply = await OnCommandAsync!(command, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                StateStoreMetrics.RecordFailed(command.Kind, ex, context.TimeProvider.GetElapsedTime(started));
                throw;
            }

            StateStoreMetrics.RecordServed(command.Kind, reply, context.TimeProvider.GetElapsedTime(started));
        }

        return ExtendedResponse<StateStoreReply>.CreateFromResponse(reply);
    }

    /// <summary>
    /// The RPC executor with the state store's timestamp rules (services.md 1.4, 1.11): the request's <c>__ts</c> is neither
    /// decoded nor merged into the clock but reaches the handler verbatim in the user data, to be validated with the state store's
    /// own errors; a reply's <c>__ts</c> is the key version it carries (none on a GET miss or an error), never the clock.
    /// </summary>
    private sealed class StateStoreCommandExecutor(ApplicationContext context, IMqttPubSubClient mqttClient, ILoggerFactory? loggerFactory)
        : CommandExecutor<byte[], StateStoreReply>(context, mqttClient, StateStoreTopics.CommandName, new ReplySerializer(), loggerFactory)
    {
        protected override bool StampsResponsesWithApplicationClock => false;

        protected override HybridLogicalClock? ReadRequestTimestamp(string? encoded, IDictionary<string, string> userData)
        {
            if (encoded is not null)
            {
                userData[AioUserProperties.Timestamp] = encoded;
            }

            return null;
        }

        protected override HlcTimestamp? ResponseVersion(ExtendedResponse<StateStoreReply> response) => response.Response?.Version;
    }

    /// <summary>Raw bytes in (the RESP3 request), a <see cref="StateStoreReply"/>'s RESP3 bytes out.</summary>
    private sealed class ReplySerializer : IPayloadSerializer
    {
        private readonly RawPayloadSerializer raw = new();

        public SerializedPayloadContext ToBytes<T>(T? payload) => payload is StateStoreReply reply ? raw.ToBytes(reply.Payload) : raw.ToBytes(payload);

        public T? FromBytes<T>(System.Buffers.ReadOnlySequence<byte> payload, string? contentType, MQTTnet.Protocol.MqttPayloadFormatIndicator formatIndicator) =>
            raw.FromBytes<T>(payload, contentType, formatIndicator);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "State store request from {ClientId} rejected: {Error}")]
    private partial void LogRejected(StateStoreServiceError error, string? clientId);
}
