using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansAio.Abstractions.Common;
using OrleansAio.Abstractions.StateStore;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.StateStore;

namespace OrleansAio.Protocol.Leasing;

/// <summary>The outcome of an acquire or renew.</summary>
/// <param name="Success">Whether this holder holds the lease now.</param>
/// <param name="FencingToken">When held: the fencing token (the lease key's new version).</param>
/// <param name="Holder">When not held: the holder reported by a GET after the refused attempt (null if free again).</param>
public sealed record LeaseAcquireResponse(bool Success, HybridLogicalClock? FencingToken, string? Holder);

/// <summary>Who holds a lease.</summary>
/// <param name="Holder">The lease key's value as UTF-8.</param>
/// <param name="Version">The lease key's version: the holder's latest fencing token.</param>
public sealed record LeaseHolderInfo(string Holder, HybridLogicalClock Version);

/// <summary>A change of an observed lease.</summary>
/// <param name="LeaseName">The lease.</param>
/// <param name="IsHeld">Acquired or renewed (<see langword="true"/>), or released or expired.</param>
/// <param name="Holder">The holder after the change; <see langword="null"/> when released.</param>
/// <param name="Version">The version of the change.</param>
public sealed record LeaseChangedEventArgs(string LeaseName, bool IsHeld, string? Holder, HybridLogicalClock Version);

/// <summary>
/// A lease (lock) kept in any AIO-compatible state store with the public AIO SDK's algorithm (services.md section 2): the key is the
/// lease name, the value the holder; acquire and renew are <c>SET name holder NEX PX term</c> (the reply's <c>__ts</c> is the
/// fencing token), release is <c>VDEL name holder</c>, and a waiting acquire observes the key (<c>KEYNOTIFY</c>) first and retries
/// on each <c>DELETE</c> notification. Interoperable with the AIO SDK clients and with our lease grains on the same key.
/// </summary>
/// <remarks>
/// One client per (lease, holder); share one <see cref="StateStoreClient"/> per MQTT session. Observations are per MQTT client and
/// are dropped by the state store when the connection drops, so a waiting acquire re-observes and retries after
/// <see cref="LostNotificationRetry"/> without a notification (a safety net, not the wake-up path).
/// </remarks>
public sealed partial class LeaseLockClient : IAsyncDisposable
{
    private readonly IStateStoreClient stateStore;
    private static readonly TimeSpan TransientRetryDelay = TimeSpan.FromMilliseconds(250);
    private readonly StateStoreKey key;
    private readonly StateStoreValue holderValue;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly Lock gate = new();
    private TaskCompletionSource released = NewSignal();
    private AutomaticLeaseRenewal<HybridLogicalClock>? renewal;
    private HybridLogicalClock? token;
    private DateTimeOffset tokenValidUntil;
    private bool userObserving;
    private int waiters;
    private bool disposed;

    /// <summary>Creates the client.</summary>
    /// <param name="stateStore">The state store: the wire client of this MQTT session, or any other <see cref="IStateStoreClient"/>.</param>
    /// <param name="leaseName">The lease name (the state-store key, UTF-8).</param>
    /// <param name="holderName">This holder's identity (the key's value); must be unique among contenders.</param>
    /// <param name="timeProvider">The clock; default the system clock.</param>
    /// <param name="loggerFactory">Logging.</param>
    public LeaseLockClient(IStateStoreClient stateStore, string leaseName, string holderName, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(stateStore);
        if (string.IsNullOrEmpty(leaseName))
        {
            throw AioProtocolException.ConfigurationInvalid(nameof(leaseName), leaseName, "the lease name must be non-empty");
        }

        if (string.IsNullOrEmpty(holderName))
        {
            throw AioProtocolException.ConfigurationInvalid(nameof(holderName), holderName, "the holder name must be non-empty");
        }

        this.stateStore = stateStore;
        LeaseName = leaseName;
        HolderName = holderName;
        key = new StateStoreKey(leaseName);
        holderValue = new StateStoreValue(holderName);
        this.timeProvider = timeProvider ?? TimeProvider.System;
        logger = (ILogger?)loggerFactory?.CreateLogger<LeaseLockClient>() ?? NullLogger.Instance;
        stateStore.KeyChangeMessageReceivedAsync += OnKeyChangedAsync;
    }

