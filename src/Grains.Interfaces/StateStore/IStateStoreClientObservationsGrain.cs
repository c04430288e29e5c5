namespace OrleansAio.GrainsInterfaces.StateStore;

/// <summary>
/// The keys one MQTT client observes (KEYNOTIFY), keyed by the client id, so that the client's observations end when its MQTT
/// session ends (services.md 1.7): the wire endpoint records each KEYNOTIFY here and calls <see cref="EndSessionAsync"/> when the
/// broker reports the session gone.
/// </summary>
public interface IStateStoreClientObservationsGrain : IGrainWithStringKey
{
    /// <summary>Records that the client observes a key.</summary>
    /// <param name="grainKey">The key grain's key.</param>
    /// <returns>A task that completes when stored.</returns>
    Task AddKeyAsync(string grainKey);

    /// <summary>Records that the client stopped observing a key.</summary>
    /// <param name="grainKey">The key grain's key.</param>
    /// <returns>A task that completes when stored.</returns>
    Task RemoveKeyAsync(string grainKey);

    /// <summary>Ends every observation of the client (its session ended).</summary>
    /// <returns>How many observations ended.</returns>
    Task<int> EndSessionAsync();
}
