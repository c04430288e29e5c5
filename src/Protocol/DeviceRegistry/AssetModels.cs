namespace OrleansAio.Protocol.DeviceRegistry;

/// <summary>An asset (services.md 4.5): the device endpoint it is reached through, and its datasets, events, streams and actions.</summary>
public sealed record Asset
{
    /// <summary>URIs or type definition ids of the asset's types.</summary>
    public List<string>? AssetTypeRefs { get; init; }

    /// <summary>Custom attributes set by the customer.</summary>
    public Dictionary<string, string>? Attributes { get; init; }

    /// <summary>The datasets (each a set of data points).</summary>
    public List<AssetDataset>? Datasets { get; init; }

    /// <summary>Connector-specific default configuration of every dataset, as stringified JSON.</summary>
    public string? DefaultDatasetsConfiguration { get; init; }

    /// <summary>Default destinations of datasets.</summary>
    public List<Destination>? DefaultDatasetsDestinations { get; init; }

    /// <summary>Connector-specific default configuration of every event, as stringified JSON.</summary>
    public string? DefaultEventsConfiguration { get; init; }

    /// <summary>Default destinations of events.</summary>
    public List<Destination>? DefaultEventsDestinations { get; init; }

    /// <summary>Connector-specific default configuration of every management group, as stringified JSON.</summary>
    public string? DefaultManagementGroupsConfiguration { get; init; }

    /// <summary>Connector-specific default configuration of every stream, as stringified JSON.</summary>
    public string? DefaultStreamsConfiguration { get; init; }

    /// <summary>Default destinations of streams.</summary>
    public List<Destination>? DefaultStreamsDestinations { get; init; }

    /// <summary>A human-readable description.</summary>
    public string? Description { get; init; }

    /// <summary>The device and endpoint that provide the asset's data; required.</summary>
    public required AssetDeviceRef DeviceRef { get; init; }

    /// <summary>The discovered assets this asset was created from.</summary>
    public List<string>? DiscoveredAssetRefs { get; init; }

    /// <summary>A human-readable display name.</summary>
    public string? DisplayName { get; init; }

    /// <summary>A documentation reference.</summary>
    public string? DocumentationUri { get; init; }

    /// <summary>Whether the asset is enabled.</summary>
    public bool? Enabled { get; init; }

    /// <summary>The event groups.</summary>
    public List<AssetEventGroup>? EventGroups { get; init; }

    /// <summary>The asset id given by the customer.</summary>
    public string? ExternalAssetId { get; init; }

    /// <summary>The hardware revision.</summary>
    public string? HardwareRevision { get; init; }

    /// <summary>When the resource was last modified (UTC).</summary>
    public DateTimeOffset? LastTransitionTime { get; init; }

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

    /// <summary>A globally unique, immutable id.</summary>
    public string? Uuid { get; init; }

    /// <summary>Incremented each time the resource is modified (0 … 2^63−1).</summary>
    public long? Version { get; init; }
}

/// <summary>The device endpoint an asset is reached through.</summary>
public sealed record AssetDeviceRef
{
    /// <summary>The device's name; required.</summary>
    public required string DeviceName { get; init; }

    /// <summary>The name of the device's inbound endpoint; required.</summary>
    public required string EndpointName { get; init; }
}

/// <summary>A dataset of an asset.</summary>
public sealed record AssetDataset
{
    /// <summary>The data points.</summary>
    public List<AssetDataPoint>? DataPoints { get; init; }

    /// <summary>Connector-specific configuration, as stringified JSON.</summary>
    public string? DatasetConfiguration { get; init; }

    /// <summary>The data source of the dataset.</summary>
    public string? DataSource { get; init; }

    /// <summary>Where the dataset's data goes.</summary>
    public List<Destination>? Destinations { get; init; }

    /// <summary>When discovery last updated it (discovered assets only).</summary>
    public DateTimeOffset? LastUpdatedOn { get; init; }

    /// <summary>The dataset's name; required.</summary>
    public required string Name { get; init; }

    /// <summary>A URI or type definition id.</summary>
    public string? TypeRef { get; init; }
}

/// <summary>A data point of a dataset.</summary>
public sealed record AssetDataPoint
{
    /// <summary>Connector-specific configuration, as stringified JSON.</summary>
    public string? DataPointConfiguration { get; init; }

    /// <summary>The address of the data in the asset (for instance an OPC UA node id).</summary>
    public string? DataSource { get; init; }

    /// <summary>When discovery last updated it (discovered assets only).</summary>
    public DateTimeOffset? LastUpdatedOn { get; init; }

    /// <summary>The data point's name; required.</summary>
    public required string Name { get; init; }

    /// <summary>A URI or type definition id.</summary>
    public string? TypeRef { get; init; }
}

/// <summary>A destination of a dataset, event or stream.</summary>
public sealed record Destination
{
    /// <summary>The destination's configuration; required.</summary>
    public required DestinationConfiguration Configuration { get; init; }

    /// <summary>The target: <c>Mqtt</c>, <c>BrokerStateStore</c> or <c>Storage</c>; required.</summary>
    public required string Target { get; init; }
}

