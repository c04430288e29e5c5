namespace OrleansAio.Protocol.DeviceRegistry;

/// <summary>Whether a connector wants update events for a device or asset.</summary>
public enum NotificationPreference
{
    /// <summary>Send update events.</summary>
    On,

    /// <summary>Send none.</summary>
    Off,
}

/// <summary>The kind of an ADR service error (<c>AkriServiceError.code</c>).</summary>
public enum AkriServiceErrorCode
{
    /// <summary>The request is wrong (a missing or invalid field, a limit exceeded).</summary>
    BadRequest,

    /// <summary>The service failed.</summary>
    InternalError,

    /// <summary>The resource store refused or could not find the resource (an unknown device or asset).</summary>
    KubeError,

    /// <summary>The request payload is not valid JSON for the command.</summary>
    SerializationError,

    /// <summary>The caller may not do this.</summary>
    Unauthorized,
}

/// <summary>The error object of an ADR response (<c>{command}Error</c>); all three fields are required on the wire.</summary>
public sealed record AkriServiceError
{
    /// <summary>The kind of error.</summary>
    public required AkriServiceErrorCode Code { get; init; }

    /// <summary>What went wrong, naming the field or resource.</summary>
    public required string Message { get; init; }

    /// <summary>When the service met the error.</summary>
    public required DateTimeOffset Timestamp { get; init; }
}

/// <summary>The response of <c>getDevice</c>.</summary>
public sealed record GetDeviceResponsePayload
{
    /// <summary>The device, with only the requested inbound endpoint.</summary>
    public Device? Device { get; init; }

    /// <summary>The error, instead of the device.</summary>
    public AkriServiceError? GetDeviceError { get; init; }
}

/// <summary>The response of <c>getDeviceStatus</c>.</summary>
public sealed record GetDeviceStatusResponsePayload
{
    /// <summary>The status.</summary>
    public DeviceStatus? DeviceStatus { get; init; }

    /// <summary>The error, instead of the status.</summary>
    public AkriServiceError? GetDeviceStatusError { get; init; }
}

/// <summary>The request of <c>getAsset</c> and <c>getAssetStatus</c>.</summary>
public sealed record AssetNameRequestPayload
{
    /// <summary>The asset's name.</summary>
    public required string AssetName { get; init; }
}

/// <summary>The response of <c>getAsset</c>.</summary>
public sealed record GetAssetResponsePayload
{
    /// <summary>The asset.</summary>
    public Asset? Asset { get; init; }

    /// <summary>The error, instead of the asset.</summary>
    public AkriServiceError? GetAssetError { get; init; }
}

/// <summary>The response of <c>getAssetStatus</c>.</summary>
public sealed record GetAssetStatusResponsePayload
{
    /// <summary>The status.</summary>
    public AssetStatus? AssetStatus { get; init; }

    /// <summary>The error, instead of the status.</summary>
    public AkriServiceError? GetAssetStatusError { get; init; }
}

/// <summary>The request of <c>updateDeviceStatus</c>.</summary>
public sealed record UpdateDeviceStatusRequestPayload
{
    /// <summary>The new status (it replaces the stored one; the endpoint entry is merged by name).</summary>
    public required DeviceStatus DeviceStatusUpdate { get; init; }
}

/// <summary>The response of <c>updateDeviceStatus</c>.</summary>
public sealed record UpdateDeviceStatusResponsePayload
{
    /// <summary>The status now stored.</summary>
    public DeviceStatus? UpdatedDeviceStatus { get; init; }

    /// <summary>The error, instead of the status.</summary>
    public AkriServiceError? UpdateDeviceStatusError { get; init; }
}

/// <summary>What <c>updateAssetStatus</c> updates.</summary>
public sealed record UpdateAssetStatusRequest
{
    /// <summary>The asset's name.</summary>
    public required string AssetName { get; init; }

