using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;
using OrleansAio.Abstractions.Common;
using OrleansAio.Abstractions.StateStore;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Protocol.Rpc;
using OrleansAio.Protocol.Serialization;

namespace OrleansAio.Protocol.StateStore;

/// <summary>
/// A client of any AIO-compatible state store over MQTT (services.md 1): RESP3 requests on
/// <see cref="StateStoreTopics.RequestTopic"/> through a <see cref="CommandInvoker{TReq,TResp}"/>, key versions from the replies'
/// <c>__ts</c>, and key-change notifications on <c>clients/statestore/v1/.../{HEX(clientId)}/command/notify/{HEX(key)}</c>.
/// Method names follow the public AIO SDK's <c>StateStoreClient</c>.
/// </summary>
/// <remarks>
/// Service errors (<c>-ERR ...</c>) surface as <see cref="AioProtocolException"/> of kind
/// <see cref="AioErrorKind.ExecutionException"/>; <see cref="StateStoreErrors.GetStateStoreError"/> names which. The first
/// <see cref="ObserveAsync"/> subscribes to the client's notification filter in the upper-case hex form (as the Rust SDK does);
/// notifications are raised through <see cref="KeyChangeMessageReceivedAsync"/> in arrival order. On an
/// <see cref="Session.MqttSessionClient"/>, observations survive reconnects: after the session reconnects the client sends
/// KEYNOTIFY again for every key it observes (a state store ends a client's observations when its connection ends), so leases and
/// leader elections built on it keep being notified; notifications sent while it was disconnected are not replayed.
/// </remarks>
public sealed partial class StateStoreClient : IStateStoreClient
{
    private static readonly IReadOnlySet<string> PermittedReserved = new HashSet<string>(StringComparer.Ordinal) { StateStoreTopics.FencingToken };

    private readonly IMqttPubSubClient mqttClient;
    private readonly CommandInvoker<byte[], byte[]> invoker;
    private readonly ILogger logger;
    private readonly SemaphoreSlim subscribeGate = new(1, 1);
    private readonly Lock observedGate = new();
    private readonly HashSet<string> observed = new(StringComparer.Ordinal);
    private readonly Session.MqttSessionClient? session;
    private string? notificationPrefix;
    private bool subscribed;
    private bool disposed;

    /// <summary>Creates a client.</summary>
    /// <param name="context">The application context (clock and time).</param>
    /// <param name="mqttClient">A connected MQTT 5 session with a client id.</param>
    /// <param name="loggerFactory">Logging; optional.</param>
    public StateStoreClient(ApplicationContext context, IMqttPubSubClient mqttClient, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(mqttClient);
        this.mqttClient = mqttClient;
        logger = (ILogger?)loggerFactory?.CreateLogger<StateStoreClient>() ?? NullLogger.Instance;
        invoker = new CommandInvoker<byte[], byte[]>(context, mqttClient, StateStoreTopics.CommandName, new RawPayloadSerializer(), loggerFactory)
        {
            RequestTopicPattern = StateStoreTopics.RequestTopic,
            PermittedReservedUserData = PermittedReserved,
        };
        mqttClient.ApplicationMessageReceivedAsync += OnMessageReceivedAsync;
        session = mqttClient as Session.MqttSessionClient;
        if (session is not null)
        {
            session.ConnectedAsync += OnReconnectedAsync;
        }
    }

    /// <summary>Raised once per notification of an observed key, in arrival order.</summary>
    public event Func<object?, KeyChangeMessageReceivedEventArgs, Task>? KeyChangeMessageReceivedAsync;

    /// <summary>Reads a key (GET).</summary>
    /// <param name="key">The key.</param>
    /// <param name="requestTimeout">The timeout (default 10 s, whole seconds).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The value and version, or both <see langword="null"/> when the key is absent.</returns>
    public async Task<StateStoreGetResponse> GetAsync(StateStoreKey key, TimeSpan? requestTimeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var (reply, version) = await InvokeAsync(Resp3.EncodeArray("GET"u8.ToArray(), key.Bytes), null, requestTimeout, cancellationToken).ConfigureAwait(false);
        return reply.Kind switch
        {
            Resp3ReplyKind.BulkString => new StateStoreGetResponse(version, new StateStoreValue(reply.Bytes!)),
            Resp3ReplyKind.Null => new StateStoreGetResponse(null, null),
            _ => throw Unexpected("GET", reply),
        };
    }

