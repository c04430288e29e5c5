namespace OrleansAio.GrainsInterfaces.DeviceRegistry;

/// <summary>
/// One device of the registry (services.md 4): its definition, status, notification subscriptions and endpoint health. The
/// grain's key is the device's name. See <c>src/Grains/DeviceRegistry/README.md</c>.
/// </summary>
/// <remarks>
/// Every change is persisted before the call returns; subscribed connectors are then sent a <c>deviceUpdateEvent</c>. Refusals
/// the ADR defines (an unknown device or endpoint is <see cref="DeviceRegistryErrorCode.KubeError"/>) come back in the result.
/// </remarks>
public interface IDeviceGrain : IGrainWithStringKey
{
    /// <summary>The device with only <paramref name="inboundEndpointName"/> among its inbound endpoints (<c>getDevice</c>).</summary>
    /// <param name="inboundEndpointName">The inbound endpoint.</param>
    /// <returns>The device, or <see cref="DeviceRegistryErrorCode.KubeError"/> for an unknown device or endpoint.</returns>
    Task<DeviceRegistryResult<Device>> GetDeviceAsync(string inboundEndpointName);

    /// <summary>Everything kept about the device (all endpoints, status, health), or <see langword="null"/> when it is not defined.</summary>
    /// <returns>The entry.</returns>
    Task<DeviceEntry?> GetEntryAsync();

    /// <summary>The status with only <paramref name="inboundEndpointName"/>'s entry (<c>getDeviceStatus</c>).</summary>
    /// <param name="inboundEndpointName">The inbound endpoint.</param>
    /// <returns>The status (empty when none was reported).</returns>
    Task<DeviceRegistryResult<DeviceStatus>> GetStatusAsync(string inboundEndpointName);

    /// <summary>
    /// Replaces the status (<c>updateDeviceStatus</c>): <c>config</c> is replaced, and the named endpoint's entry is added,
    /// replaced or (when the update lacks it) removed; other endpoints' entries stay.
    /// </summary>
    /// <param name="inboundEndpointName">The inbound endpoint the update comes through.</param>
    /// <param name="status">The new status.</param>
    /// <returns>The stored status, with only the named endpoint's entry.</returns>
    Task<DeviceRegistryResult<DeviceStatus>> UpdateStatusAsync(string inboundEndpointName, DeviceStatus status);

    /// <summary>Turns <c>deviceUpdateEvent</c>s to a connector on or off for one endpoint.</summary>
    /// <param name="connectorClientId">The connector's MQTT client id.</param>
    /// <param name="inboundEndpointName">The inbound endpoint.</param>
    /// <param name="preference">On or Off.</param>
    /// <returns>The preference now in force, or an error for an unknown device or endpoint.</returns>
    Task<DeviceRegistryResult<NotificationPreference>> SetNotificationPreferenceAsync(
        string connectorClientId, string inboundEndpointName, NotificationPreference preference);

    /// <summary>The connectors subscribed to this device's updates.</summary>
    /// <returns>The subscriptions.</returns>
    Task<IReadOnlyList<UpdateSubscription>> GetSubscriptionsAsync();

    /// <summary>
    /// Creates or replaces the definition (start-up files, operators): the version is incremented, <c>lastTransitionTime</c> set,
    /// a <c>uuid</c> assigned if absent, and subscribed connectors are notified.
    /// </summary>
    /// <param name="device">The definition.</param>
    /// <returns>The stored definition, or <see cref="DeviceRegistryErrorCode.BadRequest"/> naming a bad field.</returns>
    Task<DeviceRegistryResult<Device>> CreateOrUpdateAsync(Device device);

    /// <summary>Deletes the device with its status, subscriptions and health.</summary>
    /// <returns>Whether it existed.</returns>
    Task<bool> DeleteAsync();

    /// <summary>Keeps a connector's health report for an endpoint unless it is older than the one kept (ADR 28).</summary>
    /// <param name="inboundEndpointName">The inbound endpoint.</param>
    /// <param name="health">The report.</param>
    /// <returns>Whether it was kept (a report with an older version or timestamp is ignored).</returns>
    Task<DeviceRegistryResult<bool>> ReportEndpointHealthAsync(string inboundEndpointName, RuntimeHealth health);
}

/// <summary>
/// One asset of the registry: definition, status, notification subscriptions and the health of its parts. The grain's key is
/// the asset's name.
/// </summary>
public interface IAssetGrain : IGrainWithStringKey
{
    /// <summary>The asset, if it belongs to the given device endpoint (<c>getAsset</c>).</summary>
    /// <param name="deviceName">The device in the request topic.</param>
    /// <param name="inboundEndpointName">The endpoint in the request topic.</param>
    /// <returns>The asset, or <see cref="DeviceRegistryErrorCode.KubeError"/> when unknown or on another device endpoint.</returns>
    Task<DeviceRegistryResult<Asset>> GetAssetAsync(string deviceName, string inboundEndpointName);

    /// <summary>Everything kept about the asset, or <see langword="null"/> when it is not defined.</summary>
    /// <returns>The entry.</returns>
    Task<AssetEntry?> GetEntryAsync();