    /// <summary>The new status (it replaces the stored one).</summary>
    public required AssetStatus AssetStatus { get; init; }
}

/// <summary>The request of <c>updateAssetStatus</c>.</summary>
public sealed record UpdateAssetStatusRequestPayload
{
    /// <summary>The update.</summary>
    public required UpdateAssetStatusRequest AssetStatusUpdate { get; init; }
}

/// <summary>The response of <c>updateAssetStatus</c>.</summary>
public sealed record UpdateAssetStatusResponsePayload
{
    /// <summary>The status now stored.</summary>
    public AssetStatus? UpdatedAssetStatus { get; init; }

    /// <summary>The error, instead of the status.</summary>
    public AkriServiceError? UpdateAssetStatusError { get; init; }
}

/// <summary>The request of <c>setNotificationPreferenceForDeviceUpdates</c>.</summary>
public sealed record SetNotificationPreferenceForDeviceUpdatesRequestPayload
{
    /// <summary>On or Off.</summary>
    public required NotificationPreference NotificationPreferenceRequest { get; init; }
}

/// <summary>The response of <c>setNotificationPreferenceForDeviceUpdates</c>.</summary>
public sealed record SetNotificationPreferenceForDeviceUpdatesResponsePayload
{
    /// <summary>The service's acknowledgement text.</summary>
    public string? ResponsePayload { get; init; }

    /// <summary>The error, instead of the acknowledgement.</summary>
    public AkriServiceError? SetNotificationPreferenceForDeviceUpdatesError { get; init; }
}

/// <summary>What <c>setNotificationPreferenceForAssetUpdates</c> sets.</summary>
public sealed record SetNotificationPreferenceForAssetUpdatesRequest
{
    /// <summary>The asset's name.</summary>
    public required string AssetName { get; init; }

    /// <summary>On or Off.</summary>
    public required NotificationPreference NotificationPreference { get; init; }
}

/// <summary>The request of <c>setNotificationPreferenceForAssetUpdates</c>.</summary>
public sealed record SetNotificationPreferenceForAssetUpdatesRequestPayload
{
    /// <summary>The asset and preference.</summary>
    public required SetNotificationPreferenceForAssetUpdatesRequest NotificationPreferenceRequest { get; init; }
}

/// <summary>The response of <c>setNotificationPreferenceForAssetUpdates</c>.</summary>
public sealed record SetNotificationPreferenceForAssetUpdatesResponsePayload
{
    /// <summary>The service's acknowledgement text.</summary>
    public string? ResponsePayload { get; init; }

    /// <summary>The error, instead of the acknowledgement.</summary>
    public AkriServiceError? SetNotificationPreferenceForAssetUpdatesError { get; init; }
}

/// <summary>What <c>createOrUpdateDiscoveredAsset</c> stores.</summary>
public sealed record CreateOrUpdateDiscoveredAssetRequest
{
    /// <summary>The discovered asset's name.</summary>
    public required string DiscoveredAssetName { get; init; }

    /// <summary>The discovered asset (fields omitted are removed).</summary>
    public required DiscoveredAsset DiscoveredAsset { get; init; }
}

/// <summary>The request of <c>createOrUpdateDiscoveredAsset</c>.</summary>
public sealed record CreateOrUpdateDiscoveredAssetRequestPayload
{
    /// <summary>The request.</summary>
    public required CreateOrUpdateDiscoveredAssetRequest DiscoveredAssetRequest { get; init; }
}

/// <summary>The outcome of a discovery report: the id it is stored under and its version.</summary>
public sealed record DiscoveryResponse
{
    /// <summary>The discovery id.</summary>
    public required string DiscoveryId { get; init; }

    /// <summary>The version of the stored discovered resource (0 … 2^63−1).</summary>
    public required long Version { get; init; }
}

/// <summary>The response of <c>createOrUpdateDiscoveredAsset</c>.</summary>
public sealed record CreateOrUpdateDiscoveredAssetResponsePayload
{
    /// <summary>The outcome.</summary>
    public DiscoveryResponse? DiscoveredAssetResponse { get; init; }