    /// <summary>Writes a key (SET with optional NX/NEX, PX and fencing token).</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="options">Condition, expiry and fencing token.</param>
    /// <param name="requestTimeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Whether it was applied and the version.</returns>
    public async Task<StateStoreSetResponse> SetAsync(
        StateStoreKey key,
        StateStoreValue value,
        StateStoreSetRequestOptions? options = null,
        TimeSpan? requestTimeout = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        options ??= new StateStoreSetRequestOptions();
        var elements = new List<ReadOnlyMemory<byte>> { "SET"u8.ToArray(), key.Bytes, value.Bytes };
        switch (options.Condition)
        {
            case SetCondition.OnlyIfDoesNotExist:
                elements.Add("NX"u8.ToArray());
                break;
            case SetCondition.OnlyIfEqualOrDoesNotExist:
                elements.Add("NEX"u8.ToArray());
                break;
            case SetCondition.Unconditional:
                break;
            default:
                throw AioProtocolException.ConfigurationInvalid(nameof(options.Condition), options.Condition, "unknown set condition");
        }

        if (options.ExpiryTime is { } expiry)
        {
            if (expiry < TimeSpan.FromMilliseconds(1))
            {
                throw AioProtocolException.ConfigurationInvalid(nameof(options.ExpiryTime), expiry, "the expiry must be at least 1 ms");
            }

            elements.Add("PX"u8.ToArray());
            elements.Add(Encoding.ASCII.GetBytes(((long)expiry.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)));
        }

        var metadata = new CommandRequestMetadata();
        if (options.FencingToken is { } token)
        {
            metadata.UserData[StateStoreTopics.FencingToken] = token.EncodeToString();
        }

        if (options.PersistEntry)
        {
            metadata.UserData[StateStoreTopics.Persistence] = "true";
        }

        var (reply, version) = await InvokeAsync(Resp3.EncodeArray([.. elements]), metadata, requestTimeout, cancellationToken).ConfigureAwait(false);
        return reply switch
        {
            { Kind: Resp3ReplyKind.SimpleString, Text: "OK" } => new StateStoreSetResponse(version, true),
            { Kind: Resp3ReplyKind.Integer, Integer: -1 } => new StateStoreSetResponse(version, false),
            _ => throw Unexpected("SET", reply),
        };
    }

    /// <summary>Deletes a key (DEL, or VDEL with <see cref="StateStoreDeleteRequestOptions.OnlyDeleteIfValueEquals"/>).</summary>
    /// <param name="key">The key.</param>
    /// <param name="options">Value condition and fencing token.</param>
    /// <param name="requestTimeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>1 deleted, 0 absent, -1 value mismatch.</returns>
    public async Task<StateStoreDeleteResponse> DeleteAsync(
        StateStoreKey key, StateStoreDeleteRequestOptions? options = null, TimeSpan? requestTimeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        options ??= new StateStoreDeleteRequestOptions();
        var payload = options.OnlyDeleteIfValueEquals is { } expected
            ? Resp3.EncodeArray("VDEL"u8.ToArray(), key.Bytes, expected.Bytes)
            : Resp3.EncodeArray("DEL"u8.ToArray(), key.Bytes);
        var metadata = new CommandRequestMetadata();
        if (options.FencingToken is { } token)
        {
            metadata.UserData[StateStoreTopics.FencingToken] = token.EncodeToString();
        }

        var (reply, _) = await InvokeAsync(payload, metadata, requestTimeout, cancellationToken).ConfigureAwait(false);
        return reply.Kind == Resp3ReplyKind.Integer && reply.Integer is >= -1 and <= 1
            ? new StateStoreDeleteResponse((int)reply.Integer)
            : throw Unexpected("DEL", reply);
    }

