using Microsoft.Extensions.Logging;
using OrleansAio.Abstractions.Common;
using OrleansAio.Abstractions.StateStore;
using OrleansAio.Client.Leasing;
using OrleansAio.GrainsInterfaces.Leasing;
using OrleansAio.GrainsInterfaces.StateStore;
using OrleansAio.Protocol.Leasing;

namespace OrleansAio.Client.LeaderElection;

/// <summary>
/// Leader election for a candidate that runs in a silo or an Orleans client, over the <see cref="ILeaseGrain"/> named after the
/// election: campaign = acquire with automatic renewal from where the candidate runs, resign = release, the leader = the lease's
/// holder. The same lease key is used by the wire <c>LeaderElectionClient</c>, so both kinds of candidate take part in one election.
/// </summary>
/// <remarks>
/// Renewal runs with the candidate, never in a grain: when the candidate's process dies its renewals stop and the next candidate is
/// elected once the term runs out. See <c>src/Grains/Leasing/README.md</c> for what the fencing token protects.
/// </remarks>
/// <param name="grains">The grain factory of the silo or client the candidate runs in.</param>
/// <param name="electionName">The election (the lease name).</param>
/// <param name="candidateName">This candidate's identity; unique among candidates.</param>
/// <param name="timeProvider">The clock; default the system clock.</param>
/// <param name="logger">Logs renewals and losses.</param>
public sealed class LeaderElection(
    IGrainFactory grains, string electionName, string candidateName, TimeProvider? timeProvider = null, ILogger? logger = null)
    : IAsyncDisposable
{
    private readonly ILeaseGrain lease = grains.GetGrain<ILeaseGrain>(electionName);
    private readonly TimeProvider clock = timeProvider ?? TimeProvider.System;
    private AutoRenewingLease? term;
    private ILeaseObserver? observerReference;
    private ChangeObserver? observer;
    private CancellationTokenSource? reobserving;
    private Task? reobserveLoop;

    /// <summary>Raised for every leadership change while <see cref="ObserveLeadershipChangesAsync"/> is in effect.</summary>
    public event Action<LeaseChange>? LeadershipChanged;

    /// <summary>Raised once when this leader's renewal failed: it is no longer the leader.</summary>
    public event Action<LeaseLostEventArgs<HlcTimestamp>>? LeadershipLost;

    /// <summary>The election's name.</summary>
    public string ElectionName { get; } = electionName;

    /// <summary>This candidate's identity.</summary>
    public string CandidateName { get; } = candidateName;

    /// <summary>How often an observation of leadership changes is renewed (below the lease grain's 5-minute observer lifetime). Default 2 minutes.</summary>
    public TimeSpan ReobserveInterval { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The renewal timing of a won term; default every third of the term.</summary>
    public AutomaticRenewalOptions Renewal { get; init; } = new();

    /// <summary>The current term's fencing token while this candidate is the leader; <see langword="null"/> otherwise.</summary>
    public HlcTimestamp? FencingToken => term?.FencingToken;

    /// <summary>Whether this candidate holds a still-valid term.</summary>
    public bool IsLeader => FencingToken is not null;

    /// <summary>One attempt to become the leader; a won term is renewed automatically.</summary>
    /// <param name="electionTerm">The term.</param>
    /// <returns>Whether this candidate is the leader now.</returns>
    public async Task<bool> TryCampaignAsync(TimeSpan electionTerm)
    {
        var won = await AutoRenewingLease.TryAcquireAsync(lease, CandidateName, electionTerm, Renewal, clock, logger);
        return await TakeAsync(won);
    }

    /// <summary>Campaigns until elected (woken by the leader's resignation or term expiry), the timeout, or cancellation.</summary>
    /// <param name="electionTerm">The term.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Cancels the campaign.</param>
    /// <returns>Whether this candidate is the leader now.</returns>
    public async Task<bool> CampaignAsync(TimeSpan electionTerm, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var won = await AutoRenewingLease.AcquireAsync(lease, CandidateName, electionTerm, timeout, Renewal, clock, logger, cancellationToken);
        return await TakeAsync(won);
    }

    /// <summary>Resigns: stops renewing and releases the term if this candidate holds it.</summary>
    /// <returns>Whether this candidate was the leader and resigned.</returns>
    public async Task<bool> ResignAsync()
    {
        var held = Interlocked.Exchange(ref term, null);
        return held is not null && await held.ReleaseAsync();
    }

    /// <summary>Stops renewing without resigning (the term runs out), as a crashed leader would.</summary>
    /// <returns>A task that completes when renewal has stopped.</returns>
    public Task AbandonAsync() => term?.AbandonAsync() ?? Task.CompletedTask;

    /// <summary>Reads the current leader.</summary>
    /// <returns>The leader and its latest token, or <see langword="null"/> when there is none.</returns>
    public Task<LeaseHolder?> GetCurrentLeaderAsync() => lease.GetHolderAsync();

    /// <summary>
    /// Starts raising <see cref="LeadershipChanged"/>. The registration is renewed every <see cref="ReobserveInterval"/> until
    /// <see cref="UnobserveLeadershipChangesAsync"/> or disposal.
    /// </summary>
    /// <returns>A task that completes when registered.</returns>
    public async Task ObserveLeadershipChangesAsync()
    {
        observer ??= new ChangeObserver(this);
        observerReference ??= grains.CreateObjectReference<ILeaseObserver>(observer);
        await lease.ObserveAsync(observerReference);
        if (reobserving is null)
        {
            reobserving = new CancellationTokenSource();
            reobserveLoop = ReobserveAsync(observerReference, reobserving.Token);
        }
    }

    /// <summary>Stops raising <see cref="LeadershipChanged"/>.</summary>
    /// <returns>A task that completes when done.</returns>
    public async Task UnobserveLeadershipChangesAsync()
    {
        if (reobserving is not null)
        {
            await reobserving.CancelAsync();
            await reobserveLoop!;
            reobserving.Dispose();
            reobserving = null;
        }

        if (observerReference is not null)
        {
            await lease.UnobserveAsync(observerReference);
            grains.DeleteObjectReference<ILeaseObserver>(observerReference);
            observerReference = null;
        }
    }

    /// <summary>
    /// Writes a state-store key fenced with the leader's current token. The store refuses it (the result's
    /// <see cref="StateStoreServiceError.FencingTokenLowerVersion"/>) once a later leader has written the key with its higher token.
    /// </summary>
    /// <param name="key">The protected key (text).</param>
    /// <param name="value">The value.</param>
    /// <param name="expiryMilliseconds">Optional time to live.</param>
    /// <returns>The state store's answer.</returns>
    /// <exception cref="LeaseException"><see cref="LeaseErrorKind.NotHeld"/> when this candidate is not the leader.</exception>
    public Task<StateStoreSetResult> SetFencedAsync(string key, byte[] value, long? expiryMilliseconds = null)
    {
        var token = FencingToken ?? throw new LeaseException(
            LeaseErrorKind.NotHeld, $"Candidate '{CandidateName}' is not the leader of '{ElectionName}': no fencing token to write with");
        return grains.GetGrain<IStateStoreKeyGrain>(StateStoreGrainKey.ToGrainKey(key))
            .SetAsync(new StateStoreSetRequest(value, SetCondition.Unconditional, expiryMilliseconds, token));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await UnobserveLeadershipChangesAsync();
        var held = Interlocked.Exchange(ref term, null);
        if (held is not null)
        {
            await held.DisposeAsync();
        }
    }

    private async Task<bool> TakeAsync(AutoRenewingLease? won)
    {
        if (won is null)
        {
            return false;
        }

        won.Lost += e => LeadershipLost?.Invoke(e);
        var previous = Interlocked.Exchange(ref term, won);
        if (previous is not null && !ReferenceEquals(previous, won))
        {
            await previous.AbandonAsync();
        }

        return true;
    }

    private async Task ReobserveAsync(ILeaseObserver reference, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(ReobserveInterval, clock, cancellationToken);
                try
                {
                    await lease.ObserveAsync(reference);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger?.LogWarning(ex, "Renewing the observation of election '{ElectionName}' failed; retrying", ElectionName);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private sealed class ChangeObserver(LeaderElection owner) : ILeaseObserver
    {
        public Task OnLeaseChangedAsync(LeaseChange change)
        {
            owner.LeadershipChanged?.Invoke(change);
            return Task.CompletedTask;
        }
    }
}
