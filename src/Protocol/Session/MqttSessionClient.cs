using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using OrleansAio.Abstractions.Common;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Connection;
using OrleansAio.Protocol.Diagnostics;
using OrleansAio.Protocol.Mqtt;

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
    private readonly PendingOperationQueue queue = new();
    private readonly SubscriptionRegistry subscriptions;
    private readonly SessionConnector connector;
    private readonly SatReauthenticator sat;
    private readonly Channel<Func<Task>> events = Channel.CreateUnbounded<Func<Task>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly AsyncLocal<bool> onEventLoop = new();
    private readonly Task eventLoop;

    private MqttConnectionSettings? settings;
    private SessionState state = SessionState.NotStarted;
    private bool connected;
    private long connectionGeneration;
    private CancellationTokenSource? connectionCts;
    private CancellationTokenSource? sessionCts;
    private Task reconnectTask = Task.CompletedTask;
    private SatTokenWatcher? satWatcher;
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
        sat = new SatReauthenticator(client, () => settings?.SatAuthFile, () => IsConnected, logger);
        subscriptions = new SubscriptionRegistry(logger);
        connector = new SessionConnector(client, options, this.timeProvider, sat, logger);
        eventLoop = RunEventLoopAsync();

        var self = new WeakReference<MqttSessionClient>(this);
        ProtocolDiagnostics.Meter.CreateObservableGauge(
            SessionMetrics.QueueDepthName,
            () => self.TryGetTarget(out var target) && !target.disposed
                ? [new Measurement<int>(target.PendingOperationCount, new KeyValuePair<string, object?>("mqtt.client_id", target.ClientId))]
                : Array.Empty<Measurement<int>>(),
            unit: "{operation}",
            description: "Publishes, subscribes and unsubscribes queued or awaiting their acknowledgement in the MQTT session client.");
        ProtocolDiagnostics.Meter.CreateObservableGauge(
            SessionMetrics.ConnectedName,
            () => self.TryGetTarget(out var target) && !target.disposed
                ? [new Measurement<int>(target.IsConnected ? 1 : 0, new KeyValuePair<string, object?>("mqtt.client_id", target.ClientId))]
                : Array.Empty<Measurement<int>>(),
            unit: "{connection}",
            description: "1 while the MQTT session client is connected to the broker, 0 while it is reconnecting or not yet connected.");
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
                return queue.Count;
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
                ? await connector.ConnectLoopAsync(settings, isReconnect: false, lastError: null, linked.Token).ConfigureAwait(false)
                : await connector.ConnectFirstAttemptAsync(settings, linked.Token).ConfigureAwait(false);
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
            var watcher = sat.Watch(settings.SatAuthFile, options.SatFileChangeDebounce, timeProvider);
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
    /// non-success PUBACK reason code is returned, not retried. A message whose topic, content type or user properties carry a
    /// character brokers refuse as malformed UTF-8 fails at once (<see cref="MqttUtf8.ThrowIfUnsendable"/>): queued, it would take
    /// the connection down on every reconnect.
    /// </remarks>
    public Task<MqttClientPublishResult> PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            MqttUtf8.ThrowIfUnsendable(message);
        }
        catch (AioProtocolException ex)
        {
            return Task.FromException<MqttClientPublishResult>(ex);
        }

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

    [LoggerMessage(Level = LogLevel.Error, Message = "A {EventArgs} event handler failed")]
    private partial void LogEventHandlerFailed(Exception exception, string eventArgs);

    private enum SessionState
    {
        NotStarted,
        Connecting,
        Active,
        Closed,
    }
}
