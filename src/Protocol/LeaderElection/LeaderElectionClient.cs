using Microsoft.Extensions.Logging;
using OrleansAio.Abstractions.Common;
using OrleansAio.Abstractions.StateStore;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Leasing;
using OrleansAio.Protocol.StateStore;

namespace OrleansAio.Protocol.LeaderElection;

/// <summary>The outcome of a campaign.</summary>
/// <param name="IsLeader">Whether this candidate is the leader now.</param>
/// <param name="FencingToken">When leader: the fencing token of its term.</param>
/// <param name="Leader">When not leader: the current leader, if any.</param>
public sealed record CampaignResponse(bool IsLeader, HybridLogicalClock? FencingToken, string? Leader);

/// <summary>A change of leadership.</summary>
/// <param name="ElectionName">The election.</param>
/// <param name="Leader">The new leader; <see langword="null"/> when there is none (resigned or term expired).</param>
/// <param name="Version">The state-store version of the change.</param>
public sealed record LeadershipChangedEventArgs(string ElectionName, string? Leader, HybridLogicalClock Version);

/// <summary>
/// Leader election over a <see cref="LeaseLockClient"/> (the AIO SDK's design: campaign = acquire with automatic renewal, resign =
/// release; services.md 2.1): the leader is the lease's holder, its fencing token fences its state-store writes
/// (<see cref="SetFencedAsync"/>), and a leader whose renewal fails is told through <see cref="LeadershipLost"/>.
/// </summary>
public sealed class LeaderElectionClient : IAsyncDisposable
{
    private readonly IStateStoreClient stateStore;
    private readonly LeaseLockClient lease;

    /// <summary>Creates the client.</summary>
    /// <param name="stateStore">The state store: the wire client of this MQTT session, or any other <see cref="IStateStoreClient"/>.</param>
    /// <param name="electionName">The election (its lease key).</param>
    /// <param name="candidateName">This candidate's identity; unique among candidates.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="loggerFactory">Logging.</param>
    public LeaderElectionClient(
        IStateStoreClient stateStore, string electionName, string candidateName, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        this.stateStore = stateStore ?? throw new ArgumentNullException(nameof(stateStore));
        lease = new LeaseLockClient(stateStore, electionName, candidateName, timeProvider, loggerFactory);
        lease.LeaseLost += e => LeadershipLost?.Invoke(e);
        lease.LeaseChangedAsync += async e =>
        {
            if (LeadershipChangedAsync is { } handler)
            {
                await handler(new LeadershipChangedEventArgs(e.LeaseName, e.Holder, e.Version)).ConfigureAwait(false);
            }
        };
    }

    /// <summary>Raised for every leadership change while <see cref="ObserveLeadershipChangesAsync"/> is in effect.</summary>
    public event Func<LeadershipChangedEventArgs, Task>? LeadershipChangedAsync;

    /// <summary>Raised once when this leader's term renewal failed: it is no longer the leader.</summary>
    public event Action<LeaseLostEventArgs<HybridLogicalClock>>? LeadershipLost;

    /// <summary>The election's name.</summary>
    public string ElectionName => lease.LeaseName;

    /// <summary>This candidate's identity.</summary>
    public string CandidateName => lease.HolderName;

    /// <summary>The automatic renewal timing of a won term; default: every third of the term.</summary>
    public AutomaticRenewalOptions Renewal { get; init; } = new();

    /// <summary>The current term's fencing token while this candidate is the leader; <see langword="null"/> otherwise.</summary>
    public HybridLogicalClock? FencingToken => lease.CurrentFencingToken;

    /// <summary>Whether this candidate believes it is the leader (it holds a still-valid token).</summary>
    public bool IsLeader => FencingToken is not null;

    /// <summary>One attempt to become the leader; a won term is renewed automatically.</summary>
    /// <param name="electionTerm">The term.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The outcome.</returns>
    public async Task<CampaignResponse> TryCampaignAsync(TimeSpan electionTerm, CancellationToken cancellationToken = default)
    {
        var response = await lease.TryAcquireAsync(electionTerm, Renewal, cancellationToken).ConfigureAwait(false);
        return new CampaignResponse(response.Success, response.FencingToken, response.Holder);
    }

    /// <summary>Campaigns until elected (woken by the leader's resignation or term expiry), the timeout, or cancellation.</summary>
    /// <param name="electionTerm">The term.</param>
    /// <param name="timeout">How long to wait; <see langword="null"/> waits until elected or cancelled.</param>
    /// <param name="cancellationToken">Cancels the campaign.</param>
    /// <returns>The outcome.</returns>
    public async Task<CampaignResponse> CampaignAsync(TimeSpan electionTerm, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var response = await lease.AcquireAsync(electionTerm, Renewal, timeout, cancellationToken).ConfigureAwait(false);
        return new CampaignResponse(response.Success, response.FencingToken, response.Holder);
    }

    /// <summary>Resigns: stops renewing and releases the term if this candidate holds it.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Whether this candidate was the leader and resigned.</returns>
    public Task<bool> ResignAsync(CancellationToken cancellationToken = default) => lease.ReleaseAsync(cancellationToken);

    /// <summary>Reads the current leader.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The leader and its latest token, or <see langword="null"/> when there is none.</returns>
    public Task<LeaseHolderInfo?> GetCurrentLeaderAsync(CancellationToken cancellationToken = default) => lease.GetHolderAsync(cancellationToken);

    /// <summary>Starts raising <see cref="LeadershipChangedAsync"/>.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when observing.</returns>
    public Task ObserveLeadershipChangesAsync(CancellationToken cancellationToken = default) => lease.ObserveAsync(cancellationToken);

    /// <summary>Stops raising <see cref="LeadershipChangedAsync"/>.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when done.</returns>
    public Task UnobserveLeadershipChangesAsync(CancellationToken cancellationToken = default) => lease.UnobserveAsync(cancellationToken);

    /// <summary>
    /// Writes a state-store key fenced with the leader's current token (<c>__ft</c>). The store rejects it
    /// (<c>FencingTokenLowerVersion</c>) once a later leader has written the key with its higher token.
    /// </summary>
    /// <param name="key">The protected key.</param>
    /// <param name="value">The value.</param>
    /// <param name="options">Other SET options (condition, expiry); the fencing token is set here.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The state store's answer.</returns>
    /// <exception cref="AioProtocolException"><see cref="AioErrorKind.StateInvalid"/> when this candidate is not the leader.</exception>
    public Task<StateStoreSetResponse> SetFencedAsync(
        StateStoreKey key, StateStoreValue value, StateStoreSetRequestOptions? options = null, CancellationToken cancellationToken = default)
    {
        var token = FencingToken ?? throw AioProtocolException.StateInvalid(
            nameof(FencingToken), null, $"Candidate '{CandidateName}' is not the leader of '{ElectionName}': no fencing token to write with");
        var fenced = new StateStoreSetRequestOptions
        {
            Condition = options?.Condition ?? SetCondition.Unconditional,
            ExpiryTime = options?.ExpiryTime,
            PersistEntry = options?.PersistEntry ?? false,
            FencingToken = token,
        };
        return stateStore.SetAsync(key, value, fenced, lease.RequestTimeout, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => lease.DisposeAsync();
}
