namespace OrleansAio.Protocol.DeviceRegistry;

/// <summary>The runtime health a connector reports for a device endpoint, dataset, event, stream or management action (ADR 28).</summary>
public sealed record RuntimeHealth
{
    /// <summary>The version of the resource the report is about; required.</summary>
    public required long Version { get; init; }

    /// <summary>Whether the resource is available; required.</summary>
    public required HealthStatus Status { get; init; }

    /// <summary>When the connector last updated the health; required.</summary>
    public required DateTimeOffset LastUpdateTime { get; init; }

    /// <summary>A CamelCase reason code.</summary>
    public string? ReasonCode { get; init; }

    /// <summary>A human-readable message.</summary>
    public string? Message { get; init; }
}

/// <summary>A runtime health status.</summary>
public enum HealthStatus
{
    /// <summary>The resource works.</summary>
    Available,

    /// <summary>The resource does not work.</summary>
    Unavailable,
}

/// <summary>The health of one dataset.</summary>
public sealed record DatasetRuntimeHealth
{
    /// <summary>The dataset's name; required.</summary>
    public required string DatasetName { get; init; }

    /// <summary>Its health; required.</summary>
    public required RuntimeHealth RuntimeHealth { get; init; }
}

/// <summary>The health of one event of an event group.</summary>
public sealed record EventRuntimeHealth
{
    /// <summary>The event group's name; required.</summary>
    public required string EventGroupName { get; init; }

    /// <summary>The event's name; required.</summary>
    public required string EventName { get; init; }

    /// <summary>Its health; required.</summary>
    public required RuntimeHealth RuntimeHealth { get; init; }
}

/// <summary>The health of one stream.</summary>
public sealed record StreamRuntimeHealth
{
    /// <summary>The stream's name; required.</summary>
    public required string StreamName { get; init; }

    /// <summary>Its health; required.</summary>
    public required RuntimeHealth RuntimeHealth { get; init; }
}

/// <summary>The health of one management action.</summary>
public sealed record ManagementActionRuntimeHealth
{
    /// <summary>The management group's name; required.</summary>
    public required string ManagementGroupName { get; init; }

    /// <summary>The action's name; required.</summary>
    public required string ManagementActionName { get; init; }

    /// <summary>Its health; required.</summary>
    public required RuntimeHealth RuntimeHealth { get; init; }
}
