namespace OrleansAio.Protocol.DeviceRegistry;

/// <summary>The ADR topics, tokens, command and event names (services.md 4.2 to 4.4).</summary>
public static class DeviceRegistryTopics
{
    /// <summary>The token of the connector's MQTT client id.</summary>
    public const string ConnectorClientIdToken = "connectorClientId";

    /// <summary>The token of the device's name.</summary>
    public const string DeviceNameToken = "deviceName";

    /// <summary>The token of the inbound endpoint's name.</summary>
    public const string InboundEndpointNameToken = "inboundEndpointName";

    /// <summary>The token of the discovering client's MQTT client id.</summary>
    public const string DiscoveryClientIdToken = "discoveryClientId";

    /// <summary>The token of the inbound endpoint's type.</summary>
    public const string InboundEndpointTypeToken = "inboundEndpointType";

    /// <summary>The <c>getDevice</c> command.</summary>
    public const string GetDevice = "getDevice";

    /// <summary>The <c>getDeviceStatus</c> command.</summary>
    public const string GetDeviceStatus = "getDeviceStatus";

    /// <summary>The <c>getAsset</c> command.</summary>
    public const string GetAsset = "getAsset";

    /// <summary>The <c>getAssetStatus</c> command.</summary>
    public const string GetAssetStatus = "getAssetStatus";

    /// <summary>The <c>updateDeviceStatus</c> command.</summary>
    public const string UpdateDeviceStatus = "updateDeviceStatus";

    /// <summary>The <c>updateAssetStatus</c> command.</summary>
    public const string UpdateAssetStatus = "updateAssetStatus";

    /// <summary>The <c>setNotificationPreferenceForDeviceUpdates</c> command.</summary>
    public const string SetNotificationPreferenceForDeviceUpdates = "setNotificationPreferenceForDeviceUpdates";

    /// <summary>The <c>setNotificationPreferenceForAssetUpdates</c> command.</summary>
    public const string SetNotificationPreferenceForAssetUpdates = "setNotificationPreferenceForAssetUpdates";

    /// <summary>The <c>createOrUpdateDiscoveredAsset</c> command.</summary>
    public const string CreateOrUpdateDiscoveredAsset = "createOrUpdateDiscoveredAsset";

    /// <summary>The <c>createOrUpdateDiscoveredDevice</c> command (on the discovery topic).</summary>
    public const string CreateOrUpdateDiscoveredDevice = "createOrUpdateDiscoveredDevice";

    /// <summary>The orleans-aio extension command listing devices (not part of AIO).</summary>
    public const string ListDevices = "listDevices";

    /// <summary>The orleans-aio extension command listing assets (not part of AIO).</summary>
    public const string ListAssets = "listAssets";

    /// <summary>The <c>deviceUpdateEvent</c> (service to connector).</summary>
    public const string DeviceUpdateEvent = "deviceUpdateEvent";

    /// <summary>The <c>assetUpdateEvent</c> (service to connector).</summary>
    public const string AssetUpdateEvent = "assetUpdateEvent";

    /// <summary>The <c>deviceEndpointRuntimeHealthEvent</c> (connector to service).</summary>
    public const string DeviceEndpointRuntimeHealthEvent = "deviceEndpointRuntimeHealthEvent";

    /// <summary>The <c>datasetRuntimeHealthEvent</c> (connector to service).</summary>
    public const string DatasetRuntimeHealthEvent = "datasetRuntimeHealthEvent";

    /// <summary>The <c>eventRuntimeHealthEvent</c> (connector to service).</summary>
    public const string EventRuntimeHealthEvent = "eventRuntimeHealthEvent";

    /// <summary>The <c>streamRuntimeHealthEvent</c> (connector to service).</summary>
    public const string StreamRuntimeHealthEvent = "streamRuntimeHealthEvent";

    /// <summary>The <c>managementActionRuntimeHealthEvent</c> (connector to service).</summary>
    public const string ManagementActionRuntimeHealthEvent = "managementActionRuntimeHealthEvent";

    /// <summary>The base-service command topic pattern for <paramref name="commandName"/>.</summary>
    /// <param name="commandName">The command name.</param>
    /// <returns><c>akri/connector/resources/{connectorClientId}/{deviceName}/{inboundEndpointName}/{commandName}</c>.</returns>
    public static string CommandTopic(string commandName) =>
        $"akri/connector/resources/{{{ConnectorClientIdToken}}}/{{{DeviceNameToken}}}/{{{InboundEndpointNameToken}}}/{commandName}";

    /// <summary>The telemetry topic pattern of <paramref name="eventName"/> (both directions).</summary>
    /// <param name="eventName">The event name.</param>
    /// <returns><c>akri/connector/resources/telemetry/{connectorClientId}/{deviceName}/{inboundEndpointName}/{eventName}</c>.</returns>
    public static string TelemetryTopic(string eventName) =>
        $"akri/connector/resources/telemetry/{{{ConnectorClientIdToken}}}/{{{DeviceNameToken}}}/{{{InboundEndpointNameToken}}}/{eventName}";

    /// <summary>The discovery command topic pattern.</summary>
    public static string DiscoveryTopic { get; } =
        $"akri/discovery/resources/{{{DiscoveryClientIdToken}}}/{{{InboundEndpointTypeToken}}}/{CreateOrUpdateDiscoveredDevice}";

    /// <summary>The topic of an orleans-aio extension command (list); AIO's own ADR service does not answer it.</summary>
    /// <param name="commandName">The command name.</param>
    /// <returns><c>orleans-aio/deviceregistry/{commandName}</c>.</returns>
    public static string ExtensionTopic(string commandName) => $"orleans-aio/deviceregistry/{commandName}";

    /// <summary>The field name of a command's error object (<c>{commandName}Error</c>).</summary>
    /// <param name="commandName">The command name.</param>
    /// <returns>The field name.</returns>
    public static string ErrorField(string commandName) => commandName + "Error";
}