    /// <summary>Starts receiving notifications for a key (KEYNOTIFY).</summary>
    /// <param name="key">The key.</param>
    /// <param name="requestTimeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the state store confirmed.</returns>
    public async Task ObserveAsync(StateStoreKey key, TimeSpan? requestTimeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await EnsureSubscribedAsync(cancellationToken).ConfigureAwait(false);
        var (reply, _) = await InvokeAsync(Resp3.EncodeArray("KEYNOTIFY"u8.ToArray(), key.Bytes), null, requestTimeout, cancellationToken).ConfigureAwait(false);
        if (reply is not { Kind: Resp3ReplyKind.SimpleString, Text: "OK" })
        {
            throw Unexpected("KEYNOTIFY", reply);
        }

        lock (observedGate)
        {
            observed.Add(Convert.ToHexString(key.Bytes));
        }
    }

    /// <summary>Stops receiving notifications for a key (KEYNOTIFY ... STOP).</summary>
    /// <param name="key">The key.</param>
    /// <param name="requestTimeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Whether an observation existed.</returns>
    public async Task<bool> UnobserveAsync(StateStoreKey key, TimeSpan? requestTimeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (observedGate)
        {
            observed.Remove(Convert.ToHexString(key.Bytes));
        }

        var (reply, _) = await InvokeAsync(
            Resp3.EncodeArray("KEYNOTIFY"u8.ToArray(), key.Bytes, "STOP"u8.ToArray()), null, requestTimeout, cancellationToken).ConfigureAwait(false);
        return reply switch
        {
            { Kind: Resp3ReplyKind.SimpleString, Text: "OK" } => true,
            { Kind: Resp3ReplyKind.Integer, Integer: 0 } => false,
            _ => throw Unexpected("KEYNOTIFY STOP", reply),
        };
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        mqttClient.ApplicationMessageReceivedAsync -= OnMessageReceivedAsync;
        if (session is not null)
        {
            session.ConnectedAsync -= OnReconnectedAsync;
        }

        await invoker.DisposeAsync().ConfigureAwait(false);
        subscribeGate.Dispose();
    }

    // Runs off the session's connect path: the KEYNOTIFY requests need the connection the handler is told about.
    private Task OnReconnectedAsync(MqttClientConnectedEventArgs args)
    {
        string[] keys;
        lock (observedGate)
        {
            keys = [.. observed];
        }

        if (keys.Length > 0 && !disposed)
        {
            _ = Task.Run(() => ReobserveAsync(keys));
        }

        return Task.CompletedTask;
    }

