using Microsoft.Extensions.Logging;
using OrleansAio.Abstractions.Common;
using OrleansAio.GrainsInterfaces.Leasing;
using OrleansAio.GrainsInterfaces.StateStore;
using OrleansAio.Protocol.Leasing;

namespace OrleansAio.Client.Leasing;

/// <summary>
/// A lease held through an <see cref="ILeaseGrain"/> and renewed automatically from where the holder runs (a silo component or an
/// Orleans client): every renewal period a <see cref="ILeaseGrain.RenewAsync"/>; the first renewal that finds another holder, or
/// renewals failing until the term since the last success has run out, ends the holding and raises <see cref="Lost"/>.
/// </summary>
/// <remarks>
/// <see cref="FencingToken"/> is the newest token while held and <see langword="null"/> after a loss, a release, or once a term has
/// passed since the last successful renewal was sent: a stale token is never offered. Create one with
/// <see cref="TryAcquireAsync"/> or <see cref="AcquireAsync"/>. Disposing stops renewing and releases.
/// </remarks>
public sealed class AutoRenewingLease : IAsyncDisposable
{
    private static readonly TimeSpan TransientRetryDelay = TimeSpan.FromMilliseconds(250);
    private readonly ILeaseGrain lease;
    private readonly AutomaticLeaseRenewal<HlcTimestamp> renewal;

    private AutoRenewingLease(
        ILeaseGrain lease, string holder, TimeSpan term, TimeSpan period, TimeProvider timeProvider, ILogger? logger)
    {
        this.lease = lease;
        Holder = holder;
        Name = lease.GetPrimaryKeyString();
        renewal = new AutomaticLeaseRenewal<HlcTimestamp>(
            Name,
            term,
            period,
            async _ =>
            {
                var result = await lease.RenewAsync(holder, term);
                return result.Acquired ? result.FencingToken : null;
            },
            timeProvider,
            logger);
        renewal.Lost += e => Lost?.Invoke(e);
        renewal.Renewed += t => Renewed?.Invoke(t);
    }

    /// <summary>Raised once when the lease is lost; renewal has stopped and <see cref="FencingToken"/> is <see langword="null"/>.</summary>
    public event Action<LeaseLostEventArgs<HlcTimestamp>>? Lost;

    /// <summary>Raised after each successful renewal with the new fencing token.</summary>
    public event Action<HlcTimestamp>? Renewed;

    /// <summary>The lease name.</summary>
    public string Name { get; }

    /// <summary>The holder identity.</summary>
    public string Holder { get; }

    /// <summary>The newest fencing token while the lease is held; <see langword="null"/> once it is not.</summary>
    public HlcTimestamp? FencingToken => renewal.CurrentToken;

    /// <summary>Whether the lease was lost (as opposed to still held or released by this holder).</summary>
    public bool IsLost => renewal.IsLost;

    /// <summary>Tries once to acquire the lease and, when acquired, starts renewing it.</summary>
    /// <param name="lease">The lease grain.</param>
    /// <param name="holder">The holder identity.</param>
    /// <param name="term">The lease term.</param>
    /// <param name="renewalOptions">The renewal timing; default: renew every third of the term.</param>
    /// <param name="timeProvider">The clock; default the system clock.</param>
    /// <param name="logger">Logs renewals and losses.</param>
    /// <returns>The held lease, or <see langword="null"/> when another holder has it.</returns>
    public static async Task<AutoRenewingLease?> TryAcquireAsync(
        ILeaseGrain lease,
        string holder,
        TimeSpan term,
        AutomaticRenewalOptions? renewalOptions = null,
        TimeProvider? timeProvider = null,
        ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var clock = timeProvider ?? TimeProvider.System;
        var period = Period(renewalOptions, term);
        var sentAt = clock.GetUtcNow();
        var result = await lease.TryAcquireAsync(holder, term);
        return result.Acquired ? Start(lease, holder, term, period, clock, logger, result.FencingToken!, sentAt) : null;
    }