    /// <summary>The error, instead of the outcome.</summary>
    public AkriServiceError? CreateOrUpdateDiscoveredAssetError { get; init; }
}

/// <summary>What <c>createOrUpdateDiscoveredDevice</c> stores.</summary>
public sealed record CreateOrUpdateDiscoveredDeviceRequestSchema
{
    /// <summary>The discovered device's name.</summary>
    public required string DiscoveredDeviceName { get; init; }

    /// <summary>The discovered device.</summary>
    public required DiscoveredDevice DiscoveredDevice { get; init; }
}

/// <summary>The request of <c>createOrUpdateDiscoveredDevice</c>.</summary>
public sealed record CreateOrUpdateDiscoveredDeviceRequestPayload
{
    /// <summary>The request.</summary>
    public required CreateOrUpdateDiscoveredDeviceRequestSchema DiscoveredDeviceRequest { get; init; }
}

/// <summary>The response of <c>createOrUpdateDiscoveredDevice</c>.</summary>
public sealed record CreateOrUpdateDiscoveredDeviceResponsePayload
{
    /// <summary>The outcome.</summary>
    public DiscoveryResponse? DiscoveredDeviceResponse { get; init; }

    /// <summary>The error, instead of the outcome.</summary>
    public AkriServiceError? CreateOrUpdateDiscoveredDeviceError { get; init; }
}

/// <summary>The body of a <c>deviceUpdateEvent</c>.</summary>
public sealed record DeviceUpdateEvent
{
    /// <summary>The device's name.</summary>
    public required string DeviceName { get; init; }

    /// <summary>The device as it is now (with the subscribed inbound endpoint only).</summary>
    public required Device Device { get; init; }
}

/// <summary>The telemetry payload of a <c>deviceUpdateEvent</c>.</summary>
public sealed record DeviceUpdateEventTelemetry
{
    /// <summary>The event.</summary>
    public required DeviceUpdateEvent DeviceUpdateEvent { get; init; }
}

/// <summary>The body of an <c>assetUpdateEvent</c>.</summary>
public sealed record AssetUpdateEvent
{
    /// <summary>The asset's name.</summary>
    public required string AssetName { get; init; }

    /// <summary>The asset as it is now.</summary>
    public required Asset Asset { get; init; }
}

/// <summary>The telemetry payload of an <c>assetUpdateEvent</c>.</summary>
public sealed record AssetUpdateEventTelemetry
{
    /// <summary>The event.</summary>
    public required AssetUpdateEvent AssetUpdateEvent { get; init; }
}

/// <summary>The body of a <c>deviceEndpointRuntimeHealthEvent</c>.</summary>
public sealed record DeviceEndpointRuntimeHealthEvent
{
    /// <summary>The endpoint's health.</summary>
    public required RuntimeHealth RuntimeHealth { get; init; }
}

/// <summary>The telemetry payload of a <c>deviceEndpointRuntimeHealthEvent</c>.</summary>
public sealed record DeviceEndpointRuntimeHealthEventTelemetry
{
    /// <summary>The event.</summary>
    public required DeviceEndpointRuntimeHealthEvent DeviceEndpointRuntimeHealthEvent { get; init; }
}

/// <summary>The body of a <c>datasetRuntimeHealthEvent</c>.</summary>
public sealed record DatasetRuntimeHealthEvent
{
    /// <summary>The asset's name.</summary>
    public required string AssetName { get; init; }

    /// <summary>The health of each dataset reported.</summary>
    public required List<DatasetRuntimeHealth> Datasets { get; init; }
}

/// <summary>The telemetry payload of a <c>datasetRuntimeHealthEvent</c>.</summary>
public sealed record DatasetRuntimeHealthEventTelemetry
{
    /// <summary>The event.</summary>
    public required DatasetRuntimeHealthEvent DatasetRuntimeHealthEvent { get; init; }
}

