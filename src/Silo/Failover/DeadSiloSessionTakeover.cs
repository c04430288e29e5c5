using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansAio.GrainsInterfaces.ClusterJournal;
using OrleansAio.Silo.Broker;
using OrleansAio.Silo.Mqtt;

namespace OrleansAio.Silo.Failover;

/// <summary>
/// Watches Orleans membership and, when a silo is declared dead, has exactly one survivor take over that silo's MQTT session
/// (<see cref="SessionTakeover"/>), so the requests, commands and telemetry the broker queued for the dead member of each
/// shared-subscription group are served by a live one instead of waiting for the session's expiry.
/// </summary>
/// <remarks>
/// <para>The survivor is the active silo with the lowest address; if it dies too, the next lowest takes over every session of a
/// silo that died within <see cref="SessionTakeoverOptions.TakeoverWindow"/> (taking over a session that has already ended is
/// harmless: the broker reports no session, and the new empty one is ended at once). The dead silo's client id comes from its run
/// record in the cluster journal. A session is left alone when a live silo uses the same client id or the same endpoint (the
/// silo was restarted and resumed its own session).</para>
/// <para>A participant at <see cref="ServiceLifecycleStage.Active"/>; with the embedded broker it does nothing, since every silo
/// then runs its own broker and no session outlives its silo's process.</para>
/// </remarks>
public sealed partial class DeadSiloSessionTakeover : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly IServiceProvider services;
    private readonly IClusterMembershipService membership;
    private readonly ILocalSiloDetails localSilo;
    private readonly IGrainFactory grainFactory;
    private readonly IOptions<ClusterOptions> clusterOptions;
    private readonly IOptions<SessionTakeoverOptions> options;
    private readonly SessionTakeover takeover;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly Meter meter;
    private readonly Counter<long> takeovers;
    private readonly Counter<long> forwarded;
    private readonly Dictionary<SiloAddress, DateTimeOffset> deaths = [];
    private readonly HashSet<SiloAddress> handled = [];
    private readonly HashSet<SiloAddress> seenAlive = [];
    private CancellationTokenSource? stopping;
    private Task watching = Task.CompletedTask;

    /// <summary>Creates the watcher; nothing runs before the silo is active.</summary>
    /// <param name="services">Finds the embedded broker (when there is one), the MQTT connection and its subscription ledger.</param>
    /// <param name="membership">Orleans membership.</param>
    /// <param name="localSilo">This silo's address.</param>
    /// <param name="grainFactory">Reaches the cluster journal.</param>
    /// <param name="clusterOptions">The cluster id that keys the journal.</param>
    /// <param name="options">The takeover options.</param>
    /// <param name="takeover">Takes over one session.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="loggerFactory">Logger factory.</param>
    public DeadSiloSessionTakeover(
        IServiceProvider services,
        IClusterMembershipService membership,
        ILocalSiloDetails localSilo,
        IGrainFactory grainFactory,
        IOptions<ClusterOptions> clusterOptions,
        IOptions<SessionTakeoverOptions> options,
        SessionTakeover takeover,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        this.services = services;
        this.membership = membership;
        this.localSilo = localSilo;
        this.grainFactory = grainFactory;
        this.clusterOptions = clusterOptions;
        this.options = options;
        this.takeover = takeover;
        this.timeProvider = timeProvider;
        logger = loggerFactory.CreateLogger<DeadSiloSessionTakeover>();
        meter = new Meter(EmbeddedMqttBroker.MeterName);
        takeovers = meter.CreateCounter<long>("orleans_aio.failover.session_takeovers", description: "MQTT sessions of dead silos taken over by this silo");
        forwarded = meter.CreateCounter<long>("orleans_aio.failover.forwarded_messages", description: "Messages queued for a dead silo and republished to the live members of their groups");
    }

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(DeadSiloSessionTakeover), ServiceLifecycleStage.Active, StartAsync, StopAsync);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        stopping?.Dispose();
        meter.Dispose();
    }

    private Task StartAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<EmbeddedMqttBroker>() is not null || !options.Value.SessionTakeover)
        {
            LogNotWatching(options.Value.SessionTakeover ? "the embedded broker ends each silo's sessions with it" : "Failover:SessionTakeover is off");
            return Task.CompletedTask;
        }

        stopping = new CancellationTokenSource();
        watching = Task.Run(() => WatchAsync(stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        if (stopping is null)
        {
            return;
        }

        await stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await watching.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The host's stop timeout ended the wait; the takeover in progress, if any, leaves the rest in the session.
        }
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        try
        {
            Observe(membership.CurrentSnapshot);
            await foreach (var update in membership.MembershipUpdates.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                Observe(update);
                await TakeOverIfOwnerAsync(update, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogWatchFailed(ex);
        }
    }

    // A silo counts as died-while-we-watched only if this silo saw it alive: old dead entries in the table are not ours to clean.
    private void Observe(ClusterMembershipSnapshot snapshot)
    {
        var now = timeProvider.GetUtcNow();
        foreach (var member in snapshot.Members.Values)
        {
            if (member.Status == SiloStatus.Dead)
            {
                if (seenAlive.Contains(member.SiloAddress) && !deaths.ContainsKey(member.SiloAddress))
                {
                    deaths[member.SiloAddress] = now;
                }
            }
            else
            {
                seenAlive.Add(member.SiloAddress);
            }
        }

        foreach (var old in deaths.Where(d => now - d.Value > options.Value.TakeoverWindow).Select(d => d.Key).ToList())
        {
            deaths.Remove(old);
            handled.Remove(old);
        }
    }

    private async Task TakeOverIfOwnerAsync(ClusterMembershipSnapshot snapshot, CancellationToken cancellationToken)
    {
        var owner = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress).Order().FirstOrDefault();
        if (owner is null || !owner.Equals(localSilo.SiloAddress))
        {
            return;
        }

        var pending = deaths.Keys.Where(d => !handled.Contains(d)).ToList();
        if (pending.Count == 0)
        {
            return;
        }

        var connection = services.GetRequiredService<SiloMqttConnection>();
        var ledger = services.GetRequiredService<SharedSubscriptionLedger>();
        var runs = await grainFactory.GetGrain<IClusterJournalGrain>(clusterOptions.Value.ClusterId).GetRunsAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        var live = snapshot.Members.Values.Where(m => m.Status != SiloStatus.Dead).Select(m => m.SiloAddress).ToList();
        var liveClientIds = runs.Where(r => live.Any(a => a.ToString() == r.Start.SiloAddress)).Select(r => r.Start.MqttClientId)
            .Append(connection.Settings.ClientId).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var dead in pending)
        {
            handled.Add(dead);
            var run = runs.LastOrDefault(r => r.Start.SiloAddress == dead.ToString());
            if (run?.Start.MqttClientId is not { Length: > 0 } clientId)
            {
                LogNoClientId(dead.ToString());
                continue;
            }

            if (liveClientIds.Contains(clientId) || live.Any(a => a.Endpoint.Equals(dead.Endpoint)))
            {
                LogResumedBySilo(clientId, dead.ToString());
                continue;
            }

            try
            {
                var result = await takeover.TakeOverAsync(connection.Settings, clientId, ledger.SharedFilters, options.Value.QuietPeriod, cancellationToken).ConfigureAwait(false);
                takeovers.Add(1);
                forwarded.Add(result.Forwarded);
                LogTookOver(clientId, dead.ToString(), result.SessionPresent, result.Forwarded, result.Discarded, result.Completed);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogTakeoverFailed(ex, clientId, dead.ToString());
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT session takeover not watching membership: {Reason}")]
    private partial void LogNotWatching(string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Watching membership for dead silos' MQTT sessions stopped")]
    private partial void LogWatchFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dead silo {SiloAddress} recorded no MQTT client id in the cluster journal: its queued messages wait for the broker's session expiry")]
    private partial void LogNoClientId(string siloAddress);

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT session {ClientId} of dead silo {SiloAddress} is in use by a live silo: not taken over")]
    private partial void LogResumedBySilo(string clientId, string siloAddress);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Took over the MQTT session {ClientId} of dead silo {SiloAddress}: session present {SessionPresent}, {Forwarded} queued messages forwarded, {Discarded} discarded, ended {Completed}")]
    private partial void LogTookOver(string clientId, string siloAddress, bool sessionPresent, int forwarded, int discarded, bool completed);

    [LoggerMessage(Level = LogLevel.Error, Message = "Taking over the MQTT session {ClientId} of dead silo {SiloAddress} failed; its queued messages wait for the broker's session expiry")]
    private partial void LogTakeoverFailed(Exception exception, string clientId, string siloAddress);
}
