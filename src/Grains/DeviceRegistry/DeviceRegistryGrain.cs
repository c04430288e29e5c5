using Orleans.Concurrency;
using OrleansAio.GrainsInterfaces.DeviceRegistry;

namespace OrleansAio.Grains.DeviceRegistry;

/// <summary>
/// The registry façade (see <see cref="IDeviceRegistryGrain"/>): a stateless worker, so listing (which calls the index, then every
/// resource grain) never waits behind, or deadlocks with, a resource grain that is updating the index.
/// </summary>
[StatelessWorker]
public sealed class DeviceRegistryGrain : Grain, IDeviceRegistryGrain
{
    private IDeviceRegistryIndexGrain Index => GrainFactory.GetGrain<IDeviceRegistryIndexGrain>(IDeviceRegistryIndexGrain.Key);

    /// <inheritdoc />
    public async Task<IReadOnlyList<DeviceEntry>> ListDevicesAsync()
    {
        var names = await Index.GetDeviceNamesAsync();
        var entries = await Task.WhenAll(names.Select(n => GrainFactory.GetGrain<IDeviceGrain>(n).GetEntryAsync()));
        return [.. entries.OfType<DeviceEntry>()];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<AssetEntry>> ListAssetsAsync(string? deviceName = null)
    {
        var names = await Index.GetAssetNamesAsync(deviceName);
        var entries = await Task.WhenAll(names.Select(n => GrainFactory.GetGrain<IAssetGrain>(n).GetEntryAsync()));
        return [.. entries.OfType<AssetEntry>()];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DiscoveredDeviceEntry>> ListDiscoveredDevicesAsync()
    {
        var names = await Index.GetDiscoveredDeviceNamesAsync();
        var entries = await Task.WhenAll(names.Select(n => GrainFactory.GetGrain<IDiscoveredDeviceGrain>(n).GetAsync()));
        return [.. entries.OfType<DiscoveredDeviceEntry>()];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DiscoveredAssetEntry>> ListDiscoveredAssetsAsync()
    {
        var names = await Index.GetDiscoveredAssetNamesAsync();
        var entries = await Task.WhenAll(names.Select(n => GrainFactory.GetGrain<IDiscoveredAssetGrain>(n).GetAsync()));
        return [.. entries.OfType<DiscoveredAssetEntry>()];
    }

    /// <inheritdoc />
    public Task<DeviceRegistryResult<Device>> CreateOrUpdateDeviceAsync(string deviceName, Device device) =>
        DeviceRegistryRules.CheckName("device name", deviceName) is { } problem
            ? Task.FromResult(DeviceRegistryResult<Device>.Failure(DeviceRegistryError.BadRequest(problem)))
            : GrainFactory.GetGrain<IDeviceGrain>(deviceName).CreateOrUpdateAsync(device);

    /// <inheritdoc />
    public Task<DeviceRegistryResult<Asset>> CreateOrUpdateAssetAsync(string assetName, Asset asset) =>
        DeviceRegistryRules.CheckName("asset name", assetName) is { } problem
            ? Task.FromResult(DeviceRegistryResult<Asset>.Failure(DeviceRegistryError.BadRequest(problem)))
            : GrainFactory.GetGrain<IAssetGrain>(assetName).CreateOrUpdateAsync(asset);
}