/// <summary>The body of an <c>eventRuntimeHealthEvent</c>.</summary>
public sealed record EventRuntimeHealthEvent
{
    /// <summary>The asset's name.</summary>
    public required string AssetName { get; init; }

    /// <summary>The health of each event reported.</summary>
    public required List<EventRuntimeHealth> Events { get; init; }
}

/// <summary>The telemetry payload of an <c>eventRuntimeHealthEvent</c>.</summary>
public sealed record EventRuntimeHealthEventTelemetry
{
    /// <summary>The event.</summary>
    public required EventRuntimeHealthEvent EventRuntimeHealthEvent { get; init; }
}

/// <summary>The body of a <c>streamRuntimeHealthEvent</c>.</summary>
public sealed record StreamRuntimeHealthEvent
{
    /// <summary>The asset's name.</summary>
    public required string AssetName { get; init; }

    /// <summary>The health of each stream reported.</summary>
    public required List<StreamRuntimeHealth> Streams { get; init; }
}

/// <summary>The telemetry payload of a <c>streamRuntimeHealthEvent</c>.</summary>
public sealed record StreamRuntimeHealthEventTelemetry
{
    /// <summary>The event.</summary>
    public required StreamRuntimeHealthEvent StreamRuntimeHealthEvent { get; init; }
}

/// <summary>The body of a <c>managementActionRuntimeHealthEvent</c>.</summary>
public sealed record ManagementActionRuntimeHealthEvent
{
    /// <summary>The asset's name.</summary>
    public required string AssetName { get; init; }

    /// <summary>The health of each management action reported.</summary>
    public required List<ManagementActionRuntimeHealth> ManagementActions { get; init; }
}

/// <summary>The telemetry payload of a <c>managementActionRuntimeHealthEvent</c>.</summary>
public sealed record ManagementActionRuntimeHealthEventTelemetry
{
    /// <summary>The event.</summary>
    public required ManagementActionRuntimeHealthEvent ManagementActionRuntimeHealthEvent { get; init; }
}

/// <summary>The request of the orleans-aio extension commands <c>listDevices</c> and <c>listAssets</c> (not part of AIO).</summary>
public sealed record ListResourcesRequestPayload
{
    /// <summary>Only assets of this device (<c>listAssets</c>); all when absent.</summary>
    public string? DeviceName { get; init; }
}

/// <summary>One entry of a <c>listDevices</c> answer.</summary>
public sealed record DeviceListEntry
{
    /// <summary>The device's name.</summary>
    public required string DeviceName { get; init; }

    /// <summary>The device, with every endpoint.</summary>
    public required Device Device { get; init; }

    /// <summary>Its status, when a connector reported one.</summary>
    public DeviceStatus? Status { get; init; }
}

/// <summary>The response of the extension command <c>listDevices</c>.</summary>
public sealed record ListDevicesResponsePayload
{
    /// <summary>The devices, by name.</summary>
    public List<DeviceListEntry>? Devices { get; init; }

    /// <summary>The error, instead of the list.</summary>
    public AkriServiceError? ListDevicesError { get; init; }
}

/// <summary>One entry of a <c>listAssets</c> answer.</summary>
public sealed record AssetListEntry
{
    /// <summary>The asset's name.</summary>
    public required string AssetName { get; init; }

    /// <summary>The asset.</summary>
    public required Asset Asset { get; init; }

    /// <summary>Its status, when a connector reported one.</summary>
    public AssetStatus? Status { get; init; }
}

/// <summary>The response of the extension command <c>listAssets</c>.</summary>
public sealed record ListAssetsResponsePayload
{
    /// <summary>The assets, by name.</summary>
    public List<AssetListEntry>? Assets { get; init; }

    /// <summary>The error, instead of the list.</summary>
    public AkriServiceError? ListAssetsError { get; init; }
}