    /// <summary>Raised for every change of the lease while <see cref="ObserveAsync"/> is in effect.</summary>
    public event Func<LeaseChangedEventArgs, Task>? LeaseChangedAsync;

    /// <summary>Raised once when an automatically renewed lease is lost.</summary>
    public event Action<LeaseLostEventArgs<HybridLogicalClock>>? LeaseLost;

    /// <summary>The lease name.</summary>
    public string LeaseName { get; }

    /// <summary>This holder's identity.</summary>
    public string HolderName { get; }

    /// <summary>How long a waiting acquire goes without a notification before it re-observes and retries. Default 5 s.</summary>
    public TimeSpan LostNotificationRetry { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The per-request timeout of the state-store calls; default the state-store client's (10 s).</summary>
    public TimeSpan? RequestTimeout { get; init; }

    /// <summary>
    /// The newest fencing token while this holder holds the lease, as far as it can know: <see langword="null"/> after a release, a
    /// lost renewal, or once a term has passed since the last successful acquire or renewal was sent.
    /// </summary>
    public HybridLogicalClock? CurrentFencingToken
    {
        get
        {
            lock (gate)
            {
                if (renewal is not null)
                {
                    return renewal.CurrentToken;
                }

                return token is not null && timeProvider.GetUtcNow() < tokenValidUntil ? token : null;
            }
        }
    }

    /// <summary>One attempt to acquire (or renew) the lease.</summary>
    /// <param name="term">The lease term (whole milliseconds, at least 1 ms).</param>
    /// <param name="automaticRenewal">When given and the lease is acquired, renew it automatically with this timing.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Whether acquired, with the fencing token or the current holder.</returns>
    public async Task<LeaseAcquireResponse> TryAcquireAsync(
        TimeSpan term, AutomaticRenewalOptions? automaticRenewal = null, CancellationToken cancellationToken = default)
    {
        var period = automaticRenewal?.PeriodFor(term);
        var (response, sentAt) = await SetAsync(term, cancellationToken).ConfigureAwait(false);
        LeasingMetrics.RecordAcquire(LeaseName, response.Success);
        if (response.Success)
        {
            await HoldAsync(response.FencingToken!, sentAt, term, period).ConfigureAwait(false);
        }

        return response;
    }

    /// <summary>
    /// Acquires the lease, waiting while another holder has it: observe the key, try, and wait for a DELETE notification before each
    /// retry (services.md 2.7).
    /// </summary>
    /// <param name="term">The lease term.</param>
    /// <param name="automaticRenewal">When given, renew the acquired lease automatically.</param>
    /// <param name="timeout">How long to wait; <see langword="null"/> waits until acquired or cancelled.</param>
    /// <param name="cancellationToken">Cancels the wait (then <see cref="OperationCanceledException"/>).</param>
    /// <returns>Acquired with the token, or not acquired (timed out) with the current holder.</returns>
    public async Task<LeaseAcquireResponse> AcquireAsync(
        TimeSpan term, AutomaticRenewalOptions? automaticRenewal = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var period = automaticRenewal?.PeriodFor(term);
        var deadline = timeout is { } t ? timeProvider.GetUtcNow() + t : DateTimeOffset.MaxValue;
        Interlocked.Increment(ref waiters);
        try
        {
            var observe = true;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    if (observe)
                    {
                        await stateStore.ObserveAsync(key, RequestTimeout, cancellationToken).ConfigureAwait(false);
                        observe = false;
                    }

                    Task wake;
                    lock (gate)
                    {
                        wake = released.Task;
                    }

                    var (response, sentAt) = await SetAsync(term, cancellationToken).ConfigureAwait(false);
                    if (response.Success)
                    {
                        LeasingMetrics.RecordAcquire(LeaseName, acquired: true);
                        await HoldAsync(response.FencingToken!, sentAt, term, period).ConfigureAwait(false);
                        return response;
                    }

                    var remaining = deadline - timeProvider.GetUtcNow();
                    if (remaining <= TimeSpan.Zero)
                    {
                        LeasingMetrics.RecordAcquire(LeaseName, acquired: false);
                        return response;
                    }

                    var wait = remaining < LostNotificationRetry ? remaining : LostNotificationRetry;
                    using var stopTimer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    var timer = Task.Delay(wait, timeProvider, stopTimer.Token);
                    var first = await Task.WhenAny(wake, timer).ConfigureAwait(false);
                    await stopTimer.CancelAsync().ConfigureAwait(false);
                    cancellationToken.ThrowIfCancellationRequested();
                    if (first == timer && !wake.IsCompleted && timeProvider.GetUtcNow() < deadline)
                    {
                        LogSafetyNetRetry(LeaseName, HolderName);
                        observe = true;
                    }
                }
                catch (AioProtocolException ex) when (
                    IsTransient(ex)
                    && !cancellationToken.IsCancellationRequested
                    && timeProvider.GetUtcNow() < deadline)
                {
                    // A request lost with a dying state-store server or a dropped connection: the lease is still in the store.
                    LogTransientFailure(ex, LeaseName);
                    await Task.Delay(TransientRetryDelay, timeProvider, cancellationToken).ConfigureAwait(false);
                    observe = true;
                }
            }
        }
        finally
        {
            var last = Interlocked.Decrement(ref waiters) == 0;
            bool keep;
            lock (gate)
            {
                keep = userObserving;
            }

            if (last && !keep && !disposed)
            {
                try
                {
                    await stateStore.UnobserveAsync(key, RequestTimeout, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is AioProtocolException or OperationCanceledException or ObjectDisposedException)
                {
                    LogUnobserveFailed(ex, LeaseName);
                }
            }
        }
    }

