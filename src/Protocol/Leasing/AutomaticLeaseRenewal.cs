using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansAio.Protocol.Common;

namespace OrleansAio.Protocol.Leasing;

/// <summary>Why a holder stopped holding a lease it was renewing.</summary>
public enum LeaseLossReason
{
    /// <summary>A renewal found the lease key held by another holder (the state store answered "not applied").</summary>
    HeldByAnother,

    /// <summary>Renewals failed (errors, timeouts, a lost connection) until the lease term since the last success ran out.</summary>
    RenewalFailed,
}

/// <summary>Tells a holder that it no longer holds a lease it was renewing automatically.</summary>
/// <param name="LeaseName">The lease.</param>
/// <param name="Reason">Why.</param>
/// <param name="LastToken">The fencing token of the last successful acquire or renewal; no longer valid.</param>
/// <param name="Error">The last renewal error, when <paramref name="Reason"/> is <see cref="LeaseLossReason.RenewalFailed"/>.</param>
/// <typeparam name="TToken">The fencing token type.</typeparam>
public sealed record LeaseLostEventArgs<TToken>(string LeaseName, LeaseLossReason Reason, TToken LastToken, Exception? Error);

/// <summary>The timing of automatic renewal.</summary>
/// <remarks>
/// A renewal is the same <c>SET NEX PX</c> as the acquire (services.md 2.5). The holder treats its token as valid only until one
/// lease term after it <em>sent</em> the last successful acquire or renewal, which is never later than the state store's own expiry
/// of the key (the store starts the TTL when it receives the request).
/// </remarks>
public sealed record AutomaticRenewalOptions
{
    /// <summary>The default fraction of the lease term after which the lease is renewed: one third, so two more attempts fit in a term.</summary>
    public const double DefaultRenewalFraction = 1.0 / 3.0;

    /// <summary>How long after a successful acquire or renewal the next renewal is sent; <see langword="null"/> (the default) means
    /// <see cref="DefaultRenewalFraction"/> of the lease term. Must be positive and shorter than the lease term.</summary>
    public TimeSpan? RenewalPeriod { get; init; }

    /// <summary>The renewal period for <paramref name="leaseTerm"/>, validated.</summary>
    /// <param name="leaseTerm">The lease term.</param>
    /// <returns>The period.</returns>
    public TimeSpan PeriodFor(TimeSpan leaseTerm)
    {
        var period = RenewalPeriod ?? TimeSpan.FromTicks((long)(leaseTerm.Ticks * DefaultRenewalFraction));
        if (period <= TimeSpan.Zero || period >= leaseTerm)
        {
            throw AioProtocolException.ConfigurationInvalid(
                nameof(RenewalPeriod), period, $"the renewal period must be positive and shorter than the lease term {leaseTerm}");
        }

        return period;
    }
}

