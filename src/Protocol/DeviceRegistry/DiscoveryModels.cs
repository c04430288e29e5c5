namespace OrleansAio.Protocol.DeviceRegistry;

/// <summary>A device found by a discovery handler, proposed for the operator to onboard.</summary>
public sealed record DiscoveredDevice
{
    /// <summary>Custom attributes.</summary>
    public Dictionary<string, string>? Attributes { get; init; }

    /// <summary>The endpoints found.</summary>
    public DiscoveredDeviceEndpoints? Endpoints { get; init; }

    /// <summary>The device id given by the device or the customer.</summary>
    public string? ExternalDeviceId { get; init; }

    /// <summary>The manufacturer.</summary>
    public string? Manufacturer { get; init; }

    /// <summary>The model.</summary>
    public string? Model { get; init; }

    /// <summary>The operating system.</summary>
    public string? OperatingSystem { get; init; }

    /// <summary>The operating system version.</summary>
    public string? OperatingSystemVersion { get; init; }
}

/// <summary>The endpoints of a discovered device.</summary>
public sealed record DiscoveredDeviceEndpoints
{
    /// <summary>The inbound endpoints by name.</summary>
    public Dictionary<string, DiscoveredInboundEndpoint>? Inbound { get; init; }

    /// <summary>The outbound endpoints (only <c>assigned</c>).</summary>
    public DiscoveredOutboundEndpoints? Outbound { get; init; }
}

/// <summary>An inbound endpoint of a discovered device.</summary>
public sealed record DiscoveredInboundEndpoint
{
    /// <summary>Connectivity-type specific configuration, as stringified JSON.</summary>
    public string? AdditionalConfiguration { get; init; }

    /// <summary>The address; required.</summary>
    public required string Address { get; init; }

    /// <summary>The endpoint type; required.</summary>
    public required string EndpointType { get; init; }

    /// <summary>When the endpoint was discovered (UTC).</summary>
    public DateTimeOffset? LastUpdatedOn { get; init; }

    /// <summary>The authentication methods the device supports.</summary>
    public List<string>? SupportedAuthenticationMethods { get; init; }

    /// <summary>The version of the endpoint.</summary>
    public string? Version { get; init; }
}

/// <summary>The outbound endpoints of a discovered device.</summary>
public sealed record DiscoveredOutboundEndpoints
{
    /// <summary>The assigned outbound endpoints by name; required.</summary>
    public required Dictionary<string, OutboundEndpoint> Assigned { get; init; }
}

/// <summary>An asset found by a connector, proposed for the operator to onboard (the <see cref="Asset"/> shape without the managed fields).</summary>
public sealed record DiscoveredAsset
{
    /// <summary>URIs or type definition ids of the asset's types.</summary>
    public List<string>? AssetTypeRefs { get; init; }

    /// <summary>Custom attributes.</summary>
    public Dictionary<string, string>? Attributes { get; init; }

    /// <summary>The datasets.</summary>
    public List<AssetDataset>? Datasets { get; init; }

    /// <summary>Default dataset configuration, as stringified JSON.</summary>
    public string? DefaultDatasetsConfiguration { get; init; }

    /// <summary>Default dataset destinations.</summary>
    public List<Destination>? DefaultDatasetsDestinations { get; init; }

    /// <summary>Default event configuration, as stringified JSON.</summary>
    public string? DefaultEventsConfiguration { get; init; }

    /// <summary>Default event destinations.</summary>
    public List<Destination>? DefaultEventsDestinations { get; init; }

    /// <summary>Default management group configuration, as stringified JSON.</summary>
    public string? DefaultManagementGroupsConfiguration { get; init; }

    /// <summary>Default stream configuration, as stringified JSON.</summary>
    public string? DefaultStreamsConfiguration { get; init; }

    /// <summary>Default stream destinations.</summary>
    public List<Destination>? DefaultStreamsDestinations { get; init; }

    /// <summary>A human-readable description.</summary>
    public string? Description { get; init; }

    /// <summary>The device and endpoint that provide the asset's data; required.</summary>
    public required AssetDeviceRef DeviceRef { get; init; }

    /// <summary>A human-readable display name.</summary>
    public string? DisplayName { get; init; }

    /// <summary>A documentation reference.</summary>
    public string? DocumentationUri { get; init; }

    /// <summary>The event groups.</summary>
    public List<AssetEventGroup>? EventGroups { get; init; }

    /// <summary>The asset id given by the customer.</summary>
    public string? ExternalAssetId { get; init; }

    /// <summary>The hardware revision.</summary>
    public string? HardwareRevision { get; init; }

    /// <summary>The management groups.</summary>
    public List<AssetManagementGroup>? ManagementGroups { get; init; }

    /// <summary>The manufacturer.</summary>
    public string? Manufacturer { get; init; }

    /// <summary>The manufacturer's URI.</summary>
    public string? ManufacturerUri { get; init; }

    /// <summary>The model.</summary>
    public string? Model { get; init; }

    /// <summary>The product code.</summary>
    public string? ProductCode { get; init; }

    /// <summary>The serial number.</summary>
    public string? SerialNumber { get; init; }

    /// <summary>The software revision.</summary>
    public string? SoftwareRevision { get; init; }

    /// <summary>The streams.</summary>
    public List<AssetStream>? Streams { get; init; }
}
