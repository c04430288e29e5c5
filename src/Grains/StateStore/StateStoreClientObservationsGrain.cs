using OrleansAio.GrainsInterfaces.StateStore;

namespace OrleansAio.Grains.StateStore;

/// <summary>The persisted set of keys one MQTT client observes.</summary>
[GenerateSerializer]
public sealed class StateStoreClientObservationsState
{
    /// <summary>The observed keys (key grain keys).</summary>
    [Id(0)]
    public HashSet<string> Keys { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>Tracks the keys an MQTT client observes and ends those observations when its session ends.</summary>
/// <param name="state">The persisted key set.</param>
public sealed class StateStoreClientObservationsGrain(
    [PersistentState("observations")] IPersistentState<StateStoreClientObservationsState> state) : Grain, IStateStoreClientObservationsGrain
{
    /// <inheritdoc />
    public async Task AddKeyAsync(string grainKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(grainKey);
        if (state.State.Keys.Add(grainKey))
        {
            await state.WriteStateAsync();
        }
    }

    /// <inheritdoc />
    public async Task RemoveKeyAsync(string grainKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(grainKey);
        if (state.State.Keys.Remove(grainKey))
        {
            await SaveAsync();
        }
    }

    /// <inheritdoc />
    public async Task<int> EndSessionAsync()
    {
        var clientId = this.GetPrimaryKeyString();
        var keys = state.State.Keys.ToArray();
        await Task.WhenAll(keys.Select(k => GrainFactory.GetGrain<IStateStoreKeyGrain>(k).UnobserveClientAsync(clientId)));
        state.State.Keys.Clear();
        await SaveAsync();
        DeactivateOnIdle();
        return keys.Length;
    }

    private Task SaveAsync() => state.State.Keys.Count == 0 ? state.ClearStateAsync() : state.WriteStateAsync();
}
