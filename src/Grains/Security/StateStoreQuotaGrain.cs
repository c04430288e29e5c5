using OrleansAio.GrainsInterfaces.Security;

namespace OrleansAio.Grains.Security;

/// <summary>One key in a client's quota account.</summary>
[GenerateSerializer]
public sealed class StateStoreQuotaEntry
{
    /// <summary>The key and value bytes.</summary>
    [Id(0)]
    public long Bytes { get; set; }

    /// <summary>When the key expires (Unix milliseconds), or 0 when it does not.</summary>
    [Id(1)]
    public long ExpiresAtUnixMilliseconds { get; set; }
}

/// <summary>The persisted quota account of one client.</summary>
[GenerateSerializer]
public sealed class StateStoreQuotaState
{
    /// <summary>The client's keys (key grain keys) and their sizes.</summary>
    [Id(0)]
    public Dictionary<string, StateStoreQuotaEntry> Keys { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>The state-store quota account of one client (see <see cref="IStateStoreQuotaGrain"/>).</summary>
/// <param name="state">The persisted account.</param>
/// <param name="timeProvider">The clock of key expiry.</param>
public sealed class StateStoreQuotaGrain(
    [PersistentState("statestore-quota")] IPersistentState<StateStoreQuotaState> state, TimeProvider timeProvider) : Grain, IStateStoreQuotaGrain
{
    /// <inheritdoc />
    public Task<bool> FitsAsync(string grainKey, long bytes, StateStoreQuotaLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        Prune();
        var keys = state.State.Keys;
        var existing = keys.TryGetValue(grainKey, out var entry) ? entry.Bytes : (long?)null;
        var count = keys.Count + (existing is null ? 1 : 0);
        var total = keys.Values.Sum(e => e.Bytes) - (existing ?? 0) + bytes;
        return Task.FromResult((limits.MaxKeys == 0 || count <= limits.MaxKeys) && (limits.MaxTotalBytes == 0 || total <= limits.MaxTotalBytes));
    }

    /// <inheritdoc />
    public async Task RecordSetAsync(string grainKey, long bytes, DateTimeOffset? expiresAt)
    {
        Prune();
        state.State.Keys[grainKey] = new StateStoreQuotaEntry { Bytes = bytes, ExpiresAtUnixMilliseconds = expiresAt?.ToUnixTimeMilliseconds() ?? 0 };
        await state.WriteStateAsync();
    }

    /// <inheritdoc />
    public async Task RecordDeleteAsync(string grainKey)
    {
        if (state.State.Keys.Remove(grainKey) | Prune())
        {
            await state.WriteStateAsync();
        }
    }

    /// <inheritdoc />
    public Task<(int Keys, long Bytes)> GetUsageAsync()
    {
        Prune();
        return Task.FromResult((state.State.Keys.Count, state.State.Keys.Values.Sum(e => e.Bytes)));
    }

    private bool Prune()
    {
        var now = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var expired = state.State.Keys.Where(p => p.Value.ExpiresAtUnixMilliseconds != 0 && p.Value.ExpiresAtUnixMilliseconds <= now).Select(p => p.Key).ToList();
        foreach (var key in expired)
        {
            state.State.Keys.Remove(key);
        }

        return expired.Count > 0;
    }
}