    /// <summary>The status (<c>getAssetStatus</c>).</summary>
    /// <param name="deviceName">The device in the request topic.</param>
    /// <param name="inboundEndpointName">The endpoint in the request topic.</param>
    /// <returns>The status (empty when none was reported).</returns>
    Task<DeviceRegistryResult<AssetStatus>> GetStatusAsync(string deviceName, string inboundEndpointName);

    /// <summary>Replaces the status (<c>updateAssetStatus</c>); fields omitted are removed.</summary>
    /// <param name="deviceName">The device in the request topic.</param>
    /// <param name="inboundEndpointName">The endpoint in the request topic.</param>
    /// <param name="status">The new status.</param>
    /// <returns>The stored status.</returns>
    Task<DeviceRegistryResult<AssetStatus>> UpdateStatusAsync(string deviceName, string inboundEndpointName, AssetStatus status);

    /// <summary>Turns <c>assetUpdateEvent</c>s to a connector on or off.</summary>
    /// <param name="connectorClientId">The connector's MQTT client id.</param>
    /// <param name="deviceName">The device in the request topic.</param>
    /// <param name="inboundEndpointName">The endpoint in the request topic.</param>
    /// <param name="preference">On or Off.</param>
    /// <returns>The preference now in force, or an error for an unknown asset.</returns>
    Task<DeviceRegistryResult<NotificationPreference>> SetNotificationPreferenceAsync(
        string connectorClientId, string deviceName, string inboundEndpointName, NotificationPreference preference);

    /// <summary>The connectors subscribed to this asset's updates.</summary>
    /// <returns>The subscriptions.</returns>
    Task<IReadOnlyList<UpdateSubscription>> GetSubscriptionsAsync();

    /// <summary>
    /// Creates or replaces the definition: the version is incremented, <c>lastTransitionTime</c> set, a <c>uuid</c> assigned if
    /// absent, and subscribed connectors are notified. The device and endpoint in <c>deviceRef</c> must exist.
    /// </summary>
    /// <param name="asset">The definition.</param>
    /// <returns>The stored definition, or an error naming the bad field.</returns>
    Task<DeviceRegistryResult<Asset>> CreateOrUpdateAsync(Asset asset);

    /// <summary>Deletes the asset with its status, subscriptions and health.</summary>
    /// <returns>Whether it existed.</returns>
    Task<bool> DeleteAsync();

    /// <summary>Keeps connectors' health reports for datasets (ADR 28: older reports are ignored).</summary>
    /// <param name="datasets">The reports.</param>
    /// <returns>How many were kept, or <see cref="DeviceRegistryErrorCode.KubeError"/> for an unknown asset.</returns>
    Task<DeviceRegistryResult<int>> ReportDatasetHealthAsync(IReadOnlyList<DatasetRuntimeHealth> datasets);

    /// <summary>Keeps connectors' health reports for events.</summary>
    /// <param name="events">The reports.</param>
    /// <returns>How many were kept.</returns>
    Task<DeviceRegistryResult<int>> ReportEventHealthAsync(IReadOnlyList<EventRuntimeHealth> events);

    /// <summary>Keeps connectors' health reports for streams.</summary>
    /// <param name="streams">The reports.</param>
    /// <returns>How many were kept.</returns>
    Task<DeviceRegistryResult<int>> ReportStreamHealthAsync(IReadOnlyList<StreamRuntimeHealth> streams);

    /// <summary>Keeps connectors' health reports for management actions.</summary>
    /// <param name="actions">The reports.</param>
    /// <returns>How many were kept.</returns>
    Task<DeviceRegistryResult<int>> ReportManagementActionHealthAsync(IReadOnlyList<ManagementActionRuntimeHealth> actions);
}

/// <summary>A device reported by a discovery handler (<c>createOrUpdateDiscoveredDevice</c>); key: the discovered device's name.</summary>
public interface IDiscoveredDeviceGrain : IGrainWithStringKey
{
    /// <summary>Stores the report; the version grows when the report differs from the stored one.</summary>
    /// <param name="device">The discovered device.</param>
    /// <param name="inboundEndpointType">The endpoint type from the topic.</param>
    /// <param name="discoveryClientId">The discovery handler's MQTT client id, if known.</param>
    /// <returns>The discovery id (the name) and version.</returns>
    Task<DiscoveryResult> CreateOrUpdateAsync(DiscoveredDevice device, string inboundEndpointType, string? discoveryClientId);

    /// <summary>The stored report, or <see langword="null"/>.</summary>
    /// <returns>The entry.</returns>
    Task<DiscoveredDeviceEntry?> GetAsync();
}

/// <summary>An asset reported by a connector (<c>createOrUpdateDiscoveredAsset</c>); key: the discovered asset's name.</summary>
public interface IDiscoveredAssetGrain : IGrainWithStringKey
{
    /// <summary>Stores the report; the version grows when the report differs from the stored one.</summary>
    /// <param name="asset">The discovered asset.</param>
    /// <param name="deviceName">The device from the topic.</param>
    /// <param name="inboundEndpointName">The endpoint from the topic.</param>
    /// <returns>The discovery id (the name) and version.</returns>
    Task<DiscoveryResult> CreateOrUpdateAsync(DiscoveredAsset asset, string deviceName, string inboundEndpointName);

