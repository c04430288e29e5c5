using System.Text.Json;
using OrleansAio.GrainsInterfaces.DeviceRegistry;

namespace OrleansAio.Grains.DeviceRegistry;

/// <summary>Rules shared by the registry grains and the start-up loader: resource names, health ordering, content comparison.</summary>
public static class DeviceRegistryRules
{
    /// <summary>The longest resource name (a Kubernetes object name).</summary>
    public const int MaxNameLength = 253;

    /// <summary>Checks a device, asset or endpoint name: 1 to 253 lower-case letters, digits, '-' and '.', starting and ending alphanumeric.</summary>
    /// <param name="kind">What the name names (for the message), e.g. <c>device name</c>.</param>
    /// <param name="name">The name.</param>
    /// <returns>The problem, or <see langword="null"/> when the name is valid.</returns>
    public static string? CheckName(string kind, string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return $"the {kind} is missing or empty";
        }

        if (name.Length > MaxNameLength)
        {
            return $"the {kind} '{name[..32]}...' is {name.Length} characters long (at most {MaxNameLength})";
        }

        static bool Alphanumeric(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9');
        if (!Alphanumeric(name[0]) || !Alphanumeric(name[^1]) || name.Any(c => !Alphanumeric(c) && c is not '-' and not '.'))
        {
            return $"the {kind} '{name}' is not a valid name (lower-case letters, digits, '-' and '.', starting and ending with a letter or digit)";
        }

        return null;
    }

    /// <summary>Checks an endpoint name, which appears as an MQTT topic level: non-empty, at most 253 characters, no '/', '+', '#'.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The problem, or <see langword="null"/>.</returns>
    public static string? CheckEndpointName(string? name) =>
        string.IsNullOrEmpty(name) ? "the inbound endpoint name is missing or empty"
        : name.Length > MaxNameLength ? $"the inbound endpoint name is {name.Length} characters long (at most {MaxNameLength})"
        : name.IndexOfAny(['/', '+', '#', '{', '}']) >= 0 || name.Any(char.IsWhiteSpace) ? $"the inbound endpoint name '{name}' contains '/', '+', '#', braces or white space"
        : null;

    /// <summary>Whether <paramref name="report"/> should replace <paramref name="kept"/> (ADR 28: never an older version or timestamp).</summary>
    /// <param name="kept">The health kept, if any.</param>
    /// <param name="report">The new report.</param>
    /// <returns>Whether to keep the report.</returns>
    public static bool IsNewer(RuntimeHealth? kept, RuntimeHealth report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return kept is null
            || report.Version > kept.Version
            || (report.Version == kept.Version && report.LastUpdateTime >= kept.LastUpdateTime);
    }

    /// <summary>Whether two definitions have the same content (compared as JSON).</summary>
    /// <typeparam name="T">The definition type.</typeparam>
    /// <param name="a">One.</param>
    /// <param name="b">The other.</param>
    /// <returns>Whether they serialize the same.</returns>
    public static bool SameContent<T>(T? a, T? b) =>
        JsonSerializer.Serialize(a, ComparisonOptions) == JsonSerializer.Serialize(b, ComparisonOptions);

    private static readonly JsonSerializerOptions ComparisonOptions = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };
}
