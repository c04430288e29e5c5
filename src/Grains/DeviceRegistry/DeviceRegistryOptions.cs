namespace OrleansAio.Grains.DeviceRegistry;

/// <summary>
/// Settings of the device registry (configuration section <see cref="SectionName"/>): the definition files loaded at start-up and
/// the limits the grains and the wire endpoint enforce.
/// </summary>
public sealed class DeviceRegistryOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "DeviceRegistry";

    /// <summary>
    /// YAML or JSON files with AIO <c>Device</c> and <c>Asset</c> resources, loaded in order at start-up (devices before assets);
    /// relative paths are resolved against the working directory. Empty by default.
    /// </summary>
    public List<string> DefinitionFiles { get; set; } = [];

    /// <summary>The largest request or health-report payload in bytes (default 1 MiB); larger ones are refused with <c>BadRequest</c>.</summary>
    public int MaxPayloadBytes { get; set; } = 1024 * 1024;

    /// <summary>The most connector subscriptions one device or asset keeps (default 1000); more are refused with <c>BadRequest</c>.</summary>
    public int MaxSubscriptionsPerResource { get; set; } = 1000;

    /// <summary>How long publishing one update event may take before it is given up and logged (default 5 s).</summary>
    public TimeSpan NotificationTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The shared-subscription group of the silos' ADR executors and health receivers (default <c>adr</c>).</summary>
    public string ServiceGroupId { get; set; } = "adr";

    /// <summary>Checks the values; the message names the first bad setting (<c>DeviceRegistry:MaxPayloadBytes</c>).</summary>
    /// <returns>The problem, or <see langword="null"/> when the options are valid.</returns>
    public string? Validate()
    {
        if (MaxPayloadBytes < 1024)
        {
            return $"{SectionName}:{nameof(MaxPayloadBytes)}: {MaxPayloadBytes} is too small (at least 1024 bytes)";
        }

        if (MaxSubscriptionsPerResource < 1)
        {
            return $"{SectionName}:{nameof(MaxSubscriptionsPerResource)}: {MaxSubscriptionsPerResource} must be at least 1";
        }

        if (NotificationTimeout <= TimeSpan.Zero)
        {
            return $"{SectionName}:{nameof(NotificationTimeout)}: {NotificationTimeout} must be positive";
        }

        if (string.IsNullOrWhiteSpace(ServiceGroupId) || ServiceGroupId.IndexOfAny(['/', '+', '#']) >= 0)
        {
            return $"{SectionName}:{nameof(ServiceGroupId)}: '{ServiceGroupId}' must be a non-empty MQTT topic level";
        }

        for (var i = 0; i < DefinitionFiles.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(DefinitionFiles[i]))
            {
                return $"{SectionName}:{nameof(DefinitionFiles)}:{i}: the file name is empty";
            }
        }

        return null;
    }
}
