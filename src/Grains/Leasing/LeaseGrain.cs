using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Utilities;
using OrleansAio.Abstractions.StateStore;
using OrleansAio.GrainsInterfaces.Leasing;
using OrleansAio.GrainsInterfaces.StateStore;
using OrleansAio.Protocol.Leasing;

namespace OrleansAio.Grains.Leasing;

/// <summary>
/// The lease named by the grain key, kept in the state-store key of the same name (see <see cref="ILeaseGrain"/>). The grain holds
/// only coordination: the waiters of <see cref="AcquireAsync"/>, its own observation of the key, and the lease observers.
/// </summary>
/// <remarks>
/// Reentrant: waiters sleep inside the grain while releases, renewals and the key's notifications come in. Waiters are woken by
/// the key's DELETE notification. Observations of a key live in the key grain's memory, so a crash of the key grain's silo can drop
/// this grain's observation: as a safety net a waiter also retries after <see cref="LeaseGrainOptions.LostNotificationRetry"/>
/// and re-observes then (that retry is not the wake-up path; it only bounds the damage of a lost notification).
/// </remarks>
/// <param name="leaseOptions">The timing options.</param>
/// <param name="timeProvider">The clock.</param>
/// <param name="logger">Logs changes and failures.</param>
[Reentrant]
public sealed partial class LeaseGrain(IOptions<LeaseGrainOptions> leaseOptions, TimeProvider timeProvider, ILogger<LeaseGrain> logger)
    : Grain, ILeaseGrain, IStateStoreKeyObserver
{
    private readonly ObserverManager<ILeaseObserver> observers =
        new(TimeSpan.FromMinutes(ILeaseGrain.ObserverLifetimeMinutes), logger);

    private readonly LeaseGrainOptions options = leaseOptions.Value;
    private TaskCompletionSource released = NewSignal();
    private IStateStoreKeyGrain? key;
    private IStateStoreKeyObserver? self;
    private DateTimeOffset observedAt = DateTimeOffset.MinValue;
    private Task fanOut = Task.CompletedTask;
    private IGrainTimer? keepObserving;

    private string Name => this.GetPrimaryKeyString();

    private IStateStoreKeyGrain Key => key ??= GrainFactory.GetGrain<IStateStoreKeyGrain>(StateStoreGrainKey.ToGrainKey(Name));

    /// <inheritdoc />
    public async Task<LeaseAcquireResult> TryAcquireAsync(string holder, TimeSpan term)
    {
        var result = await SetAsync(holder, term);
        LeasingMetrics.RecordAcquire(Name, result.Acquired);
        return result;
    }

    /// <inheritdoc />
    public Task<LeaseAcquireResult> RenewAsync(string holder, TimeSpan term) => SetAsync(holder, term);

    /// <inheritdoc />
    public async Task<LeaseAcquireResult> AcquireAsync(string holder, TimeSpan term, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (timeout < TimeSpan.Zero || timeout > TimeSpan.FromSeconds(ILeaseGrain.MaxAcquireTimeoutSeconds))
        {
            throw Invalid(nameof(timeout), timeout, $"must be between zero and {ILeaseGrain.MaxAcquireTimeoutSeconds} s");
        }

        var deadline = timeProvider.GetUtcNow() + timeout;

        // Observe first (services.md 2.7): a DELETE between the attempt and the wait must not be missed.
        await EnsureObservingAsync(force: false);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var wake = released.Task;
            var result = await SetAsync(holder, term);
            if (result.Acquired)
            {
                LeasingMetrics.RecordAcquire(Name, acquired: true);
                return result;
            }

            var remaining = deadline - timeProvider.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                LeasingMetrics.RecordAcquire(Name, acquired: false);
                return result;
            }

            var safetyNet = remaining < options.LostNotificationRetry ? remaining : options.LostNotificationRetry;
            using var delay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var timer = Task.Delay(safetyNet, timeProvider, delay.Token);
            var first = await Task.WhenAny(wake, timer);
            await delay.CancelAsync();
            cancellationToken.ThrowIfCancellationRequested();
            if (first == timer && !wake.IsCompleted)
            {
                LogSafetyNetRetry(Name, holder);
                await EnsureObservingAsync(force: true);
            }
        }
    }

    /// <inheritdoc />
    public async Task<bool> ReleaseAsync(string holder)
    {
        var value = HolderBytes(holder);
        var result = await Key.VDeleteAsync(value, new StateStoreDeleteRequest());
        ThrowIfError(result.Error, "release");
        return result.DeletedCount == 1;
    }

    /// <inheritdoc />
    public async Task<LeaseHolder?> GetHolderAsync()
    {
        var result = await Key.GetAsync();
        return result.Value is null || result.Version is null ? null : new LeaseHolder(HolderText(result.Value), result.Version);
    }

    /// <inheritdoc />
    public async Task ObserveAsync(ILeaseObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        observers.Subscribe(observer, observer);
        await EnsureObservingAsync(force: false);
        // Lease observers live in this activation's memory: keep it alive while it has any.
        keepObserving ??= this.RegisterGrainTimer(
            _ => KeepObservingAsync(),
            new GrainTimerCreationOptions(options.ReobserveInterval, options.ReobserveInterval) { KeepAlive = true, Interleave = true });
    }

    /// <inheritdoc />
    public Task<bool> UnobserveAsync(ILeaseObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var known = observers.Observers.ContainsKey(observer);
        observers.Unsubscribe(observer);
        return Task.FromResult(known);
    }

    /// <inheritdoc />
    public Task OnKeyChangedAsync(StateStoreKeyNotification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        LeaseChange change;
        if (notification.Operation == StateStoreKeyOperation.Delete)
        {
            // Wake every waiter: each retries its SET NEX, one wins.
            released.TrySetResult();
            released = NewSignal();
            change = new LeaseChange(Name, LeaseChangeKind.Released, null, notification.Version);
        }
        else
        {
            change = new LeaseChange(Name, LeaseChangeKind.Acquired, HolderText(notification.Value ?? []), notification.Version);
        }

        LogChanged(Name, change.Kind, change.Holder, change.Version.ToString());

        // Not awaited: the key grain may be waiting for this call, and a lease observer may call back into the lease and the key.
        var previous = fanOut;
        fanOut = FanOutAsync(previous, change);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (self is not null)
        {
            try
            {
                await Key.UnobserveAsync(self);
            }
            catch (Exception ex)
            {
                LogUnobserveFailed(ex, Name);
            }
        }

        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static byte[] HolderBytes(string holder)
    {
        if (string.IsNullOrEmpty(holder))
        {
            throw Invalid(nameof(holder), holder, "the holder must be a non-empty string");
        }

        return Encoding.UTF8.GetBytes(holder);
    }

    private static string HolderText(byte[] value) => Encoding.UTF8.GetString(value);

    private static LeaseException Invalid(string name, object? value, string reason) =>
        new(LeaseErrorKind.ArgumentInvalid, $"Invalid lease argument '{name}' = '{value}': {reason}");

    private void ThrowIfError(StateStoreServiceError? error, string operation)
    {
        if (error is { } kind)
        {
            throw new LeaseException(LeaseErrorKind.StateStoreError, $"The state store refused to {operation} lease '{Name}': {kind}", kind);
        }
    }

    private async Task<LeaseAcquireResult> SetAsync(string holder, TimeSpan term)
    {
        var value = HolderBytes(holder);
        if (term < TimeSpan.FromMilliseconds(1) || term.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            throw Invalid(nameof(term), term, "the lease term must be a whole number of milliseconds, at least 1 ms");
        }

        var result = await Key.SetAsync(new StateStoreSetRequest(
            value, SetCondition.OnlyIfEqualOrDoesNotExist, (long)term.TotalMilliseconds));
        ThrowIfError(result.Error, "set");
        if (result.Applied)
        {
            return new LeaseAcquireResult(true, result.Version, holder);
        }

        // Not applied: someone else holds it; read who (it may have been released in between).
        var current = await Key.GetAsync();
        return new LeaseAcquireResult(false, null, current.Value is null ? null : HolderText(current.Value));
    }

    private async Task EnsureObservingAsync(bool force)
    {
        var now = timeProvider.GetUtcNow();
        if (!force && self is not null && now - observedAt < options.ReobserveInterval)
        {
            return;
        }

        self ??= this.AsReference<IStateStoreKeyObserver>();
        await Key.ObserveAsync(self);
        observedAt = now;
    }

    private async Task KeepObservingAsync()
    {
        observers.ClearExpired();
        if (observers.Count > 0)
        {
            await EnsureObservingAsync(force: true);
        }
        else
        {
            keepObserving?.Dispose();
            keepObserving = null;
        }
    }

    private async Task FanOutAsync(Task previous, LeaseChange change)
    {
        await previous;
        try
        {
            await observers.Notify(o => o.OnLeaseChangedAsync(change));
        }
        catch (Exception ex)
        {
            LogFanOutFailed(ex, Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Lease '{LeaseName}' {Kind} by {Holder} at version {Version}")]
    private partial void LogChanged(string leaseName, LeaseChangeKind kind, string? holder, string version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Lease '{LeaseName}': no notification woke waiter {Holder} within the safety-net interval; re-observing and retrying")]
    private partial void LogSafetyNetRetry(string leaseName, string holder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease '{LeaseName}': notifying lease observers failed")]
    private partial void LogFanOutFailed(Exception exception, string leaseName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease '{LeaseName}': ending the key observation on deactivation failed")]
    private partial void LogUnobserveFailed(Exception exception, string leaseName);
}
