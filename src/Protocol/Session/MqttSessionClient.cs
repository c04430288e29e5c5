using System.Diagnostics.Metrics;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Connection;
using OrleansAio.Protocol.Diagnostics;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Abstractions.Common;

namespace OrleansAio.Protocol.Session;

/// <summary>
/// One persistent MQTT 5 session that survives connection loss: it reconnects with backoff, resumes the session with Clean
/// Start = 0, queues publishes, subscribes and unsubscribes while disconnected and sends them in order, re-sends what was in
/// flight when the connection dropped, sends PUBACKs in arrival order, and re-authenticates when the SAT token file changes.
/// </summary>
/// <remarks>
/// See <c>README.md</c> in this folder for the behaviour in detail, including where it deliberately differs from the AIO .NET SDK.
/// Operation failures are <see cref="AioProtocolException"/> of kind <see cref="AioErrorKind.MqttError"/>; a cancelled call ends
/// with <see cref="OperationCanceledException"/>. Non-success reason codes in PUBACK, SUBACK and UNSUBACK are returned, never retried.
/// </remarks>
public sealed partial class MqttSessionClient : IMqttPubSubClient
{
    private readonly MqttSessionClientOptions options;
    private readonly ILogger logger;
    private readonly TimeProvider timeProvider;
    private readonly IMqttClient client;
    private readonly OrderedAckMqttClient ordered;
    private readonly Lock gate = new();
    private readonly LinkedList<PendingOperation> pending = new();
    private readonly Dictionary<string, SubscriptionRecord> subscriptions = new(StringComparer.Ordinal);
    private readonly Channel<Func<Task>> events = Channel.CreateUnbounded<Func<Task>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly AsyncLocal<bool> onEventLoop = new();
    private readonly Task eventLoop;
    private readonly SatAuthenticationHandler satHandler;

    private LinkedListNode<PendingOperation>? nextToSend;
    private TaskCompletionSource workAvailable = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long subscriptionOrder;
    private MqttConnectionSettings? settings;
    private SessionState state = SessionState.NotStarted;
    private bool connected;
    private long connectionGeneration;
    private CancellationTokenSource? connectionCts;
    private CancellationTokenSource? sessionCts;
    private Task reconnectTask = Task.CompletedTask;
    private SatTokenWatcher? satWatcher;
    private byte[]? lastSatToken;
    private bool disposed;

    /// <summary>Creates a session client; nothing connects until <see cref="ConnectAsync"/>.</summary>
    /// <param name="options">Reconnection and queue options; validated here.</param>
    /// <param name="loggerFactory">Creates the client's loggers.</param>
    /// <param name="timeProvider">The clock for backoff delays, attempt timeouts and debouncing; <see cref="TimeProvider.System"/> by default.</param>
    /// <param name="clientFactory">Creates the MQTTnet client underneath (called once); tests and the conformance runner pass a scripted one.</param>
    /// <exception cref="AioProtocolException">An option is invalid (kind <see cref="AioErrorKind.ConfigurationInvalid"/>).</exception>
    public MqttSessionClient(
        MqttSessionClientOptions options, ILoggerFactory loggerFactory, TimeProvider? timeProvider = null, Func<IMqttClient>? clientFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        options.Validate();
        this.options = options;
        logger = loggerFactory.CreateLogger<MqttSessionClient>();
        this.timeProvider = timeProvider ?? TimeProvider.System;
        client = clientFactory is null ? new MqttClientFactory().CreateMqttClient() : clientFactory();
        ordered = new OrderedAckMqttClient(client, loggerFactory.CreateLogger<OrderedAckMqttClient>());
        client.DisconnectedAsync += OnClientDisconnectedAsync;
        satHandler = new SatAuthenticationHandler(() => Volatile.Read(ref lastSatToken), logger);
        eventLoop = RunEventLoopAsync();

        var self = new WeakReference<MqttSessionClient>(this);
        ProtocolDiagnostics.Meter.CreateObservableGauge(
            SessionMetrics.QueueDepthName,
            () => self.TryGetTarget(out var target) && !target.disposed
                ? [new Measurement<int>(target.PendingOperationCount, new KeyValuePair<string, object?>("mqtt.client_id", target.ClientId))]
                : Array.Empty<Measurement<int>>(),
            unit: "{operation}",
            description: "Publishes, subscribes and unsubscribes queued or awaiting their acknowledgement in the MQTT session client.");
    }

    /// <inheritdoc />
    public event Func<MqttApplicationMessageReceivedEventArgs, Task>? ApplicationMessageReceivedAsync
    {
        add => ordered.ApplicationMessageReceivedAsync += value;
        remove => ordered.ApplicationMessageReceivedAsync -= value;
    }