    /// <summary>Renews the lease (the same <c>SET NEX PX</c>): a new, higher token; a lapsed, free lease is re-acquired.</summary>
    /// <param name="term">The new term.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Renewed with the new token, or not with the current holder.</returns>
    public async Task<LeaseAcquireResponse> RenewAsync(TimeSpan term, CancellationToken cancellationToken = default)
    {
        var (response, sentAt) = await SetAsync(term, cancellationToken).ConfigureAwait(false);
        LeasingMetrics.RecordRenewal(LeaseName, response.Success);
        lock (gate)
        {
            if (response.Success && renewal is null)
            {
                token = response.FencingToken;
                tokenValidUntil = sentAt + term;
            }
            else if (!response.Success && renewal is null)
            {
                token = null;
            }
        }

        return response;
    }

    /// <summary>Stops automatic renewal and releases the lease if this holder has it (<c>VDEL</c>); waiters wake at once.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="true"/> when released; <see langword="false"/> when free or held by another.</returns>
    public async Task<bool> ReleaseAsync(CancellationToken cancellationToken = default)
    {
        await StopRenewingAsync().ConfigureAwait(false);
        var response = await stateStore.DeleteAsync(
            key, new StateStoreDeleteRequestOptions { OnlyDeleteIfValueEquals = holderValue }, RequestTimeout, cancellationToken).ConfigureAwait(false);
        return response.DeletedItemsCount == 1;
    }

    /// <summary>Reads the current holder (GET).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The holder and version, or <see langword="null"/> when the lease is free.</returns>
    public async Task<LeaseHolderInfo?> GetHolderAsync(CancellationToken cancellationToken = default)
    {
        var response = await stateStore.GetAsync(key, RequestTimeout, cancellationToken).ConfigureAwait(false);
        return response.Value is null || response.Version is null ? null : new LeaseHolderInfo(response.Value.GetString(), response.Version);
    }

    /// <summary>Starts raising <see cref="LeaseChangedAsync"/> for the lease's changes (KEYNOTIFY).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the state store confirmed.</returns>
    public async Task ObserveAsync(CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            userObserving = true;
        }

