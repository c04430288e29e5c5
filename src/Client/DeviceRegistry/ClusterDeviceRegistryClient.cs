using OrleansAio.Protocol.DeviceRegistry;
using G = OrleansAio.GrainsInterfaces.DeviceRegistry;

namespace OrleansAio.Client.DeviceRegistry;

/// <summary>
/// The device registry for Orleans apps, through grain calls: the same operations, models and errors as the wire client
/// <see cref="AzureDeviceRegistryClient"/> (<see cref="IDeviceRegistryClient"/>), without MQTT.
/// </summary>
/// <remarks>
/// Timeouts are Orleans' response timeout (the <c>commandTimeout</c> arguments are accepted for the shape and ignored); refusals
/// raise <see cref="AkriServiceErrorException"/> as on the wire. Update events are MQTT telemetry to connectors, so they are not
/// offered here; an app that changes devices or assets uses <see cref="G.IDeviceRegistryGrain"/> or the resource grains.
/// </remarks>
/// <param name="grainFactory">The grain factory (a cluster client or a grain's).</param>
/// <param name="timeProvider">The time of error objects; the system clock by default.</param>
public sealed class ClusterDeviceRegistryClient(IGrainFactory grainFactory, TimeProvider? timeProvider = null) : IDeviceRegistryClient
{
    private readonly TimeProvider clock = timeProvider ?? TimeProvider.System;

    private G.IDeviceRegistryGrain Registry => grainFactory.GetGrain<G.IDeviceRegistryGrain>("default");

    /// <inheritdoc />
    public async Task<Device> GetDeviceAsync(string deviceName, string inboundEndpointName, TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default) =>
        Unwrap<G.Device, Device>(DeviceRegistryTopics.GetDevice, await grainFactory.GetGrain<G.IDeviceGrain>(Key(deviceName)).GetDeviceAsync(inboundEndpointName));

    /// <inheritdoc />
    public async Task<DeviceStatus> GetDeviceStatusAsync(
        string deviceName, string inboundEndpointName, TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default) =>
        Unwrap<G.DeviceStatus, DeviceStatus>(DeviceRegistryTopics.GetDeviceStatus, await grainFactory.GetGrain<G.IDeviceGrain>(Key(deviceName)).GetStatusAsync(inboundEndpointName));

    /// <inheritdoc />
    public async Task<DeviceStatus> UpdateDeviceStatusAsync(
        string deviceName, string inboundEndpointName, DeviceStatus status, TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(status);
        var result = await grainFactory.GetGrain<G.IDeviceGrain>(Key(deviceName))
            .UpdateStatusAsync(inboundEndpointName, DeviceRegistryMapping.Convert<G.DeviceStatus>(status));
        return Unwrap<G.DeviceStatus, DeviceStatus>(DeviceRegistryTopics.UpdateDeviceStatus, result);
    }

    /// <inheritdoc />
    public async Task<Asset> GetAssetAsync(
        string deviceName, string inboundEndpointName, string assetName, TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default) =>
        Unwrap<G.Asset, Asset>(DeviceRegistryTopics.GetAsset, await grainFactory.GetGrain<G.IAssetGrain>(Key(assetName)).GetAssetAsync(deviceName, inboundEndpointName));

    /// <inheritdoc />
    public async Task<AssetStatus> GetAssetStatusAsync(
        string deviceName, string inboundEndpointName, string assetName, TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default) =>
        Unwrap<G.AssetStatus, AssetStatus>(DeviceRegistryTopics.GetAssetStatus, await grainFactory.GetGrain<G.IAssetGrain>(Key(assetName)).GetStatusAsync(deviceName, inboundEndpointName));

    /// <inheritdoc />
    public async Task<AssetStatus> UpdateAssetStatusAsync(
        string deviceName, string inboundEndpointName, UpdateAssetStatusRequest request, TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var result = await grainFactory.GetGrain<G.IAssetGrain>(Key(request.AssetName))
            .UpdateStatusAsync(deviceName, inboundEndpointName, DeviceRegistryMapping.Convert<G.AssetStatus>(request.AssetStatus));
        return Unwrap<G.AssetStatus, AssetStatus>(DeviceRegistryTopics.UpdateAssetStatus, result);
    }

    /// <inheritdoc />
    public async Task<DiscoveryResponse> CreateOrUpdateDiscoveredAssetAsync(
        string deviceName, string inboundEndpointName, CreateOrUpdateDiscoveredAssetRequest request, TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var result = await grainFactory.GetGrain<G.IDiscoveredAssetGrain>(Key(request.DiscoveredAssetName))
            .CreateOrUpdateAsync(DeviceRegistryMapping.Convert<G.DiscoveredAsset>(request.DiscoveredAsset), deviceName, inboundEndpointName);
        return new DiscoveryResponse { DiscoveryId = result.DiscoveryId, Version = result.Version };
    }

    /// <inheritdoc />
    public async Task<DiscoveryResponse> CreateOrUpdateDiscoveredDeviceAsync(
        CreateOrUpdateDiscoveredDeviceRequestSchema request, string inboundEndpointType, TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var result = await grainFactory.GetGrain<G.IDiscoveredDeviceGrain>(Key(request.DiscoveredDeviceName))
            .CreateOrUpdateAsync(DeviceRegistryMapping.Convert<G.DiscoveredDevice>(request.DiscoveredDevice), inboundEndpointType, null);
        return new DiscoveryResponse { DiscoveryId = result.DiscoveryId, Version = result.Version };
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DeviceListEntry>> ListDevicesAsync(TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default) =>
        [.. (await Registry.ListDevicesAsync()).Select(d => new DeviceListEntry
        {
            DeviceName = d.Name,
            Device = DeviceRegistryMapping.Convert<Device>(d.Device),
            Status = d.Status is null ? null : DeviceRegistryMapping.Convert<DeviceStatus>(d.Status),
        })];

    /// <inheritdoc />
    public async Task<IReadOnlyList<AssetListEntry>> ListAssetsAsync(string? deviceName = null, TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default) =>
        [.. (await Registry.ListAssetsAsync(deviceName)).Select(a => new AssetListEntry
        {
            AssetName = a.Name,
            Asset = DeviceRegistryMapping.Convert<Asset>(a.Asset),
            Status = a.Status is null ? null : DeviceRegistryMapping.Convert<AssetStatus>(a.Status),
        })];

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    // A grain key must not be empty; an empty name is simply not found.
    private static string Key(string? name) => string.IsNullOrEmpty(name) ? "-" : name;

    private TOut Unwrap<TIn, TOut>(string command, G.DeviceRegistryResult<TIn> result)
        where TIn : class
    {
        if (result.Error is { } error)
        {
            throw new AkriServiceErrorException(command, DeviceRegistryMapping.ToWire(error, clock.GetUtcNow()));
        }

        return DeviceRegistryMapping.Convert<TOut>(result.Value!);
    }
}