    /// <summary>Raised after every successful connect, the first and each reconnect, once queued operations may flow.</summary>
    public event Func<MqttClientConnectedEventArgs, Task>? ConnectedAsync;

    /// <summary>Raised every time a connection closes, whether or not a reconnect follows.</summary>
    public event Func<MqttClientDisconnectedEventArgs, Task>? DisconnectedAsync;

    /// <summary>
    /// Raised when a reconnect finds that the broker no longer has the session. Pending operations have failed by then, and the
    /// subscriptions are being restored unless <see cref="MqttSessionClientOptions.RestoreSubscriptionsOnSessionLoss"/> is off.
    /// </summary>
    public event Func<MqttSessionLostEventArgs, Task>? SessionLostAsync;

    /// <summary>Raised once when the client stops maintaining the connection: user disconnect, fatal reason code or reconnect policy exhausted.</summary>
    public event Func<MqttSessionClosedEventArgs, Task>? SessionClosedAsync;

    /// <inheritdoc />
    public string? ClientId => settings?.ClientId ?? client.Options?.ClientId;

    /// <inheritdoc />
    public MqttProtocolVersion ProtocolVersion => MqttProtocolVersion.V500;

    /// <summary>Whether a connection is up now.</summary>
    public bool IsConnected
    {
        get
        {
            lock (gate)
            {
                return connected && client.IsConnected;
            }
        }
    }

    /// <summary>Whether the client maintains a session now (connected or reconnecting).</summary>
    public bool IsSessionActive
    {
        get
        {
            lock (gate)
            {
                return state is SessionState.Connecting or SessionState.Active;
            }
        }
    }

    /// <summary>Publishes, subscribes and unsubscribes queued or awaiting their acknowledgement.</summary>
    public int PendingOperationCount
    {
        get
        {
            lock (gate)
            {
                return pending.Count;
            }
        }
    }

    /// <summary>
    /// Connects and starts maintaining the session. Clean Start comes from <paramref name="settings"/> on this first connect; every
    /// reconnect resumes the session with Clean Start = 0.
    /// </summary>
    /// <param name="settings">Where and how to connect; the Session Expiry must be at least 1 s.</param>
    /// <param name="cancellationToken">Cancels the connect.</param>
    /// <returns>The CONNACK.</returns>
    /// <exception cref="MqttConnectionSettingsException">A setting is invalid.</exception>
    /// <exception cref="AioProtocolException">
    /// The session expiry is below 1 s (<see cref="AioErrorKind.ConfigurationInvalid"/>), the client already maintains a session
    /// (<see cref="AioErrorKind.StateInvalid"/>), or the connect failed (<see cref="AioErrorKind.MqttError"/>, with the CONNACK
    /// reason code in the message).
    /// </exception>
    public async Task<MqttClientConnectResult> ConnectAsync(MqttConnectionSettings settings, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        if (settings.SessionExpiry < TimeSpan.FromSeconds(1))
        {
            throw AioProtocolException.ConfigurationInvalid(
                nameof(MqttConnectionSettings.SessionExpiry),
                settings.SessionExpiry,
                "the session client resumes sessions across connections, so the session expiry must be at least 1 s");
        }

        CancellationTokenSource session;
        lock (gate)
        {
            if (state is SessionState.Connecting or SessionState.Active)
            {
                throw AioProtocolException.StateInvalid(
                    nameof(IsSessionActive), true, "The session client already maintains a session; call DisconnectAsync first", isShallow: true);
            }

            // The previous session's token source is not disposed: a loop of that session may still observe its token. Token
            // sources without timers hold nothing that needs disposing.
            this.settings = settings;
            state = SessionState.Connecting;
            sessionCts = session = new CancellationTokenSource();
        }

        MqttClientConnectResult result;
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, session.Token);
            result = options.RetryOnFirstConnect
                ? await ConnectLoopAsync(isReconnect: false, lastError: null, linked.Token).ConfigureAwait(false)
                : await ConnectFirstAttemptAsync(linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            lock (gate)
            {
                if (state == SessionState.Connecting)
                {
                    state = SessionState.NotStarted;
                }
            }

            LogConnectFailed(ex, settings.HostName, settings.TcpPort);
            if (ex is AioProtocolException or OperationCanceledException or MqttConnectionSettingsException)
            {
                throw;
            }

            throw AioProtocolException.MqttError($"Connecting to {settings.HostName}:{settings.TcpPort} failed: {ex.Message}", ex);
        }