    /// <summary>Acquires the lease, waiting up to <paramref name="timeout"/>, and starts renewing it.</summary>
    /// <param name="lease">The lease grain.</param>
    /// <param name="holder">The holder identity.</param>
    /// <param name="term">The lease term.</param>
    /// <param name="timeout">How long to wait (longer waits are made of several grain calls).</param>
    /// <param name="renewalOptions">The renewal timing; default: renew every third of the term.</param>
    /// <param name="timeProvider">The clock; default the system clock.</param>
    /// <param name="logger">Logs renewals and losses.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The held lease, or <see langword="null"/> when the timeout passed first.</returns>
    public static async Task<AutoRenewingLease?> AcquireAsync(
        ILeaseGrain lease,
        string holder,
        TimeSpan term,
        TimeSpan timeout,
        AutomaticRenewalOptions? renewalOptions = null,
        TimeProvider? timeProvider = null,
        ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var clock = timeProvider ?? TimeProvider.System;
        var period = Period(renewalOptions, term);
        var deadline = clock.GetUtcNow() + timeout;
        var maxCall = TimeSpan.FromSeconds(ILeaseGrain.MaxAcquireTimeoutSeconds);
        while (true)
        {
            var now = clock.GetUtcNow();
            var remaining = deadline - now;
            var wait = remaining < TimeSpan.Zero ? TimeSpan.Zero : remaining > maxCall ? maxCall : remaining;

            LeaseAcquireResult result;
            try
            {
                result = await lease.AcquireAsync(holder, term, wait, cancellationToken);
            }
            catch (Exception ex) when (ex is not LeaseException && !cancellationToken.IsCancellationRequested && clock.GetUtcNow() < deadline)
            {
                // The lease grain's silo died or the call was lost: the lease itself lives in the state store, so wait and retry.
                logger?.LogWarning(ex, "Waiting for lease '{LeaseName}' failed; retrying", lease.GetPrimaryKeyString());
                await Task.Delay(TransientRetryDelay, clock, cancellationToken);
                continue;
            }

            if (result.Acquired)
            {
                // The waiting call does not say when its winning SET was sent, and the token's validity must count from no later
                // than that: renew at once and count from this renewal's send time.
                var sentAt = clock.GetUtcNow();
                var renewed = await lease.RenewAsync(holder, term);
                if (renewed.Acquired)
                {
                    return Start(lease, holder, term, period, clock, logger, renewed.FencingToken!, sentAt);
                }
            }

            if (clock.GetUtcNow() >= deadline)
            {
                return null;
            }
        }
    }

    /// <summary>Stops renewing and releases the lease if this holder still has it.</summary>
    /// <returns>Whether the lease was released by this call.</returns>
    public async Task<bool> ReleaseAsync()
    {
        await renewal.StopAsync();
        return await lease.ReleaseAsync(Holder);
    }

    /// <summary>Stops renewing without releasing: the lease runs out at the end of its term (what a crashed holder does).</summary>
    /// <returns>A task that completes when renewal has stopped.</returns>
    public Task AbandonAsync() => renewal.StopAsync();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!renewal.IsLost)
        {
            await ReleaseAsync();
        }

        await renewal.DisposeAsync();
    }

    private static TimeSpan Period(AutomaticRenewalOptions? options, TimeSpan term)
    {
        try
        {
            return (options ?? new AutomaticRenewalOptions()).PeriodFor(term);
        }
        catch (Protocol.Common.AioProtocolException ex)
        {
            throw new LeaseException(LeaseErrorKind.ArgumentInvalid, ex.Message);
        }
    }

    private static AutoRenewingLease Start(
        ILeaseGrain lease, string holder, TimeSpan term, TimeSpan period, TimeProvider clock, ILogger? logger, HlcTimestamp token, DateTimeOffset sentAt)
    {
        var held = new AutoRenewingLease(lease, holder, term, period, clock, logger);
        held.renewal.Start(token, sentAt);
        return held;
    }
}
