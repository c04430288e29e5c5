namespace OrleansAio.Protocol.DeviceRegistry;

/// <summary>
/// The device-registry operations both access paths offer with the same behaviour: <see cref="AzureDeviceRegistryClient"/> over
/// MQTT, and the grain-backed client of an Orleans app (<c>ClusterDeviceRegistryClient</c> in <c>OrleansAio.Client</c>).
/// </summary>
/// <remarks>A refusal raises <see cref="AkriServiceErrorException"/> with the ADR error code on both paths.</remarks>
public interface IDeviceRegistryClient : IAsyncDisposable
{
    /// <summary>Reads a device with only the named inbound endpoint (<c>getDevice</c>).</summary>
    /// <param name="deviceName">The device's name.</param>
    /// <param name="inboundEndpointName">The inbound endpoint's name.</param>
    /// <param name="commandTimeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The device.</returns>
    Task<Device> GetDeviceAsync(string deviceName, string inboundEndpointName, TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default);

    /// <summary>Reads a device's status (<c>getDeviceStatus</c>).</summary>
    /// <param name="deviceName">The device's name.</param>
    /// <param name="inboundEndpointName">The inbound endpoint's name.</param>
    /// <param name="commandTimeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The status.</returns>
    Task<DeviceStatus> GetDeviceStatusAsync(string deviceName, string inboundEndpointName, TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default);

    /// <summary>Replaces a device's status (<c>updateDeviceStatus</c>).</summary>
    /// <param name="deviceName">The device's name.</param>
    /// <param name="inboundEndpointName">The inbound endpoint's name.</param>
    /// <param name="status">The new status.</param>
    /// <param name="commandTimeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The stored status.</returns>
    Task<DeviceStatus> UpdateDeviceStatusAsync(
        string deviceName, string inboundEndpointName, DeviceStatus status, TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default);

    /// <summary>Reads an asset (<c>getAsset</c>).</summary>
    /// <param name="deviceName">The device's name.</param>
    /// <param name="inboundEndpointName">The inbound endpoint's name.</param>
    /// <param name="assetName">The asset's name.</param>
    /// <param name="commandTimeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The asset.</returns>
    Task<Asset> GetAssetAsync(
        string deviceName, string inboundEndpointName, string assetName, TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default);

    /// <summary>Reads an asset's status (<c>getAssetStatus</c>).</summary>
    /// <param name="deviceName">The device's name.</param>
    /// <param name="inboundEndpointName">The inbound endpoint's name.</param>
    /// <param name="assetName">The asset's name.</param>
    /// <param name="commandTimeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The status.</returns>
    Task<AssetStatus> GetAssetStatusAsync(
        string deviceName, string inboundEndpointName, string assetName, TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default);

    /// <summary>Replaces an asset's status (<c>updateAssetStatus</c>).</summary>
    /// <param name="deviceName">The device's name.</param>
    /// <param name="inboundEndpointName">The inbound endpoint's name.</param>
    /// <param name="request">The asset and its new status.</param>
    /// <param name="commandTimeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The stored status.</returns>
    Task<AssetStatus> UpdateAssetStatusAsync(
        string deviceName, string inboundEndpointName, UpdateAssetStatusRequest request, TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default);

    /// <summary>Reports a discovered asset (<c>createOrUpdateDiscoveredAsset</c>).</summary>
    /// <param name="deviceName">The device's name.</param>
    /// <param name="inboundEndpointName">The inbound endpoint's name.</param>
    /// <param name="request">The discovered asset.</param>
    /// <param name="commandTimeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The discovery id and version.</returns>
    Task<DiscoveryResponse> CreateOrUpdateDiscoveredAssetAsync(
        string deviceName, string inboundEndpointName, CreateOrUpdateDiscoveredAssetRequest request, TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default);

    /// <summary>Reports a discovered device (<c>createOrUpdateDiscoveredDevice</c>).</summary>
    /// <param name="request">The discovered device.</param>
    /// <param name="inboundEndpointType">The endpoint type it was found through.</param>
    /// <param name="commandTimeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The discovery id and version.</returns>
    Task<DiscoveryResponse> CreateOrUpdateDiscoveredDeviceAsync(
        CreateOrUpdateDiscoveredDeviceRequestSchema request, string inboundEndpointType, TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default);

    /// <summary>Lists every device (orleans-aio extension).</summary>
    /// <param name="commandTimeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The devices, ordered by name.</returns>
    Task<IReadOnlyList<DeviceListEntry>> ListDevicesAsync(TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default);

    /// <summary>Lists assets (orleans-aio extension).</summary>
    /// <param name="deviceName">Only this device's assets; all when <see langword="null"/>.</param>
    /// <param name="commandTimeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The assets, ordered by name.</returns>
    Task<IReadOnlyList<AssetListEntry>> ListAssetsAsync(string? deviceName = null, TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default);
}
