namespace OrleansAio.GrainsInterfaces.Telemetry;

/// <summary>Builds and splits the key of an <see cref="ITelemetryTopicGrain{T}"/>: <c>{telemetryName}/{key}</c>.</summary>
/// <remarks>The key is a topic level value, so it cannot contain <c>/</c>; the telemetry name must not either.</remarks>
public static class TelemetryTopicKey
{
    /// <summary>Formats a grain key.</summary>
    /// <param name="telemetryName">The name the telemetry topic was registered with.</param>
    /// <param name="key">The value of the topic's key token.</param>
    /// <returns>The grain key.</returns>
    public static string Format(string telemetryName, string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(telemetryName);
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (telemetryName.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"The telemetry name '{telemetryName}' must not contain '/'.", nameof(telemetryName));
        }

        if (key.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"The telemetry key '{key}' must not contain '/'.", nameof(key));
        }

        return $"{telemetryName}/{key}";
    }

    /// <summary>Splits a grain key into telemetry name and key.</summary>
    /// <param name="grainKey">The grain key.</param>
    /// <returns>The telemetry name and the key.</returns>
    public static (string TelemetryName, string Key) Parse(string grainKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(grainKey);
        var slash = grainKey.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == grainKey.Length - 1)
        {
            throw new ArgumentException($"The telemetry grain key '{grainKey}' is not '{{telemetryName}}/{{key}}'.", nameof(grainKey));
        }

        return (grainKey[..slash], grainKey[(slash + 1)..]);
    }
}
