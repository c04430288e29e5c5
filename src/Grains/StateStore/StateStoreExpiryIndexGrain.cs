using Microsoft.Extensions.Logging;
using OrleansAio.GrainsInterfaces.StateStore;

namespace OrleansAio.Grains.StateStore;

/// <summary>The persisted state of one expiry-index bucket.</summary>
[GenerateSerializer]
public sealed class StateStoreExpiryIndexState
{
    /// <summary>Key grain key to expiry (Unix milliseconds). A concrete dictionary: the Redis storage provider's JSON reads it back.</summary>
    [Id(0)]
    public Dictionary<string, long> Keys { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One bucket of the index of expiring state-store keys (see <see cref="IStateStoreExpiryIndexGrain"/>).</summary>
/// <param name="state">The bucket's persisted keys.</param>
/// <param name="clock">The state store's clock (its time source).</param>
/// <param name="logger">Logs reclaims and failures.</param>
public sealed partial class StateStoreExpiryIndexGrain(
    [PersistentState("expiry-index")] IPersistentState<StateStoreExpiryIndexState> state,
    StateStoreVersionClock clock,
    ILogger<StateStoreExpiryIndexGrain> logger) : Grain, IStateStoreExpiryIndexGrain
{
    /// <inheritdoc />
    public async Task TrackAsync(string grainKey, long expiresAtUnixMilliseconds)
    {
        ArgumentException.ThrowIfNullOrEmpty(grainKey);
        if (state.State.Keys.TryGetValue(grainKey, out var known) && known == expiresAtUnixMilliseconds)
        {
            return;
        }

        state.State.Keys[grainKey] = expiresAtUnixMilliseconds;
        await state.WriteStateAsync();
    }

    /// <inheritdoc />
    public async Task<int> ReclaimAsync()
    {
        var now = clock.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var due = state.State.Keys.Where(k => k.Value <= now).Select(k => k.Key).ToList();
        if (due.Count == 0)
        {
            return 0;
        }

        var reclaimed = 0;
        foreach (var grainKey in due)
        {
            try
            {
                if (await GrainFactory.GetGrain<IStateStoreKeyGrain>(grainKey).ReclaimIfExpiredAsync() is { } later)
                {
                    state.State.Keys[grainKey] = later;
                }
                else
                {
                    state.State.Keys.Remove(grainKey);
                    reclaimed++;
                }
            }
            catch (Exception ex)
            {
                // Tried again at the next reclaim; the key reads as absent meanwhile anyway.
                LogReclaimFailed(ex, grainKey);
            }
        }

        await state.WriteStateAsync();
        LogReclaimed(this.GetPrimaryKeyLong(), reclaimed, state.State.Keys.Count);
        return reclaimed;
    }

    /// <inheritdoc />
    public Task<int> GetTrackedCountAsync() => Task.FromResult(state.State.Keys.Count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "State store expiry bucket {Bucket}: {Reclaimed} expired keys reclaimed, {Tracked} tracked")]
    private partial void LogReclaimed(long bucket, int reclaimed, int tracked);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reclaiming the expired state store key {GrainKey} failed; retried at the next reclaim")]
    private partial void LogReclaimFailed(Exception exception, string grainKey);
}
