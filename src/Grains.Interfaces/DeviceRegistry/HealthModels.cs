namespace OrleansAio.GrainsInterfaces.DeviceRegistry;

/// <summary>The runtime health a connector reports for a device endpoint, dataset, event, stream or management action (ADR 28).</summary>
[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record RuntimeHealth
{
    /// <summary>The version of the resource the report is about; required.</summary>
    public long Version { get; init; }

    /// <summary>Whether the resource is available; required.</summary>
    public HealthStatus Status { get; init; }

    /// <summary>When the connector last updated the health; required.</summary>
    public DateTimeOffset LastUpdateTime { get; init; }

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
[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record DatasetRuntimeHealth
{
    /// <summary>The dataset's name; required.</summary>
    public string DatasetName { get; init; } = string.Empty;

    /// <summary>Its health; required.</summary>
    public RuntimeHealth RuntimeHealth { get; init; } = new();
}

/// <summary>The health of one event of an event group.</summary>
[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record EventRuntimeHealth
{
    /// <summary>The event group's name; required.</summary>
    public string EventGroupName { get; init; } = string.Empty;

    /// <summary>The event's name; required.</summary>
    public string EventName { get; init; } = string.Empty;

    /// <summary>Its health; required.</summary>
    public RuntimeHealth RuntimeHealth { get; init; } = new();
}

/// <summary>The health of one stream.</summary>
[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record StreamRuntimeHealth
{
    /// <summary>The stream's name; required.</summary>
    public string StreamName { get; init; } = string.Empty;

    /// <summary>Its health; required.</summary>
    public RuntimeHealth RuntimeHealth { get; init; } = new();
}

/// <summary>The health of one management action.</summary>
[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record ManagementActionRuntimeHealth
{
    /// <summary>The management group's name; required.</summary>
    public string ManagementGroupName { get; init; } = string.Empty;

    /// <summary>The action's name; required.</summary>
    public string ManagementActionName { get; init; } = string.Empty;

    /// <summary>Its health; required.</summary>
    public RuntimeHealth RuntimeHealth { get; init; } = new();
}