/// <summary>
/// Renews a held lease at a fixed period and stops at the first sign that the lease is gone: a renewal answered "held by another",
/// or renewals failing until the term since the last success has passed. Once lost, <see cref="CurrentToken"/> is
/// <see langword="null"/>: the old token is never offered again.
/// </summary>
/// <remarks>
/// Shared by the wire lease client and the grain-side holders; <paramref name="renewAsync"/> does the actual
/// <c>SET NEX PX</c> and returns the new fencing token, or <see langword="null"/> when the key holds another holder.
/// All time comes from the injected <see cref="TimeProvider"/>.
/// </remarks>
/// <param name="leaseName">The lease, for logs and the loss report.</param>
/// <param name="leaseTerm">The term every renewal asks for.</param>
/// <param name="period">Time between a success and the next attempt.</param>
/// <param name="renewAsync">One renewal attempt.</param>
/// <param name="timeProvider">The clock.</param>
/// <param name="logger">Logs renewals and losses.</param>
/// <typeparam name="TToken">The fencing token type (the wire HLC or the grains' timestamp record).</typeparam>
public sealed partial class AutomaticLeaseRenewal<TToken>(
    string leaseName,
    TimeSpan leaseTerm,
    TimeSpan period,
    Func<CancellationToken, Task<TToken?>> renewAsync,
    TimeProvider timeProvider,
    ILogger? logger = null) : IAsyncDisposable
    where TToken : class
{
    private readonly Lock gate = new();
    private readonly ILogger logger = logger ?? NullLogger.Instance;
    private readonly CancellationTokenSource stop = new();
    private TToken? token;
    private DateTimeOffset validUntil;
    private Task? loop;
    private bool lost;

    /// <summary>Raised (on the renewal task) after every successful renewal with the new token.</summary>
    public event Action<TToken>? Renewed;

    /// <summary>Raised once (on the renewal task) when the lease is lost; renewal has stopped.</summary>
    public event Action<LeaseLostEventArgs<TToken>>? Lost;

    /// <summary>The newest fencing token while the lease is held; <see langword="null"/> once lost, stopped, or past its validity.</summary>
    public TToken? CurrentToken
    {
        get
        {
            lock (gate)
            {
                return token is not null && !lost && timeProvider.GetUtcNow() < validUntil ? token : null;
            }
        }
    }

    /// <summary>Whether the lease was lost (renewal has stopped).</summary>
    public bool IsLost
    {
        get
        {
            lock (gate)
            {
                return lost;
            }
        }
    }

    /// <summary>Starts renewing a lease acquired with <paramref name="acquiredToken"/> by a request sent at <paramref name="sentAt"/>.</summary>
    /// <param name="acquiredToken">The token the acquire returned.</param>
    /// <param name="sentAt">When the acquiring request was sent.</param>
    public void Start(TToken acquiredToken, DateTimeOffset sentAt)
    {
        ArgumentNullException.ThrowIfNull(acquiredToken);
        lock (gate)
        {
            if (loop is not null)
            {
                throw AioProtocolException.StateInvalid(nameof(Start), leaseName, $"Automatic renewal of lease '{leaseName}' was already started");
            }

            token = acquiredToken;
            validUntil = sentAt + leaseTerm;
            loop = Task.Run(() => RunAsync(stop.Token));
        }
    }

    /// <summary>Stops renewing (the lease is not released; the caller does that). The token is no longer offered.</summary>
    /// <returns>A task that completes when the renewal loop has ended.</returns>
    public async Task StopAsync()
    {
        Task? running;
        lock (gate)
        {
            token = null;
            running = loop;
        }

        if (!stop.IsCancellationRequested)
        {
            await stop.CancelAsync();
        }

        if (running is not null)
        {
            await running;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        stop.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        Exception? lastError = null;
        try
        {
            while (true)
            {
                await Task.Delay(period, timeProvider, cancellationToken);
                var attemptAt = timeProvider.GetUtcNow();
                DateTimeOffset deadline;
                TToken? current;
                lock (gate)
                {
                    deadline = validUntil;
                    current = token;
                }

                if (current is null)
                {
                    return;
                }

                if (attemptAt >= deadline)
                {
                    Lose(LeaseLossReason.RenewalFailed, current, lastError);
                    return;
                }

                try
                {
                    using var attemptTimeout = new CancellationTokenSource(deadline - attemptAt, timeProvider);
                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, attemptTimeout.Token);
                    var renewed = await renewAsync(linked.Token);
                    LeasingMetrics.RecordRenewal(leaseName, renewed is not null);
                    if (renewed is null)
                    {
                        Lose(LeaseLossReason.HeldByAnother, current, null);
                        return;
                    }

                    lock (gate)
                    {
                        if (token is null)
                        {
                            return;
                        }

                        token = renewed;
                        validUntil = attemptAt + leaseTerm;
                    }

                    lastError = null;
                    LogRenewed(leaseName, renewed.ToString());
                    RaiseRenewed(renewed);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    lastError = ex;
                    LogRenewalFailed(ex, leaseName);
                    if (timeProvider.GetUtcNow() >= deadline)
                    {
                        Lose(LeaseLossReason.RenewalFailed, current, ex);
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private void RaiseRenewed(TToken renewed)
    {
        try
        {
            Renewed?.Invoke(renewed);
        }
        catch (Exception ex)
        {
            LogHandlerFailed(ex, leaseName);
        }
    }

    private void Lose(LeaseLossReason reason, TToken lastToken, Exception? error)
    {
        lock (gate)
        {
            if (lost || token is null)
            {
                return;
            }

            lost = true;
            token = null;
        }

        LogLost(leaseName, reason);
        LeasingMetrics.RecordLoss(leaseName, reason);
        try
        {
            Lost?.Invoke(new LeaseLostEventArgs<TToken>(leaseName, reason, lastToken, error));
        }
        catch (Exception ex)
        {
            LogHandlerFailed(ex, leaseName);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Lease '{LeaseName}' renewed; fencing token {Token}")]
    private partial void LogRenewed(string leaseName, string? token);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing lease '{LeaseName}' failed; retrying while the term lasts")]
    private partial void LogRenewalFailed(Exception exception, string leaseName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease '{LeaseName}' lost ({Reason}); automatic renewal stopped")]
    private partial void LogLost(string leaseName, LeaseLossReason reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "A lease renewed or lost handler for '{LeaseName}' failed")]
    private partial void LogHandlerFailed(Exception exception, string leaseName);
}
