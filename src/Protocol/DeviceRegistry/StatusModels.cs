namespace OrleansAio.Protocol.DeviceRegistry;

/// <summary>The status of a device as connectors report it: configuration status and per-inbound-endpoint errors.</summary>
public sealed record DeviceStatus
{
    /// <summary>The configuration status.</summary>
    public ConfigStatus? Config { get; init; }

    /// <summary>The endpoint statuses.</summary>
    public DeviceStatusEndpoints? Endpoints { get; init; }
}

/// <summary>The status of a resource's configuration.</summary>
public sealed record ConfigStatus
{
    /// <summary>The last error met while applying the configuration.</summary>
    public ConfigError? Error { get; init; }

    /// <summary>When the configuration last changed, from the edge's point of view.</summary>
    public DateTimeOffset? LastTransitionTime { get; init; }

    /// <summary>The configuration version the status is about.</summary>
    public long? Version { get; init; }
}

/// <summary>An error in a status.</summary>
public sealed record ConfigError
{
    /// <summary>A classification code (for instance <c>500</c>).</summary>
    public string? Code { get; init; }

    /// <summary>Details of the error.</summary>
    public List<ErrorDetail>? Details { get; init; }

    /// <summary>A human-readable message.</summary>
    public string? Message { get; init; }
}

/// <summary>One detail of a <see cref="ConfigError"/>.</summary>
public sealed record ErrorDetail
{
    /// <summary>A multi-part error code.</summary>
    public string? Code { get; init; }

    /// <summary>The id of the transaction, for debugging.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>Detailed text.</summary>
    public string? Info { get; init; }

    /// <summary>A human-readable message.</summary>
    public string? Message { get; init; }
}

/// <summary>The endpoint part of a device status.</summary>
public sealed record DeviceStatusEndpoints
{
    /// <summary>The status of each inbound endpoint by name.</summary>
    public Dictionary<string, DeviceStatusInboundEndpoint>? Inbound { get; init; }
}

/// <summary>The status of one inbound endpoint.</summary>
public sealed record DeviceStatusInboundEndpoint
{
    /// <summary>The endpoint's last error.</summary>
    public ConfigError? Error { get; init; }
}

/// <summary>The status of an asset as connectors report it.</summary>
public sealed record AssetStatus
{
    /// <summary>The configuration status.</summary>
    public ConfigStatus? Config { get; init; }

    /// <summary>The status of each dataset.</summary>
    public List<AssetDatasetEventStreamStatus>? Datasets { get; init; }

    /// <summary>The status of each event group.</summary>
    public List<AssetEventGroupStatus>? EventGroups { get; init; }

    /// <summary>The status of each management group.</summary>
    public List<AssetManagementGroupStatus>? ManagementGroups { get; init; }

    /// <summary>The status of each stream.</summary>
    public List<AssetDatasetEventStreamStatus>? Streams { get; init; }
}

/// <summary>The status of one dataset, event or stream.</summary>
public sealed record AssetDatasetEventStreamStatus
{
    /// <summary>The last error.</summary>
    public ConfigError? Error { get; init; }

    /// <summary>The schema its messages follow (a Schema Registry entry).</summary>
    public MessageSchemaReference? MessageSchemaReference { get; init; }

    /// <summary>The dataset's, event's or stream's name; required.</summary>
    public required string Name { get; init; }
}

/// <summary>The status of one event group.</summary>
public sealed record AssetEventGroupStatus
{
    /// <summary>The status of each event of the group.</summary>
    public List<AssetDatasetEventStreamStatus>? Events { get; init; }

    /// <summary>The group's name; required.</summary>
    public required string Name { get; init; }
}

/// <summary>The status of one management group.</summary>
public sealed record AssetManagementGroupStatus
{
    /// <summary>The status of each action of the group.</summary>
    public List<AssetManagementActionStatus>? Actions { get; init; }

    /// <summary>The group's name; required.</summary>
    public required string Name { get; init; }
}

/// <summary>The status of one management action.</summary>
public sealed record AssetManagementActionStatus
{
    /// <summary>The last error.</summary>
    public ConfigError? Error { get; init; }

    /// <summary>The action's name; required.</summary>
    public required string Name { get; init; }

    /// <summary>The schema of the action's requests.</summary>
    public MessageSchemaReference? RequestMessageSchemaReference { get; init; }

    /// <summary>The schema of the action's responses.</summary>
    public MessageSchemaReference? ResponseMessageSchemaReference { get; init; }
}

/// <summary>A reference to a schema in the Schema Registry.</summary>
public sealed record MessageSchemaReference
{
    /// <summary>The schema's name; required.</summary>
    public required string SchemaName { get; init; }

    /// <summary>The schema registry namespace; required.</summary>
    public required string SchemaRegistryNamespace { get; init; }

    /// <summary>The schema's version; required.</summary>
    public required string SchemaVersion { get; init; }
}
