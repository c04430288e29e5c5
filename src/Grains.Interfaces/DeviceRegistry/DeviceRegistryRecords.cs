namespace OrleansAio.GrainsInterfaces.DeviceRegistry;

/// <summary>Whether a connector wants update events for a device endpoint or an asset.</summary>
public enum NotificationPreference
{
    /// <summary>Send update events.</summary>
    On,

    /// <summary>Send none.</summary>
    Off,
}

/// <summary>The kind of a device-registry error; the same kinds as the wire's <c>AkriServiceError.code</c>.</summary>
public enum DeviceRegistryErrorCode
{
    /// <summary>The request is wrong (a missing or invalid field, a limit exceeded).</summary>
    BadRequest,

    /// <summary>The service failed.</summary>
    InternalError,

    /// <summary>The resource does not exist (an unknown device, endpoint or asset).</summary>
    KubeError,

    /// <summary>The request is not valid JSON for the command.</summary>
    SerializationError,

    /// <summary>The caller may not do this.</summary>
    Unauthorized,
}

/// <summary>A refusal by the device registry, naming what is wrong.</summary>
/// <param name="Code">The kind of error.</param>
/// <param name="Message">What is wrong, naming the field or resource.</param>
[GenerateSerializer, Immutable]
public sealed record DeviceRegistryError(
    [property: Id(0)] DeviceRegistryErrorCode Code,
    [property: Id(1)] string Message)
{
    /// <summary>An unknown resource.</summary>
    /// <param name="message">What was not found.</param>
    /// <returns>The error.</returns>
    public static DeviceRegistryError NotFound(string message) => new(DeviceRegistryErrorCode.KubeError, message);

    /// <summary>A bad request.</summary>
    /// <param name="message">What is wrong.</param>
    /// <returns>The error.</returns>
    public static DeviceRegistryError BadRequest(string message) => new(DeviceRegistryErrorCode.BadRequest, message);
}

/// <summary>The outcome of a device-registry call: a value, or an error (never both).</summary>
/// <typeparam name="T">The value's type.</typeparam>
/// <param name="Value">The value when the call succeeded.</param>
/// <param name="Error">The error when it did not.</param>
[GenerateSerializer, Immutable]
public sealed record DeviceRegistryResult<T>(
    [property: Id(0)] T? Value,
    [property: Id(1)] DeviceRegistryError? Error)
{
    /// <summary>Whether the call succeeded.</summary>
    public bool IsSuccess => Error is null;

    /// <summary>A success.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The result.</returns>
    public static DeviceRegistryResult<T> Success(T value) => new(value, null);

    /// <summary>A failure.</summary>
    /// <param name="error">The error.</param>
    /// <returns>The result.</returns>
    public static DeviceRegistryResult<T> Failure(DeviceRegistryError error) => new(default, error);
}

/// <summary>A device with everything the registry keeps about it.</summary>
/// <param name="Name">The device's name.</param>
/// <param name="Device">The definition, with every endpoint.</param>
/// <param name="Status">The status connectors reported, if any.</param>
/// <param name="EndpointHealth">The latest runtime health reported per inbound endpoint.</param>
[GenerateSerializer, Immutable]
public sealed record DeviceEntry(
    [property: Id(0)] string Name,
    [property: Id(1)] Device Device,
    [property: Id(2)] DeviceStatus? Status,
    [property: Id(3)] Dictionary<string, RuntimeHealth> EndpointHealth);

/// <summary>The latest runtime health reported for the parts of an asset.</summary>
/// <param name="Datasets">By dataset name.</param>
/// <param name="Events">By <c>{eventGroupName}/{eventName}</c>.</param>
/// <param name="Streams">By stream name.</param>
/// <param name="ManagementActions">By <c>{managementGroupName}/{managementActionName}</c>.</param>
[GenerateSerializer, Immutable]
public sealed record AssetHealth(
    [property: Id(0)] Dictionary<string, RuntimeHealth> Datasets,
    [property: Id(1)] Dictionary<string, RuntimeHealth> Events,
    [property: Id(2)] Dictionary<string, RuntimeHealth> Streams,
    [property: Id(3)] Dictionary<string, RuntimeHealth> ManagementActions);

/// <summary>An asset with everything the registry keeps about it.</summary>
/// <param name="Name">The asset's name.</param>
/// <param name="Asset">The definition.</param>
/// <param name="Status">The status connectors reported, if any.</param>
/// <param name="Health">The latest runtime health of its parts.</param>
[GenerateSerializer, Immutable]
public sealed record AssetEntry(
    [property: Id(0)] string Name,
    [property: Id(1)] Asset Asset,
    [property: Id(2)] AssetStatus? Status,
    [property: Id(3)] AssetHealth Health);

/// <summary>A connector's subscription to update events.</summary>
/// <param name="ConnectorClientId">The connector's MQTT client id.</param>
/// <param name="DeviceName">The device in the event topic.</param>
/// <param name="InboundEndpointName">The inbound endpoint in the event topic.</param>
[GenerateSerializer, Immutable]
public sealed record UpdateSubscription(
    [property: Id(0)] string ConnectorClientId,
    [property: Id(1)] string DeviceName,
    [property: Id(2)] string InboundEndpointName);

/// <summary>The outcome of a discovery report.</summary>
/// <param name="DiscoveryId">The id the discovered resource is kept under.</param>
/// <param name="Version">Its version, incremented by each report that changes it.</param>
[GenerateSerializer, Immutable]
public sealed record DiscoveryResult(
    [property: Id(0)] string DiscoveryId,
    [property: Id(1)] long Version);

/// <summary>A discovered device with where it was found.</summary>
/// <param name="Name">The discovered device's name (its discovery id).</param>
/// <param name="Device">The last report.</param>
/// <param name="InboundEndpointType">The endpoint type it was found through.</param>
/// <param name="DiscoveryClientId">The MQTT client id of the discovery handler.</param>
/// <param name="Version">The version.</param>
/// <param name="LastUpdated">When it was last reported.</param>
[GenerateSerializer, Immutable]
public sealed record DiscoveredDeviceEntry(
    [property: Id(0)] string Name,
    [property: Id(1)] DiscoveredDevice Device,
    [property: Id(2)] string InboundEndpointType,
    [property: Id(3)] string? DiscoveryClientId,
    [property: Id(4)] long Version,
    [property: Id(5)] DateTimeOffset LastUpdated);

/// <summary>A discovered asset with where it was found.</summary>
/// <param name="Name">The discovered asset's name (its discovery id).</param>
/// <param name="Asset">The last report.</param>
/// <param name="DeviceName">The device in the report's topic.</param>
/// <param name="InboundEndpointName">The endpoint in the report's topic.</param>
/// <param name="Version">The version.</param>
/// <param name="LastUpdated">When it was last reported.</param>
[GenerateSerializer, Immutable]
public sealed record DiscoveredAssetEntry(
    [property: Id(0)] string Name,
    [property: Id(1)] DiscoveredAsset Asset,
    [property: Id(2)] string DeviceName,
    [property: Id(3)] string InboundEndpointName,
    [property: Id(4)] long Version,
    [property: Id(5)] DateTimeOffset LastUpdated);
