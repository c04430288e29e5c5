using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Utilities;
using OrleansAio.Abstractions.Common;
using OrleansAio.Abstractions.StateStore;
using OrleansAio.GrainsInterfaces.StateStore;

namespace OrleansAio.Grains.StateStore;

/// <summary>The persisted state of one state-store key.</summary>
[GenerateSerializer]
public sealed class StateStoreKeyState
{
    /// <summary>The value; <see langword="null"/> when the key is absent.</summary>
    [Id(0)]
    public byte[]? Value { get; set; }

    /// <summary>The version of the current value.</summary>
    [Id(1)]
    public HlcTimestamp? Version { get; set; }

    /// <summary>When the value expires (Unix milliseconds), if it does.</summary>
    [Id(2)]
    public long? ExpiresAtUnixMilliseconds { get; set; }

    /// <summary>The fencing token protecting the key, if any.</summary>
    [Id(3)]
    public HlcTimestamp? FencingToken { get; set; }

    /// <summary>The highest version this key ever had (kept across deletions while the record exists).</summary>
    [Id(4)]
    public HlcTimestamp? LastVersion { get; set; }

    /// <summary>The MQTT clients observing the key (KEYNOTIFY).</summary>
    [Id(5)]
    public HashSet<string> ObservingClients { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// One state-store key (see <c>README.md</c>): value, version, expiry, fencing token and observers. Every applied change is
/// persisted, then notified to the observers in change order, then answered.
/// </summary>
/// <param name="state">The persisted key (default grain storage).</param>
/// <param name="clock">The silo's version clock.</param>
/// <param name="options">Limits and clock drift.</param>
/// <param name="services">Resolves the wire endpoint's <see cref="IStateStoreNotificationSink"/>, when the silo has one.</param>
/// <param name="logger">Logs dropped observers and failed deliveries.</param>
[CollectionAgeLimit(Minutes = 2)]
public sealed partial class StateStoreKeyGrain(
    [PersistentState("key")] IPersistentState<StateStoreKeyState> state,
    StateStoreVersionClock clock,
    IOptions<StateStoreOptions> options,
    IServiceProvider services,
    ILogger<StateStoreKeyGrain> logger) : Grain, IStateStoreKeyGrain
{
    // Created by the first grain observer: most keys are never observed, and the manager (a dictionary and a logger) was a
    // large part of every key's activation.
    private ObserverManager<IStateStoreKeyObserver>? observers;
    private readonly StateStoreOptions settings = options.Value;
    private IStateStoreNotificationSink? sink;
    private IGrainTimer? expiryTimer;
    private byte[]? keyBytes;
    private long? trackedExpiry;

    private byte[] KeyBytes => keyBytes ??= StateStoreGrainKey.FromGrainKey(this.GetPrimaryKeyString());

    private bool Exists => state.State.Value is not null;

    private long NowMilliseconds => clock.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        sink = services.GetService(typeof(IStateStoreNotificationSink)) as IStateStoreNotificationSink;
        ScheduleExpiry();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<StateStoreSetResult> SetAsync(StateStoreSetRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Value);
        await ExpireIfDueAsync();
        if (CheckSkew(request.RequestTimestamp, request.FencingToken) is { } skew)
        {
            return new StateStoreSetResult(false, null, skew);
        }

        if (request.Value.Length > settings.MaxValueBytes)
        {
            return new StateStoreSetResult(false, null, StateStoreServiceError.QuotaExceeded);
        }

        if (request.ExpiryMilliseconds is <= 0)
        {
            return new StateStoreSetResult(false, null, StateStoreServiceError.SyntaxError);
        }

        if (CheckFencing(request.FencingToken) is { } fencing)
        {
            return new StateStoreSetResult(false, null, fencing);
        }

        var current = state.State;
        var blocked = request.Condition switch
        {
            SetCondition.OnlyIfDoesNotExist => Exists,
            SetCondition.OnlyIfEqualOrDoesNotExist => Exists && !current.Value.AsSpan().SequenceEqual(request.Value),
            _ => false,
        };
        if (blocked)
        {
            return new StateStoreSetResult(false, current.Version);
        }

        var version = clock.Next(current.LastVersion, current.Version, request.RequestTimestamp, request.FencingToken);
        var next = new StateStoreKeyState
        {
            Value = request.Value,
            Version = version,
            ExpiresAtUnixMilliseconds = request.ExpiryMilliseconds is { } px ? NowMilliseconds + px : null,
            FencingToken = request.FencingToken ?? current.FencingToken,
            LastVersion = version,
            ObservingClients = current.ObservingClients,
        };
        await CommitAsync(next);
        await TrackExpiryAsync(next.ExpiresAtUnixMilliseconds);
        await NotifyAsync(new StateStoreKeyNotification(KeyBytes, StateStoreKeyOperation.Set, request.Value, version));
        return new StateStoreSetResult(true, version);
    }

    /// <inheritdoc />
    public async Task<long?> ReclaimIfExpiredAsync()
    {
        await ExpireIfDueAsync();
        trackedExpiry = Exists ? state.State.ExpiresAtUnixMilliseconds : null;
        return trackedExpiry;
    }

    /// <inheritdoc />
    public async Task<StateStoreGetResult> GetAsync()
    {
        await ExpireIfDueAsync();
        return Exists ? new StateStoreGetResult(state.State.Value, state.State.Version) : new StateStoreGetResult(null, null);
    }

    /// <inheritdoc />
    public Task<StateStoreDeleteResult> DeleteAsync(StateStoreDeleteRequest request) => DeleteCoreAsync(null, request);

    /// <inheritdoc />
    public Task<StateStoreDeleteResult> VDeleteAsync(byte[] value, StateStoreDeleteRequest request)
    {
        ArgumentNullException.ThrowIfNull(value);
        return DeleteCoreAsync(value, request);
    }

    /// <inheritdoc />
    public Task ObserveAsync(IStateStoreKeyObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        observers ??= new(TimeSpan.FromMinutes(IStateStoreKeyGrain.ObserverLifetimeMinutes), logger)
        {
            GetDateTime = () => clock.TimeProvider.GetUtcNow().UtcDateTime,
        };
        observers.Subscribe(observer, observer);
        DelayDeactivation(TimeSpan.FromMinutes(IStateStoreKeyGrain.ObserverLifetimeMinutes));
        ScheduleExpiry();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<bool> UnobserveAsync(IStateStoreKeyObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var known = observers?.Observers.ContainsKey(observer) ?? false;
        observers?.Unsubscribe(observer);
        return Task.FromResult(known);
    }

    /// <inheritdoc />
    public async Task ObserveClientAsync(string clientId)
    {
        ArgumentException.ThrowIfNullOrEmpty(clientId);
        if (!state.State.ObservingClients.Contains(clientId))
        {
            var next = Copy(state.State);
            next.ObservingClients = new HashSet<string>(state.State.ObservingClients, StringComparer.Ordinal) { clientId };
            await CommitAsync(next);
        }
    }

    /// <inheritdoc />
    public async Task<bool> UnobserveClientAsync(string clientId)
    {
        ArgumentException.ThrowIfNullOrEmpty(clientId);
        if (!state.State.ObservingClients.Contains(clientId))
        {
            return false;
        }

        var next = Copy(state.State);
        next.ObservingClients = new HashSet<string>(state.State.ObservingClients, StringComparer.Ordinal);
        next.ObservingClients.Remove(clientId);
        await CommitAsync(next);
        return true;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> GetObservingClientsAsync() =>
        Task.FromResult<IReadOnlyList<string>>([.. state.State.ObservingClients.Order(StringComparer.Ordinal)]);

    private static StateStoreKeyState Copy(StateStoreKeyState s) => new()
    {
        Value = s.Value,
        Version = s.Version,
        ExpiresAtUnixMilliseconds = s.ExpiresAtUnixMilliseconds,
        FencingToken = s.FencingToken,
        LastVersion = s.LastVersion,
        ObservingClients = s.ObservingClients,
    };

    private async Task<StateStoreDeleteResult> DeleteCoreAsync(byte[]? expected, StateStoreDeleteRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        await ExpireIfDueAsync();
        if (CheckSkew(request.RequestTimestamp, request.FencingToken) is { } skew)
        {
            return new StateStoreDeleteResult(0, null, skew);
        }

        if (!Exists)
        {
            return new StateStoreDeleteResult(0, null);
        }

        if (CheckFencing(request.FencingToken) is { } fencing)
        {
            return new StateStoreDeleteResult(0, null, fencing);
        }

        if (expected is not null && !state.State.Value.AsSpan().SequenceEqual(expected))
        {
            return new StateStoreDeleteResult(-1, null);
        }

        var version = await RemoveValueAsync(request.RequestTimestamp, request.FencingToken);
        return new StateStoreDeleteResult(1, version);
    }

    private async Task<HlcTimestamp> RemoveValueAsync(HlcTimestamp? requestTimestamp, HlcTimestamp? fencingToken)
    {
        var current = state.State;
        var version = clock.Next(current.LastVersion, current.Version, requestTimestamp, fencingToken);
        var next = new StateStoreKeyState { LastVersion = version, ObservingClients = current.ObservingClients };
        await CommitAsync(next);
        await NotifyAsync(new StateStoreKeyNotification(KeyBytes, StateStoreKeyOperation.Delete, null, version));
        return version;
    }

    // One entry in the expiry index per activation and expiry at most: a key rewritten with a later expiry (a renewed lease)
    // is found by the index at its old expiry and re-tracked then, so renewals cost no extra call. A failure only delays
    // reclaiming: the key still reads as absent once expired.
    private async Task TrackExpiryAsync(long? expiresAt)
    {
        if (expiresAt is not { } at || trackedExpiry is { } tracked && tracked <= at)
        {
            return;
        }

        try
        {
            var grainKey = this.GetPrimaryKeyString();
            await GrainFactory.GetGrain<IStateStoreExpiryIndexGrain>(IStateStoreExpiryIndexGrain.BucketOf(grainKey)).TrackAsync(grainKey, at);
            trackedExpiry = at;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogTrackFailed(ex, this.GetPrimaryKeyString());
        }
    }

    private async Task ExpireIfDueAsync()
    {
        if (Exists && state.State.ExpiresAtUnixMilliseconds is { } expiresAt && expiresAt <= NowMilliseconds)
        {
            LogExpired(this.GetPrimaryKeyString());
            await RemoveValueAsync(null, null);
        }
    }

    private StateStoreServiceError? CheckSkew(HlcTimestamp? requestTimestamp, HlcTimestamp? fencingToken)
    {
        var limit = NowMilliseconds + (long)settings.MaxClockDrift.TotalMilliseconds;
        if (requestTimestamp is not null && requestTimestamp.UnixMilliseconds > limit)
        {
            return StateStoreServiceError.TimestampSkew;
        }

        return fencingToken is not null && fencingToken.UnixMilliseconds > limit ? StateStoreServiceError.FencingTokenSkew : null;
    }

    private StateStoreServiceError? CheckFencing(HlcTimestamp? fencingToken)
    {
        if (!Exists || state.State.FencingToken is not { } protecting)
        {
            return null;
        }

        if (fencingToken is null)
        {
            return StateStoreServiceError.MissingFencingToken;
        }

        return fencingToken < protecting ? StateStoreServiceError.FencingTokenLowerVersion : null;
    }

    // Persists before anything is visible: on a storage failure the in-memory state stays as it was and the activation is
    // dropped (its ETag may be stale), so a retry reads storage again.
    private async Task CommitAsync(StateStoreKeyState next)
    {
        var previous = state.State;
        state.State = next;
        try
        {
            if (next.Value is null && next.ObservingClients.Count == 0)
            {
                await state.ClearStateAsync();
                state.State = next;
            }
            else
            {
                await state.WriteStateAsync();
            }
        }
        catch
        {
            state.State = previous;
            DeactivateOnIdle();
            throw;
        }

        ScheduleExpiry();
    }

    private void ScheduleExpiry()
    {
        expiryTimer?.Dispose();
        expiryTimer = null;
        if (!Exists || state.State.ExpiresAtUnixMilliseconds is not { } expiresAt)
        {
            return;
        }

        var due = TimeSpan.FromMilliseconds(Math.Max(1, expiresAt - NowMilliseconds + 1));
        var observed = observers?.Count > 0 || state.State.ObservingClients.Count > 0;
        if (observed)
        {
            // A timer keeps nothing alive until it fires: an observed key is exempt from idle collection until its expiry, so
            // the DELETE goes out on time (not at the expiry index's next reclaim, and not lost for grain observers).
            // DelayDeactivation replaces the previous delay: keep a grain observer's lifetime when it is the longer one.
            var keep = due + TimeSpan.FromSeconds(5);
            DelayDeactivation(observers?.Count > 0 && keep < TimeSpan.FromMinutes(IStateStoreKeyGrain.ObserverLifetimeMinutes)
                ? TimeSpan.FromMinutes(IStateStoreKeyGrain.ObserverLifetimeMinutes)
                : keep);
        }

        expiryTimer = this.RegisterGrainTimer(
            _ => OnExpiryTimerAsync(),
            new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan)
            {
                // Observers wait for the DELETE: keep the activation until the expiry fires. Without observers an expired key
                // reads as absent on its next access even if the activation was collected.
                KeepAlive = observed,
                Interleave = false,
            });
    }

    // Timers may fire a little early: a key that is not yet due is rescheduled, never skipped.
    private async Task OnExpiryTimerAsync()
    {
        if (Exists && state.State.ExpiresAtUnixMilliseconds is { } expiresAt && expiresAt > NowMilliseconds)
        {
            ScheduleExpiry();
            return;
        }

        await ExpireIfDueAsync();
    }

    private async Task NotifyAsync(StateStoreKeyNotification notification)
    {
        if (sink is not null)
        {
            foreach (var clientId in state.State.ObservingClients)
            {
                try
                {
                    await sink.DeliverAsync(clientId, notification, CancellationToken.None);
                }
                catch (Exception ex)
                {
                    LogDeliveryFailed(ex, clientId, this.GetPrimaryKeyString());
                }
            }
        }

        if (observers is null)
        {
            return;
        }

        observers.ClearExpired();
        if (observers.Count == 0)
        {
            return;
        }

        // A failed or slow observer is dropped by the observer manager once this rethrows.
        await observers.Notify(async observer =>
        {
            try
            {
                await observer.OnKeyChangedAsync(notification).WaitAsync(settings.ObserverCallTimeout, clock.TimeProvider);
            }
            catch (Exception ex)
            {
                LogObserverDropped(ex, this.GetPrimaryKeyString());
                throw;
            }
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording the expiry of state store key {GrainKey} failed; it is reclaimed on its next access")]
    private partial void LogTrackFailed(Exception exception, string grainKey);

    [LoggerMessage(Level = LogLevel.Debug, Message = "State store key {GrainKey} expired")]
    private partial void LogExpired(string grainKey);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivering a notification to MQTT client {ClientId} for key {GrainKey} failed")]
    private partial void LogDeliveryFailed(Exception exception, string clientId, string grainKey);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped an Orleans observer of key {GrainKey}: the notification failed")]
    private partial void LogObserverDropped(Exception exception, string grainKey);
}