        await stateStore.ObserveAsync(key, RequestTimeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops raising <see cref="LeaseChangedAsync"/> (KEYNOTIFY STOP, unless an acquire is waiting).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when done.</returns>
    public async Task UnobserveAsync(CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            userObserving = false;
        }

        if (Volatile.Read(ref waiters) == 0)
        {
            await stateStore.UnobserveAsync(key, RequestTimeout, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops automatic renewal without releasing (the lease runs out at the end of its term).</summary>
    /// <returns>A task that completes when renewal has stopped.</returns>
    public async Task StopRenewingAsync()
    {
        AutomaticLeaseRenewal<HybridLogicalClock>? running;
        lock (gate)
        {
            running = renewal;
            renewal = null;
            token = null;
        }

        if (running is not null)
        {
            await running.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        stateStore.KeyChangeMessageReceivedAsync -= OnKeyChangedAsync;
        await StopRenewingAsync().ConfigureAwait(false);
    }

    // Lost requests, dropped connections and server failures (a 500 from a dying silo) say nothing about the lease; the
    // state store's own refusals (-ERR ...) and local errors do.
    private static bool IsTransient(AioProtocolException ex) =>
        ex.GetStateStoreError() is null
        && ex.Kind is AioErrorKind.Timeout or AioErrorKind.MqttError or AioErrorKind.ExecutionException or AioErrorKind.UnknownError;

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task<(LeaseAcquireResponse Response, DateTimeOffset SentAt)> SetAsync(TimeSpan term, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (term < TimeSpan.FromMilliseconds(1) || term.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            throw AioProtocolException.ConfigurationInvalid(nameof(term), term, "the lease term must be a whole number of milliseconds, at least 1 ms");
        }

        var sentAt = timeProvider.GetUtcNow();
        var response = await stateStore.SetAsync(
            key,
            holderValue,
            new StateStoreSetRequestOptions { Condition = SetCondition.OnlyIfEqualOrDoesNotExist, ExpiryTime = term },
            RequestTimeout,
            cancellationToken).ConfigureAwait(false);
        if (response.Success)
        {
            return (new LeaseAcquireResponse(
                true,
                response.Version ?? throw AioProtocolException.HeaderMissing(AioUserProperties.Timestamp, isRemote: true, "The state store applied the lease SET without a version (__ts): no fencing token"),
                HolderName), sentAt);
        }

        var holder = await GetHolderAsync(cancellationToken).ConfigureAwait(false);
        return (new LeaseAcquireResponse(false, null, holder?.Holder), sentAt);
    }

    private async Task HoldAsync(HybridLogicalClock acquiredToken, DateTimeOffset sentAt, TimeSpan term, TimeSpan? period)
    {
        await StopRenewingAsync().ConfigureAwait(false);
        lock (gate)
        {
            token = acquiredToken;
            tokenValidUntil = sentAt + term;
            if (period is { } p)
            {
                var loop = new AutomaticLeaseRenewal<HybridLogicalClock>(
                    LeaseName,
                    term,
                    p,
                    async ct => (await SetAsync(term, ct).ConfigureAwait(false)).Response is { Success: true } r ? r.FencingToken : null,
                    timeProvider,
                    logger);
                loop.Lost += e => LeaseLost?.Invoke(e);
                renewal = loop;
                loop.Start(acquiredToken, sentAt);
            }
        }
    }

    private async Task OnKeyChangedAsync(object? sender, KeyChangeMessageReceivedEventArgs args)
    {
        if (!args.ChangedKey.Equals(key))
        {
            return;
        }

        bool raise;
        lock (gate)
        {
            if (args.NewState == KeyState.Deleted)
            {
                released.TrySetResult();
                released = NewSignal();
            }

            raise = userObserving;
        }

        if (raise && LeaseChangedAsync is { } handler)
        {
            var held = args.NewState == KeyState.Updated;
            var change = new LeaseChangedEventArgs(LeaseName, held, held ? args.NewValue?.GetString() : null, args.Version);
            try
            {
                await handler(change).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                LogHandlerFailed(ex, LeaseName);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Lease '{LeaseName}': no notification woke holder {Holder} within the safety-net interval; re-observing and retrying")]
    private partial void LogSafetyNetRetry(string leaseName, string holder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease '{LeaseName}': a state-store request of a waiting acquire failed; retrying")]
    private partial void LogTransientFailure(Exception exception, string leaseName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease '{LeaseName}': stopping the key observation failed")]
    private partial void LogUnobserveFailed(Exception exception, string leaseName);

    [LoggerMessage(Level = LogLevel.Error, Message = "Lease '{LeaseName}': a lease-changed handler failed")]
    private partial void LogHandlerFailed(Exception exception, string leaseName);
}