    /// <summary>The stored report, or <see langword="null"/>.</summary>
    /// <returns>The entry.</returns>
    Task<DiscoveredAssetEntry?> GetAsync();
}

/// <summary>
/// The names of every device, asset and discovered resource (one activation, key <see cref="Key"/>). The resource grains keep it
/// up to date; use <see cref="IDeviceRegistryGrain"/> to list resources with their contents.
/// </summary>
public interface IDeviceRegistryIndexGrain : IGrainWithStringKey
{
    /// <summary>The key of the one index.</summary>
    const string Key = "default";

    /// <summary>Records a defined device.</summary>
    /// <param name="deviceName">The device.</param>
    /// <returns>A task that completes when stored.</returns>
    Task AddDeviceAsync(string deviceName);

    /// <summary>Forgets a device.</summary>
    /// <param name="deviceName">The device.</param>
    /// <returns>A task that completes when stored.</returns>
    Task RemoveDeviceAsync(string deviceName);

    /// <summary>Records a defined asset and its device.</summary>
    /// <param name="assetName">The asset.</param>
    /// <param name="deviceName">Its device.</param>
    /// <returns>A task that completes when stored.</returns>
    Task AddAssetAsync(string assetName, string deviceName);

    /// <summary>Forgets an asset.</summary>
    /// <param name="assetName">The asset.</param>
    /// <returns>A task that completes when stored.</returns>
    Task RemoveAssetAsync(string assetName);

    /// <summary>Records a discovered device.</summary>
    /// <param name="name">Its name.</param>
    /// <returns>A task that completes when stored.</returns>
    Task AddDiscoveredDeviceAsync(string name);

    /// <summary>Records a discovered asset.</summary>
    /// <param name="name">Its name.</param>
    /// <returns>A task that completes when stored.</returns>
    Task AddDiscoveredAssetAsync(string name);

    /// <summary>The device names, ordered.</summary>
    /// <returns>The names.</returns>
    [Orleans.Concurrency.ReadOnly]
    Task<IReadOnlyList<string>> GetDeviceNamesAsync();

    /// <summary>The asset names, ordered, optionally only those of one device.</summary>
    /// <param name="deviceName">The device, or <see langword="null"/> for all.</param>
    /// <returns>The names.</returns>
    [Orleans.Concurrency.ReadOnly]
    Task<IReadOnlyList<string>> GetAssetNamesAsync(string? deviceName);

    /// <summary>The discovered device names, ordered.</summary>
    /// <returns>The names.</returns>
    [Orleans.Concurrency.ReadOnly]
    Task<IReadOnlyList<string>> GetDiscoveredDeviceNamesAsync();

    /// <summary>The discovered asset names, ordered.</summary>
    /// <returns>The names.</returns>
    [Orleans.Concurrency.ReadOnly]
    Task<IReadOnlyList<string>> GetDiscoveredAssetNamesAsync();
}

/// <summary>
/// The registry as a whole, for operators and Orleans apps: lists resources with their contents and changes definitions at run
/// time (a stateless worker over <see cref="IDeviceRegistryIndexGrain"/> and the resource grains; any key, conventionally <c>default</c>).
/// </summary>
public interface IDeviceRegistryGrain : IGrainWithStringKey
{
    /// <summary>Every device with its endpoints, status and health, ordered by name.</summary>
    /// <returns>The devices.</returns>
    Task<IReadOnlyList<DeviceEntry>> ListDevicesAsync();

    /// <summary>Assets with status and health, ordered by name.</summary>
    /// <param name="deviceName">Only this device's assets; all when <see langword="null"/>.</param>
    /// <returns>The assets.</returns>
    Task<IReadOnlyList<AssetEntry>> ListAssetsAsync(string? deviceName = null);

    /// <summary>Every discovered device, ordered by name.</summary>
    /// <returns>The discovered devices.</returns>
    Task<IReadOnlyList<DiscoveredDeviceEntry>> ListDiscoveredDevicesAsync();

    /// <summary>Every discovered asset, ordered by name.</summary>
    /// <returns>The discovered assets.</returns>
    Task<IReadOnlyList<DiscoveredAssetEntry>> ListDiscoveredAssetsAsync();

    /// <summary>Creates or replaces a device (see <see cref="IDeviceGrain.CreateOrUpdateAsync"/>).</summary>
    /// <param name="deviceName">The device's name.</param>
    /// <param name="device">The definition.</param>
    /// <returns>The stored definition or the error.</returns>
    Task<DeviceRegistryResult<Device>> CreateOrUpdateDeviceAsync(string deviceName, Device device);

    /// <summary>Creates or replaces an asset (see <see cref="IAssetGrain.CreateOrUpdateAsync"/>).</summary>
    /// <param name="assetName">The asset's name.</param>
    /// <param name="asset">The definition.</param>
    /// <returns>The stored definition or the error.</returns>
    Task<DeviceRegistryResult<Asset>> CreateOrUpdateAssetAsync(string assetName, Asset asset);
}
