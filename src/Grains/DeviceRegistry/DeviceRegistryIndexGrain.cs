using Orleans.Runtime;
using OrleansAio.GrainsInterfaces.DeviceRegistry;

namespace OrleansAio.Grains.DeviceRegistry;

/// <summary>The persisted names of the registry's resources.</summary>
[GenerateSerializer]
public sealed class DeviceRegistryIndexState
{
    /// <summary>The defined devices.</summary>
    [Id(0)]
    public SortedSet<string> Devices { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The defined assets and their devices.</summary>
    [Id(1)]
    public SortedDictionary<string, string> Assets { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The discovered devices.</summary>
    [Id(2)]
    public SortedSet<string> DiscoveredDevices { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The discovered assets.</summary>
    [Id(3)]
    public SortedSet<string> DiscoveredAssets { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>The index of resource names (see <see cref="IDeviceRegistryIndexGrain"/>); each change is persisted before the reply.</summary>
/// <param name="state">The persisted index.</param>
public sealed class DeviceRegistryIndexGrain(
    [PersistentState("index")] IPersistentState<DeviceRegistryIndexState> state) : Grain, IDeviceRegistryIndexGrain
{
    /// <inheritdoc />
    public Task AddDeviceAsync(string deviceName) => state.State.Devices.Add(deviceName) ? state.WriteStateAsync() : Task.CompletedTask;

    /// <inheritdoc />
    public Task RemoveDeviceAsync(string deviceName) => state.State.Devices.Remove(deviceName) ? state.WriteStateAsync() : Task.CompletedTask;

    /// <inheritdoc />
    public Task AddAssetAsync(string assetName, string deviceName)
    {
        if (state.State.Assets.TryGetValue(assetName, out var known) && known == deviceName)
        {
            return Task.CompletedTask;
        }

        state.State.Assets[assetName] = deviceName;
        return state.WriteStateAsync();
    }

    /// <inheritdoc />
    public Task RemoveAssetAsync(string assetName) => state.State.Assets.Remove(assetName) ? state.WriteStateAsync() : Task.CompletedTask;

    /// <inheritdoc />
    public Task AddDiscoveredDeviceAsync(string name) => state.State.DiscoveredDevices.Add(name) ? state.WriteStateAsync() : Task.CompletedTask;

    /// <inheritdoc />
    public Task AddDiscoveredAssetAsync(string name) => state.State.DiscoveredAssets.Add(name) ? state.WriteStateAsync() : Task.CompletedTask;

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> GetDeviceNamesAsync() => Task.FromResult<IReadOnlyList<string>>([.. state.State.Devices]);

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> GetAssetNamesAsync(string? deviceName) => Task.FromResult<IReadOnlyList<string>>(
        [.. state.State.Assets.Where(a => deviceName is null || a.Value == deviceName).Select(a => a.Key)]);

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> GetDiscoveredDeviceNamesAsync() => Task.FromResult<IReadOnlyList<string>>([.. state.State.DiscoveredDevices]);

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> GetDiscoveredAssetNamesAsync() => Task.FromResult<IReadOnlyList<string>>([.. state.State.DiscoveredAssets]);
}