        if (!OnConnected(result, isReconnect: false, session.Token))
        {
            throw new OperationCanceledException("The session client was disconnected while it connected.");
        }

        if (settings.SatAuthFile is not null)
        {
            var watcher = new SatTokenWatcher(settings.SatAuthFile, options.SatFileChangeDebounce, timeProvider, logger, ReauthenticateIfChangedAsync);
            lock (gate)
            {
                satWatcher?.Dispose();
                satWatcher = watcher;
            }
        }

        LogConnected(settings.HostName, settings.TcpPort, settings.ClientId, result.IsSessionPresent);
        return result;
    }

    /// <summary>
    /// Ends the session: stops reconnecting, sends DISCONNECT with Session Expiry Interval 0 so the broker drops the session, and
    /// fails the operations still pending.
    /// </summary>
    /// <param name="cancellationToken">Cancels sending the DISCONNECT.</param>
    /// <returns>A task that completes when the client has disconnected.</returns>
    public async Task DisconnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        Task reconnecting;
        lock (gate)
        {
            if (state == SessionState.Closed)
            {
                return;
            }

            reconnecting = reconnectTask;
        }

        await CloseSessionAsync(error: null, sendDisconnect: true, cancellationToken).ConfigureAwait(false);
        try
        {
            await reconnecting.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException)
        {
            // The reconnect loop ends by cancellation when the user disconnects.
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Queued while disconnected and sent in order after the reconnect; re-sent if the connection drops before the PUBACK. A
    /// non-success PUBACK reason code is returned, not retried.
    /// </remarks>
    public Task<MqttClientPublishResult> PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Enqueue(new PendingOperation<MqttClientPublishResult>(
            $"PUBLISH to '{message.Topic}'", message, (c, ct) => c.PublishAsync(message, ct), cancellationToken));
    }

    /// <inheritdoc />
    /// <remarks>Queued and re-sent like a publish; granted filters are remembered so a lost session can be subscribed again.</remarks>
    public Task<MqttClientSubscribeResult> SubscribeAsync(MqttClientSubscribeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Enqueue(new PendingOperation<MqttClientSubscribeResult>(
            $"SUBSCRIBE to {string.Join(", ", options.TopicFilters.Select(f => $"'{f.Topic}'"))}",
            options,
            (c, ct) => c.SubscribeAsync(options, ct),
            cancellationToken));
    }

    /// <inheritdoc />
    /// <remarks>Queued and re-sent like a publish; removed filters are no longer restored after a session loss.</remarks>
    public Task<MqttClientUnsubscribeResult> UnsubscribeAsync(MqttClientUnsubscribeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Enqueue(new PendingOperation<MqttClientUnsubscribeResult>(
            $"UNSUBSCRIBE from {string.Join(", ", options.TopicFilters.Select(f => $"'{f}'"))}",
            options,
            (c, ct) => c.UnsubscribeAsync(options, ct),
            cancellationToken));
    }

    /// <summary>Disconnects if a session is active, then releases the MQTTnet client.</summary>
    /// <returns>A task that completes when everything is released.</returns>
    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        try
        {
            await DisconnectAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or ObjectDisposedException or InvalidOperationException)
        {
            LogDisconnectFailed(ex);
        }

        disposed = true;
        client.DisconnectedAsync -= OnClientDisconnectedAsync;
        await ordered.DisposeAsync().ConfigureAwait(false);
        events.Writer.TryComplete();
        if (!onEventLoop.Value)
        {
            await eventLoop.ConfigureAwait(false);
        }

        client.Dispose();
        sessionCts?.Dispose();
    }

    private static AioProtocolException SessionClosedError(string message, Exception? inner = null) =>
        AioProtocolException.MqttError(message, inner);

    private static bool IsGranted(MqttClientSubscribeResultCode code) => (int)code <= (int)MqttClientSubscribeResultCode.GrantedQoS2;

    private Task<TResult> Enqueue<TResult>(PendingOperation<TResult> operation)
        where TResult : class
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (operation.CancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<TResult>(operation.CancellationToken);
        }

        Exception? rejected = null;
        PendingOperation? purged = null;
        var overflow = false;
        lock (gate)
        {
            if (state == SessionState.Closed)
            {
                rejected = SessionClosedError($"{operation.Description} failed: the MQTT session is closed; call ConnectAsync to start a new one");
            }
            else if (pending.Count >= options.MaxPendingMessages)
            {
                overflow = true;
                if (options.PendingMessagesOverflowStrategy == PendingOperationOverflowStrategy.DropOldestQueuedMessage && nextToSend is not null)
                {
                    purged = nextToSend.Value;
                    Remove(purged);
                }
                else
                {
                    rejected = OverflowError(operation);
                }
            }

            if (rejected is null)
            {
                Add(operation, atFront: false);
            }
        }

        if (purged is not null)
        {
            SessionMetrics.OperationsDropped.Add(1);
            LogOperationDropped(purged.Description, options.MaxPendingMessages, options.PendingMessagesOverflowStrategy);
            purged.Fail(OverflowError(purged));
        }

        if (rejected is not null)
        {
            if (overflow)
            {
                SessionMetrics.OperationsDropped.Add(1);
                LogOperationDropped(operation.Description, options.MaxPendingMessages, options.PendingMessagesOverflowStrategy);
            }

            operation.Fail(rejected);
            return operation.Task;
        }

        if (operation.CancellationToken.CanBeCanceled)
        {
            operation.Registration = operation.CancellationToken.Register(
                static state =>
                {
                    var (self, op) = ((MqttSessionClient, PendingOperation))state!;
                    self.CancelOperation(op);
                },
                (this, (PendingOperation)operation));
        }

        return operation.Task;
    }

    private AioProtocolException OverflowError(PendingOperation operation)
    {
        var error = AioProtocolException.MqttError(
            $"{operation.Description} was dropped: the session client's queue is full (MaxPendingMessages = {options.MaxPendingMessages}, " +
            $"PendingMessagesOverflowStrategy = {options.PendingMessagesOverflowStrategy})");
        return new AioProtocolException(error.Kind, error.Message)
        {
            PropertyName = nameof(MqttSessionClientOptions.MaxPendingMessages),
            PropertyValue = options.MaxPendingMessages,
        };
    }

    private void CancelOperation(PendingOperation operation)
    {
        lock (gate)
        {
            if (!Remove(operation))
            {
                return;
            }
        }

        operation.Cancel();
    }

    private void Add(PendingOperation operation, bool atFront)
    {
        operation.Node = atFront ? pending.AddFirst(operation) : pending.AddLast(operation);
        if (atFront || nextToSend is null)
        {
            nextToSend = operation.Node;
        }

        workAvailable.TrySetResult();
    }

    private bool Remove(PendingOperation operation)
    {
        var node = operation.Node;
        if (node is null)
        {
            return false;
        }

        if (nextToSend == node)
        {
            nextToSend = node.Next;
        }

        pending.Remove(node);
        operation.Node = null;
        return true;
    }

    private List<PendingOperation> RemoveAll()
    {
        var all = pending.ToList();
        foreach (var operation in all)
        {
            operation.Node = null;
        }

        pending.Clear();
        nextToSend = null;
        return all;
    }

    private async Task<MqttClientConnectResult> ConnectFirstAttemptAsync(CancellationToken cancellationToken)
    {
        var result = await ConnectOnceAsync(settings!.CleanStart, attemptTimeout: null, cancellationToken).ConfigureAwait(false);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            SessionMetrics.ConnectFailures.Add(1);
            throw ConnackError(result);
        }

        return result;
    }

    private async Task<MqttClientConnectResult> ConnectLoopAsync(bool isReconnect, Exception? lastError, CancellationToken cancellationToken)
    {
        uint attempt = 1;
        while (true)
        {
            var delay = TimeSpan.Zero;
            if ((isReconnect || attempt > 1) && !options.ReconnectPolicy.ShouldRetry(attempt, lastError, out delay))
            {
                throw AioProtocolException.MqttError(
                    $"The reconnect policy gave up after {attempt - 1} failed attempts; last error: {lastError?.Message ?? "none"}", lastError);
            }

            if (delay > TimeSpan.Zero)
            {
                LogWaitingBeforeAttempt(delay, attempt);
                await Task.Delay(delay, timeProvider, cancellationToken).ConfigureAwait(false);
            }

            MqttClientConnectResult result;
            try
            {
                result = await ConnectOnceAsync(
                    isReconnect ? false : settings!.CleanStart, options.ConnectionAttemptTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && !MqttReasonCodes.IsFatal(ex))
            {
                SessionMetrics.ConnectFailures.Add(1);
                LogAttemptFailed(attempt, ex.Message);
                lastError = ex;
                attempt++;
                continue;
            }

            if (result.ResultCode == MqttClientConnectResultCode.Success)
            {
                return result;
            }

            SessionMetrics.ConnectFailures.Add(1);
            var error = ConnackError(result);
            if (MqttReasonCodes.IsFatal(result.ResultCode))
            {
                throw error;
            }

            LogAttemptFailed(attempt, error.Message);
            lastError = error;
            attempt++;
        }
    }

    private async Task<MqttClientConnectResult> ConnectOnceAsync(bool cleanStart, TimeSpan? attemptTimeout, CancellationToken cancellationToken)
    {
        var connectionSettings = settings!;
        var clientOptions = connectionSettings.ToMqttClientOptions(cleanStart, ConnectUserProperties());
        if (connectionSettings.SatAuthFile is not null)
        {
            clientOptions.EnhancedAuthenticationHandler = satHandler;
        }

        using var timeout = attemptTimeout is { } value ? new CancellationTokenSource(value, timeProvider) : null;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout?.Token ?? CancellationToken.None);
        try
        {
            var result = await client.ConnectAsync(clientOptions, linked.Token).ConfigureAwait(false);
            if (result.ResultCode == MqttClientConnectResultCode.Success && clientOptions.AuthenticationData is { } token)
            {
                Volatile.Write(ref lastSatToken, token);
            }

            return result;
        }
        catch (OperationCanceledException ex) when (timeout?.IsCancellationRequested == true && !cancellationToken.IsCancellationRequested)
        {
            throw AioProtocolException.Timeout(
                nameof(MqttSessionClientOptions.ConnectionAttemptTimeout),
                attemptTimeout!.Value,
                $"The connection attempt to {connectionSettings.HostName}:{connectionSettings.TcpPort} timed out after {attemptTimeout}",
                ex);
        }
    }

    private List<MqttUserProperty> ConnectUserProperties()
    {
        var properties = new List<MqttUserProperty>();
        if (options.EnableAioBrokerFeatures)
        {
            properties.Add(new MqttUserProperty("metriccategory", Encoding.UTF8.GetBytes(options.MetricCategory)));
            if (options.RequestSessionPersistence)
            {
                properties.Add(new MqttUserProperty("aio-persistence", "true"u8.ToArray()));
            }
        }

        properties.AddRange(options.ConnectUserProperties);
        return properties;
    }

    private static AioProtocolException ConnackError(MqttClientConnectResult result) =>
        AioProtocolException.MqttError(
            $"The broker refused the connection: CONNACK reason code 0x{(int)result.ResultCode:X2} ({result.ResultCode})" +
            (string.IsNullOrEmpty(result.ReasonString) ? string.Empty : $": {result.ReasonString}"));

    /// <summary>Takes the connection into use; returns <see langword="false"/> when the session was closed meanwhile.</summary>
    private bool OnConnected(MqttClientConnectResult result, bool isReconnect, CancellationToken sessionToken)
    {
        List<PendingOperation>? lost = null;
        List<SubscriptionRecord> restored = [];
        CancellationToken connectionToken;
        long generation;
        lock (gate)
        {
            if (sessionToken.IsCancellationRequested || state is SessionState.Closed or SessionState.NotStarted)
            {
                return false;
            }

            state = SessionState.Active;
            connected = true;
            generation = ++connectionGeneration;
            connectionCts = new CancellationTokenSource();
            connectionToken = connectionCts.Token;

            if (isReconnect && !result.IsSessionPresent)
            {
                lost = RemoveAll();
                if (options.RestoreSubscriptionsOnSessionLoss)
                {
                    restored = [.. subscriptions.Values.OrderBy(s => s.Order)];
                    foreach (var subscription in restored)
                    {
                        Add(RestoreOperation(subscription), atFront: false);
                    }
                }
                else
                {
                    subscriptions.Clear();
                }
            }
        }

        if (lost is not null)
        {
            SessionMetrics.SessionsLost.Add(1);
            LogSessionLost(lost.Count, restored.Count);
            var error = SessionClosedError(
                "The MQTT session was lost: the broker no longer had it when the client reconnected (CONNACK Session Present = 0), " +
                "so this operation cannot be completed");
            foreach (var operation in lost)
            {
                operation.Fail(error);
            }

            var args = new MqttSessionLostEventArgs(result, lost.Count, [.. restored.Select(s => s.Filter)]);
            Raise(SessionLostAsync, args);
        }

        _ = RunSenderAsync(generation, ReceiveMaximumOf(result), connectionToken);
        if (isReconnect)
        {
            SessionMetrics.Reconnects.Add(1);
        }

        Raise(ConnectedAsync, new MqttClientConnectedEventArgs(result));
        if (!client.IsConnected)
        {
            // The connection closed before this method took it into use, and the disconnect event found it not yet connected.
            HandleConnectionLost(new MqttClientDisconnectedEventArgs(
                true, result, MqttClientDisconnectReason.UnspecifiedError, "The connection closed right after CONNACK", null, null));
        }

        return true;
    }

    private static int ReceiveMaximumOf(MqttClientConnectResult result) =>
        result.ReceiveMaximum is { } maximum and > 0 ? maximum : ushort.MaxValue;

    private PendingOperation<MqttClientSubscribeResult> RestoreOperation(SubscriptionRecord subscription)
    {
        var request = new MqttClientSubscribeOptions
        {
            TopicFilters = [subscription.Filter],
            SubscriptionIdentifier = subscription.SubscriptionIdentifier,
            UserProperties = subscription.UserProperties,
        };
        var operation = new PendingOperation<MqttClientSubscribeResult>(
            $"SUBSCRIBE to '{subscription.Filter.Topic}' (restoring the lost session)",
            request,
            (c, ct) => c.SubscribeAsync(request, ct),
            CancellationToken.None);
        _ = operation.Task.ContinueWith(
            static (task, state) =>
            {
                var (self, topic) = ((MqttSessionClient, string))state!;
                if (task.IsFaulted)
                {
                    self.LogRestoreFailed(topic, task.Exception!.GetBaseException().Message);
                }
                else if (task.IsCompletedSuccessfully && task.Result.Items.FirstOrDefault() is { } item && !IsGranted(item.ResultCode))
                {
                    self.LogRestoreFailed(topic, $"SUBACK reason code {item.ResultCode}");
                }
            },
            (this, subscription.Filter.Topic),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return operation;
    }

    private async Task RunSenderAsync(long generation, int receiveMaximum, CancellationToken connectionToken)
    {
        var window = new SemaphoreSlim(receiveMaximum, receiveMaximum);
        try
        {
            while (true)
            {
                await window.WaitAsync(connectionToken).ConfigureAwait(false);
                var operation = await TakeNextAsync(generation, connectionToken).ConfigureAwait(false);
                _ = SendOneAsync(operation, generation, window, connectionToken);
            }
        }
        catch (OperationCanceledException) when (connectionToken.IsCancellationRequested)
        {
            // The connection closed; the next connection starts a new sender.
        }
    }

    private async Task<PendingOperation> TakeNextAsync(long generation, CancellationToken connectionToken)
    {
        while (true)
        {
            Task wait;
            lock (gate)
            {
                // The connection may be lost before its token is cancelled; nothing may be taken for a connection that is gone.
                if (!connected || generation != connectionGeneration)
                {
                    throw new OperationCanceledException(connectionToken);
                }

                if (nextToSend is { } node)
                {
                    nextToSend = node.Next;
                    node.Value.InFlight = true;
                    return node.Value;
                }

                if (workAvailable.Task.IsCompleted)
                {
                    workAvailable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                wait = workAvailable.Task;
            }

            await wait.WaitAsync(connectionToken).ConfigureAwait(false);
        }
    }

    private async Task SendOneAsync(PendingOperation operation, long generation, SemaphoreSlim window, CancellationToken connectionToken)
    {
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(connectionToken, operation.CancellationToken);
            await operation.SendAsync(ordered, linked.Token).ConfigureAwait(false);
            bool removed;
            lock (gate)
            {
                RecordSubscriptions(operation);
                removed = Remove(operation);
            }

            if (removed)
            {
                operation.Complete();
            }
        }
        catch (OperationCanceledException) when (operation.CancellationToken.IsCancellationRequested)
        {
            CancelOperation(operation);
        }
        catch (Exception ex) when (MqttReasonCodes.IsFatal(ex))
        {
            bool removed;
            lock (gate)
            {
                removed = Remove(operation);
            }

            if (removed)
            {
                LogOperationFailed(ex, operation.Description);
                operation.Fail(AioProtocolException.MqttError($"{operation.Description} failed and is not retried: {ex.Message}", ex));
            }
        }
        catch (Exception ex)
        {
            // A connection-level failure: the operation stays in the queue and is sent again on the next connection.
            LogOperationWillBeResent(operation.Description, generation, ex.Message);
        }
        finally
        {
            window.Release();
        }
    }

    private void RecordSubscriptions(PendingOperation operation)
    {
        switch (operation.Result)
        {
            case MqttClientSubscribeResult subscribed when operation.Request is MqttClientSubscribeOptions request:
                var items = subscribed.Items.ToList();
                for (var i = 0; i < request.TopicFilters.Count && i < items.Count; i++)
                {
                    var filter = request.TopicFilters[i];
                    if (IsGranted(items[i].ResultCode))
                    {
                        var order = subscriptions.TryGetValue(filter.Topic, out var existing) ? existing.Order : ++subscriptionOrder;
                        subscriptions[filter.Topic] = new SubscriptionRecord(filter, request.SubscriptionIdentifier, request.UserProperties, order);
                    }
                    else
                    {
                        subscriptions.Remove(filter.Topic);
                    }
                }

                break;
            case MqttClientUnsubscribeResult unsubscribed when operation.Request is MqttClientUnsubscribeOptions request:
                var results = unsubscribed.Items.ToList();
                for (var i = 0; i < request.TopicFilters.Count && i < results.Count; i++)
                {
                    if (results[i].ResultCode is MqttClientUnsubscribeResultCode.Success or MqttClientUnsubscribeResultCode.NoSubscriptionExisted)
                    {
                        subscriptions.Remove(request.TopicFilters[i]);
                    }
                }

                break;
        }
    }

    private Task OnClientDisconnectedAsync(MqttClientDisconnectedEventArgs args)
    {
        if (client.IsConnected)
        {
            // A late event from an earlier, failed connection attempt: the current connection is up.
            return Task.CompletedTask;
        }

        HandleConnectionLost(args);
        return Task.CompletedTask;
    }

    private void HandleConnectionLost(MqttClientDisconnectedEventArgs args)
    {
        CancellationTokenSource? connection;
        bool reconnect;
        CancellationToken sessionToken = default;
        lock (gate)
        {
            if (!connected)
            {
                return;
            }

            connected = false;
            connection = connectionCts;
            foreach (var operation in pending)
            {
                operation.InFlight = false;
            }

            nextToSend = pending.First;
            reconnect = state == SessionState.Active;
            if (reconnect)
            {
                sessionToken = sessionCts!.Token;
            }
        }

        connection?.Cancel();
        Raise(DisconnectedAsync, args);
        if (!reconnect)
        {
            return;
        }

        if (MqttReasonCodes.IsFatal(args.Reason))
        {
            LogFatalDisconnect((int)args.Reason, args.Reason, args.ReasonString);
            var error = SessionClosedError(
                $"The broker disconnected the client with fatal reason code 0x{(int)args.Reason:X2} ({args.Reason}); the session client does not reconnect",
                args.Exception);
            _ = CloseSessionAsync(error, sendDisconnect: false, CancellationToken.None);
            return;
        }

        LogConnectionLost((int)args.Reason, args.Reason, args.Exception?.Message);
        lock (gate)
        {
            reconnectTask = ReconnectAsync(args, sessionToken);
        }
    }

    private async Task ReconnectAsync(MqttClientDisconnectedEventArgs lost, CancellationToken sessionToken)
    {
        await Task.Yield();
        try
        {
            var result = await ConnectLoopAsync(isReconnect: true, lost.Exception, sessionToken).ConfigureAwait(false);
            if (!OnConnected(result, isReconnect: true, sessionToken))
            {
                await DisconnectQuietlyAsync().ConfigureAwait(false);
                return;
            }

            LogReconnected(result.IsSessionPresent);
        }
        catch (OperationCanceledException) when (sessionToken.IsCancellationRequested)
        {
            // The user disconnected while the client was reconnecting.
        }
        catch (Exception ex)
        {
            LogReconnectGaveUp(ex);
            var error = ex as AioProtocolException ?? AioProtocolException.MqttError($"Reconnecting failed fatally: {ex.Message}", ex);
            await CloseSessionAsync(error, sendDisconnect: false, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task CloseSessionAsync(Exception? error, bool sendDisconnect, CancellationToken cancellationToken)
    {
        CancellationTokenSource? session;
        SatTokenWatcher? watcher;
        lock (gate)
        {
            if (state == SessionState.Closed)
            {
                return;
            }

            state = SessionState.Closed;
            session = sessionCts;
            watcher = satWatcher;
            satWatcher = null;
        }

        session?.Cancel();
        watcher?.Dispose();
        if (sendDisconnect && client.IsConnected)
        {
            try
            {
                await client.DisconnectAsync(
                    new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.NormalDisconnection, SessionExpiryInterval = 0 },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException)
            {
                LogDisconnectFailed(ex);
            }
        }

        List<PendingOperation> remaining;
        lock (gate)
        {
            remaining = RemoveAll();
        }

        var failure = error ?? SessionClosedError("The session client was disconnected by the user before this operation completed");
        foreach (var operation in remaining)
        {
            operation.Fail(failure);
        }

        if (error is not null)
        {
            LogSessionEnded(error);
        }
        else
        {
            LogDisconnected();
        }

        Raise(SessionClosedAsync, new MqttSessionClosedEventArgs(error));
    }

    private async Task DisconnectQuietlyAsync()
    {
        try
        {
            await client.DisconnectAsync(
                new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.NormalDisconnection, SessionExpiryInterval = 0 },
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException)
        {
            LogDisconnectFailed(ex);
        }
    }

    private async Task ReauthenticateIfChangedAsync(CancellationToken cancellationToken)
    {
        var file = settings?.SatAuthFile;
        if (file is null)
        {
            return;
        }

        byte[] token;
        try
        {
            token = await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogSatUnreadable(file, ex.Message);
            return;
        }

        if (token.Length == 0 || (Volatile.Read(ref lastSatToken) is { } last && last.AsSpan().SequenceEqual(token)))
        {
            return;
        }

        if (!IsConnected)
        {
            // The next CONNECT reads the file again.
            return;
        }

        await client.SendEnhancedAuthenticationExchangeDataAsync(
            new MqttEnhancedAuthenticationExchangeData { ReasonCode = MqttAuthenticateReasonCode.ReAuthenticate, AuthenticationData = token },
            cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref lastSatToken, token);
        SessionMetrics.Reauthentications.Add(1);
        LogReauthenticated(file);
    }

    private void Raise<TArgs>(Func<TArgs, Task>? handlers, TArgs args)
    {
        if (handlers is null)
        {
            return;
        }

        events.Writer.TryWrite(async () =>
        {
            foreach (var handler in handlers.GetInvocationList().Cast<Func<TArgs, Task>>())
            {
                try
                {
                    await handler(args).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    LogEventHandlerFailed(ex, typeof(TArgs).Name);
                }
            }
        });
    }

    private async Task RunEventLoopAsync()
    {
        await Task.Yield();
        onEventLoop.Value = true;
        await foreach (var work in events.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            await work().ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to {Host}:{Port} as {ClientId} (session present: {SessionPresent})")]
    private partial void LogConnected(string host, int port, string clientId, bool sessionPresent);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connecting to {Host}:{Port} failed")]
    private partial void LogConnectFailed(Exception exception, string host, int port);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Waiting {Delay} before connection attempt {Attempt}")]
    private partial void LogWaitingBeforeAttempt(TimeSpan delay, uint attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connection attempt {Attempt} failed: {Reason}")]
    private partial void LogAttemptFailed(uint attempt, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connection lost (reason 0x{Code:X2} {Reason}: {Detail}); reconnecting")]
    private partial void LogConnectionLost(int code, MqttClientDisconnectReason reason, string? detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "The broker disconnected the client with fatal reason 0x{Code:X2} {Reason} ({ReasonString}); not reconnecting")]
    private partial void LogFatalDisconnect(int code, MqttClientDisconnectReason reason, string? reasonString);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconnected (session present: {SessionPresent})")]
    private partial void LogReconnected(bool sessionPresent);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reconnecting ended the session")]
    private partial void LogReconnectGaveUp(Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The MQTT session was lost on reconnect: {Failed} pending operations failed, {Restored} subscriptions are restored")]
    private partial void LogSessionLost(int failed, int restored);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Restoring the subscription to '{Topic}' after the session loss failed: {Reason}")]
    private partial void LogRestoreFailed(string topic, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation} dropped: queue full (MaxPendingMessages {Limit}, {Strategy})")]
    private partial void LogOperationDropped(string operation, int limit, PendingOperationOverflowStrategy strategy);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Operation} interrupted on connection {Generation} ({Reason}); it is sent again after the reconnect")]
    private partial void LogOperationWillBeResent(string operation, long generation, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation} failed and is not retried")]
    private partial void LogOperationFailed(Exception exception, string operation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending DISCONNECT failed")]
    private partial void LogDisconnectFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Disconnected by the user; the broker drops the session")]
    private partial void LogDisconnected();

    [LoggerMessage(Level = LogLevel.Error, Message = "The MQTT session ended")]
    private partial void LogSessionEnded(Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "A {EventArgs} event handler failed")]
    private partial void LogEventHandlerFailed(Exception exception, string eventArgs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The SAT token file {File} cannot be read: {Reason}")]
    private partial void LogSatUnreadable(string file, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Re-authenticated with the changed SAT token from {File}")]
    private partial void LogReauthenticated(string file);

    private enum SessionState
    {
        NotStarted,
        Connecting,
        Active,
        Closed,
    }

    private sealed record SubscriptionRecord(MqttTopicFilter Filter, uint SubscriptionIdentifier, List<MqttUserProperty>? UserProperties, long Order);
}