/// <summary>The configuration of a destination.</summary>
public sealed record DestinationConfiguration
{
    /// <summary>The state-store key (target <c>BrokerStateStore</c>).</summary>
    public string? Key { get; init; }

    /// <summary>The storage path (target <c>Storage</c>).</summary>
    public string? Path { get; init; }

    /// <summary>The MQTT QoS: <c>Qos0</c> or <c>Qos1</c>.</summary>
    public string? Qos { get; init; }

    /// <summary>The MQTT retain flag: <c>Keep</c> or <c>Never</c>.</summary>
    public string? Retain { get; init; }

    /// <summary>The MQTT topic.</summary>
    public string? Topic { get; init; }

    /// <summary>The MQTT message expiry in seconds.</summary>
    public long? Ttl { get; init; }
}

/// <summary>An event group of an asset.</summary>
public sealed record AssetEventGroup
{
    /// <summary>The address of the group's notifier in the asset.</summary>
    public string? DataSource { get; init; }

    /// <summary>Default destinations of the group's events.</summary>
    public List<Destination>? DefaultDestinations { get; init; }

    /// <summary>Connector-specific configuration, as stringified JSON.</summary>
    public string? EventGroupConfiguration { get; init; }

    /// <summary>The events.</summary>
    public List<AssetEvent>? Events { get; init; }

    /// <summary>When discovery last updated it (discovered assets only).</summary>
    public DateTimeOffset? LastUpdatedOn { get; init; }

    /// <summary>The group's name; required.</summary>
    public required string Name { get; init; }

    /// <summary>A URI or type definition id.</summary>
    public string? TypeRef { get; init; }
}

/// <summary>An event of an event group.</summary>
public sealed record AssetEvent
{
    /// <summary>The data source of the event.</summary>
    public string? DataSource { get; init; }

    /// <summary>Where the event goes.</summary>
    public List<Destination>? Destinations { get; init; }

    /// <summary>Connector-specific configuration, as stringified JSON.</summary>
    public string? EventConfiguration { get; init; }

    /// <summary>When discovery last updated it (discovered assets only).</summary>
    public DateTimeOffset? LastUpdatedOn { get; init; }

    /// <summary>The event's name; required.</summary>
    public required string Name { get; init; }

    /// <summary>A URI or type definition id.</summary>
    public string? TypeRef { get; init; }
}

/// <summary>A stream of an asset.</summary>
public sealed record AssetStream
{
    /// <summary>Where the stream goes.</summary>
    public List<Destination>? Destinations { get; init; }

    /// <summary>When discovery last updated it (discovered assets only).</summary>
    public DateTimeOffset? LastUpdatedOn { get; init; }

    /// <summary>The stream's name; required.</summary>
    public required string Name { get; init; }

    /// <summary>Connector-specific configuration, as stringified JSON.</summary>
    public string? StreamConfiguration { get; init; }

    /// <summary>A URI or type definition id.</summary>
    public string? TypeRef { get; init; }
}

/// <summary>A management group of an asset: actions a client can invoke on it.</summary>
public sealed record AssetManagementGroup
{
    /// <summary>The actions.</summary>
    public List<AssetManagementAction>? Actions { get; init; }

    /// <summary>The data source of the group.</summary>
    public string? DataSource { get; init; }

    /// <summary>The default response timeout of the group's actions, in seconds.</summary>
    public long? DefaultTimeoutInSeconds { get; init; }

    /// <summary>The default MQTT topic on which the group's action requests arrive.</summary>
    public string? DefaultTopic { get; init; }

    /// <summary>When discovery last updated it (discovered assets only).</summary>
    public DateTimeOffset? LastUpdatedOn { get; init; }

    /// <summary>Connector-specific configuration, as stringified JSON.</summary>
    public string? ManagementGroupConfiguration { get; init; }

    /// <summary>The group's name; required.</summary>
    public required string Name { get; init; }

    /// <summary>A URI or type definition id.</summary>
    public string? TypeRef { get; init; }
}

/// <summary>An action of a management group.</summary>
public sealed record AssetManagementAction
{
    /// <summary>Connector-specific configuration, as stringified JSON.</summary>
    public string? ActionConfiguration { get; init; }

    /// <summary>The action type: <c>Call</c>, <c>Read</c> or <c>Write</c>; required.</summary>
    public required string ActionType { get; init; }

    /// <summary>When discovery last updated it (discovered assets only).</summary>
    public DateTimeOffset? LastUpdatedOn { get; init; }

    /// <summary>The action's name; required.</summary>
    public required string Name { get; init; }

    /// <summary>The URI on which the action is invoked; required.</summary>
    public required string TargetUri { get; init; }

    /// <summary>The response timeout in seconds.</summary>
    public long? TimeoutInSeconds { get; init; }

    /// <summary>The MQTT topic on which the action's requests arrive.</summary>
    public string? Topic { get; init; }

    /// <summary>A URI or type definition id.</summary>
    public string? TypeRef { get; init; }
}