    private async Task ReobserveAsync(string[] keys)
    {
        foreach (var hex in keys)
        {
            try
            {
                var (reply, _) = await InvokeAsync(Resp3.EncodeArray("KEYNOTIFY"u8.ToArray(), Convert.FromHexString(hex)), null, null, CancellationToken.None).ConfigureAwait(false);
                if (reply is not { Kind: Resp3ReplyKind.SimpleString, Text: "OK" })
                {
                    throw Unexpected("KEYNOTIFY", reply);
                }
            }
            catch (Exception ex) when (!disposed)
            {
                LogReobserveFailed(ex, hex);
            }
            catch (Exception) when (disposed)
            {
                return;
            }
        }

        LogReobserved(keys.Length);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "State store observations of {Count} keys renewed after the session reconnected")]
    private partial void LogReobserved(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the state store observation of key {KeyHex} after a reconnect failed")]
    private partial void LogReobserveFailed(Exception exception, string keyHex);

    private static AioProtocolException Unexpected(string command, Resp3Reply reply) =>
        AioProtocolException.PayloadInvalid($"The state store answered {command} with an unexpected {reply.Kind} reply ({reply.Text ?? reply.Integer.ToString(CultureInfo.InvariantCulture)})");

    private async Task<(Resp3Reply Reply, HybridLogicalClock? Version)> InvokeAsync(
        byte[] payload, CommandRequestMetadata? metadata, TimeSpan? requestTimeout, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var response = await invoker.InvokeCommandAsync(payload, metadata, commandTimeout: requestTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
        var bytes = response.Response ?? [];
        if (!Resp3.TryParseReply(bytes, out var reply, out var error))
        {
            throw AioProtocolException.PayloadInvalid($"The state store's reply is not valid RESP3: {error}");
        }

        if (reply.Kind == Resp3ReplyKind.Error)
        {
            throw StateStoreErrors.ToException(reply.Text!);
        }

        return (reply, response.ResponseMetadata?.Timestamp);
    }

    private async Task EnsureSubscribedAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref subscribed))
        {
            return;
        }

        await subscribeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (subscribed)
            {
                return;
            }

            var clientId = mqttClient.ClientId ?? throw AioProtocolException.StateInvalid(nameof(mqttClient.ClientId), null, "the MQTT client has no client id yet: connect it first");
            var filter = StateStoreTopics.NotificationFilter(clientId);
            notificationPrefix = filter[..^1];
            var result = await mqttClient.SubscribeAsync(
                new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken).ConfigureAwait(false);
            if (result.Items.Any(i => i.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2))
            {
                throw AioProtocolException.MqttError($"The broker refused the notification subscription '{filter}'");
            }

            Volatile.Write(ref subscribed, true);
        }
        finally
        {
            subscribeGate.Release();
        }
    }

    private async Task OnMessageReceivedAsync(MqttApplicationMessageReceivedEventArgs args)
    {
        var message = args.ApplicationMessage;
        var prefix = notificationPrefix;
        if (prefix is null && mqttClient.ClientId is { } id)
        {
            prefix = StateStoreTopics.NotificationFilter(id)[..^1];
        }

        if (prefix is null || !message.Topic.StartsWith(prefix, StringComparison.Ordinal))
        {
            return;
        }

        var keyHex = message.Topic[prefix.Length..];
        byte[] key;
        try
        {
            key = Convert.FromHexString(keyHex);
        }
        catch (FormatException)
        {
            LogNotificationIgnored(message.Topic, "the key level is not hexadecimal");
            return;
        }

        if (message.GetUserProperty(AioUserProperties.Timestamp) is not { } ts)
        {
            LogNotificationIgnored(message.Topic, "no __ts");
            return;
        }

        HybridLogicalClock version;
        try
        {
            version = HybridLogicalClock.DecodeFromString(AioUserProperties.Timestamp, ts);
        }
        catch (AioProtocolException)
        {
            LogNotificationIgnored(message.Topic, "malformed __ts");
            return;
        }

        if (!Resp3.TryParseArray(System.Buffers.BuffersExtensions.ToArray(message.Payload), out var elements, out var error)
            || elements.Count is not (2 or 4)
            || !elements[0].AsSpan().SequenceEqual("NOTIFY"u8))
        {
            LogNotificationIgnored(message.Topic, $"the payload is not a NOTIFY array {error}");
            return;
        }

        KeyChangeMessageReceivedEventArgs change;
        if (elements.Count == 4 && elements[1].AsSpan().SequenceEqual("SET"u8) && elements[2].AsSpan().SequenceEqual("VALUE"u8))
        {
            change = new KeyChangeMessageReceivedEventArgs(new StateStoreKey(key), KeyState.Updated, version) { NewValue = new StateStoreValue(elements[3]) };
        }
        else if (elements.Count == 2 && elements[1].AsSpan().SequenceEqual("DELETE"u8))
        {
            change = new KeyChangeMessageReceivedEventArgs(new StateStoreKey(key), KeyState.Deleted, version);
        }
        else
        {
            LogNotificationIgnored(message.Topic, "unknown NOTIFY operation");
            return;
        }

        if (KeyChangeMessageReceivedAsync is { } handler)
        {
            try
            {
                await handler(this, change).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                LogHandlerFailed(ex, message.Topic);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored a state store notification on '{Topic}': {Reason}")]
    private partial void LogNotificationIgnored(string topic, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "A key change handler failed for the notification on '{Topic}'")]
    private partial void LogHandlerFailed(Exception exception, string topic);
}
