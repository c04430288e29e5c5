using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OrleansAio.Abstractions.Common;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Connection;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Protocol.Session;
using OrleansAio.Silo.Hosting;

namespace OrleansAio.Silo.Mqtt;

/// <summary>
/// The silo's one MQTT session (a <see cref="MqttSessionClient"/>: persistent session, reconnection with backoff, operations
/// queued across reconnects), shared by every capability through <see cref="IMqttPubSubClient"/>.
/// </summary>
/// <remarks>
/// A participant in the silo lifecycle at <see cref="ServiceLifecycleStage.RuntimeInitialize"/>: it connects before any grain or
/// endpoint runs and disconnects after every grain has been deactivated, so grains may publish until the very end.
/// </remarks>
public sealed partial class SiloMqttConnection : ILifecycleParticipant<ISiloLifecycle>, IHealthCheck, IAsyncDisposable
{
    private readonly MqttConnectionSettings settings;
    private readonly string settingName;
    private readonly ILogger logger;
    private readonly MqttSessionClient session;
    private volatile bool stopping;

    /// <summary>Creates the connection; nothing is sent before <see cref="ConnectAsync"/>.</summary>
    /// <param name="settings">Where the broker is and how to authenticate.</param>
    /// <param name="settingName">The configuration key the settings came from, named in start-up errors.</param>
    /// <param name="sessionOptions">Reconnection and queue options of the session client.</param>
    /// <param name="loggerFactory">Logger factory.</param>
    /// <param name="timeProvider">The clock for reconnection backoff.</param>
    public SiloMqttConnection(
        MqttConnectionSettings settings, string settingName, MqttSessionClientOptions sessionOptions, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        this.settings = settings;
        this.settingName = settingName;
        logger = loggerFactory.CreateLogger<SiloMqttConnection>();
        session = new MqttSessionClient(sessionOptions, loggerFactory, timeProvider);
        session.DisconnectedAsync += args =>
        {
            if (args.ClientWasConnected && !stopping)
            {
                LogDisconnected(settings.ClientId, args.Reason.ToString());
            }

            return Task.CompletedTask;
        };
        session.SessionLostAsync += args =>
        {
            LogSessionLost(settings.ClientId, args.FailedOperations, args.RestoredSubscriptions.Count);
            return Task.CompletedTask;
        };
        session.SessionClosedAsync += args =>
        {
            if (args.Error is not null)
            {
                LogSessionClosed(args.Error, settings.ClientId);
            }

            return Task.CompletedTask;
        };
    }

    /// <summary>The shared session, for every capability of the silo.</summary>
    public IMqttPubSubClient Client => session;

    /// <summary>Where the broker is and how to authenticate (the session takeover of a dead silo connects with them too).</summary>
    public MqttConnectionSettings Settings => settings;

    /// <summary>Whether the session is connected now.</summary>
    public bool IsConnected => session.IsConnected;

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(SiloMqttConnection), ServiceLifecycleStage.RuntimeInitialize, ConnectAsync, DisconnectAsync);
    }

    /// <summary>Connects to the broker; an unreachable broker is a <see cref="SiloStartupException"/> naming the setting.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            // The session client logs the connection itself (host, client id, session present).
            await session.ConnectAsync(settings, cancellationToken);
        }
        catch (MqttConnectionSettingsException ex)
        {
            throw new SiloStartupException(settingName, ex.Message, ex);
        }
        catch (Exception ex) when (ex is AioProtocolException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new SiloStartupException(
                settingName,
                $"cannot connect to the MQTT broker at {settings.HostName}:{settings.TcpPort} ({Reason(ex)})",
                ex);
        }
    }

    // A timed-out attempt says so (its inner exception is only the closed socket); otherwise the innermost cause.
    private static string Reason(Exception ex) =>
        (ex is AioProtocolException { Kind: AioErrorKind.Timeout } timeout ? timeout.Message : ex.GetBaseException().Message).Split('\n', 2)[0].Trim();

    /// <summary>Ends the session: the broker drops it, so shared-subscription messages go to the silos still running.</summary>
    /// <param name="cancellationToken">Cancels the wait for the DISCONNECT to be sent.</param>
    public async Task DisconnectAsync(CancellationToken cancellationToken)
    {
        stopping = true;
        if (session.IsSessionActive)
        {
            await session.DisconnectAsync(cancellationToken);
        }
    }

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(session.IsConnected
            ? HealthCheckResult.Healthy($"MQTT session {settings.ClientId} connected to {settings.HostName}:{settings.TcpPort}")
            : HealthCheckResult.Unhealthy($"MQTT session {settings.ClientId} is not connected to {settings.HostName}:{settings.TcpPort}"));

    /// <inheritdoc />
    public ValueTask DisposeAsync() => session.DisposeAsync();

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT session {ClientId} disconnected: {Reason}; reconnecting")]
    private partial void LogDisconnected(string clientId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT session {ClientId} was lost by the broker: {FailedOperations} pending operations failed, {Subscriptions} subscriptions restored")]
    private partial void LogSessionLost(string clientId, int failedOperations, int subscriptions);

    [LoggerMessage(Level = LogLevel.Critical, Message = "MQTT session {ClientId} ended for good; the silo no longer speaks MQTT (health: unhealthy)")]
    private partial void LogSessionClosed(Exception error, string clientId);
}
