using System.Globalization;

namespace OrleansAio.Protocol.Common;

/// <summary>A protocol version <c>major.minor</c> as carried in <c>__protVer</c> (protocol.md §1.8).</summary>
/// <param name="Major">The major version; only majors are checked for compatibility.</param>
/// <param name="Minor">The minor version.</param>
public readonly record struct ProtocolVersion(int Major, int Minor)
{
    /// <summary>The RPC protocol version this implementation speaks.</summary>
    public static ProtocolVersion Rpc { get; } = new(1, 0);

    /// <summary>The telemetry protocol version this implementation speaks.</summary>
    public static ProtocolVersion Telemetry { get; } = new(1, 0);

    /// <summary>The version assumed when <c>__protVer</c> is absent.</summary>
    public static ProtocolVersion Default { get; } = new(1, 0);

    /// <summary>The RPC major versions this implementation accepts.</summary>
    public static IReadOnlyList<int> SupportedRpcMajors { get; } = [1];

    /// <summary>The telemetry major versions this implementation accepts.</summary>
    public static IReadOnlyList<int> SupportedTelemetryMajors { get; } = [1];

    /// <summary>Parses <c>major.minor</c>: exactly two dot-separated non-negative decimal integers.</summary>
    /// <param name="text">The text to parse.</param>
    /// <param name="version">The parsed version.</param>
    /// <returns>Whether the text is a valid version.</returns>
    public static bool TryParse(string? text, out ProtocolVersion version)
    {
        version = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var parts = text.Split('.');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
        {
            return false;
        }

        version = new ProtocolVersion(major, minor);
        return true;
    }

    /// <summary>Whether a received <c>__protVer</c> (absent means <see cref="Default"/>) is parsable with a supported major.</summary>
    /// <param name="text">The received value, or <see langword="null"/> when the property is absent.</param>
    /// <param name="supportedMajors">The supported majors.</param>
    /// <returns>Whether the version is acceptable.</returns>
    public static bool IsSupported(string? text, IReadOnlyList<int> supportedMajors)
    {
        if (text is null)
        {
            return supportedMajors.Contains(Default.Major);
        }

        return TryParse(text, out var version) && supportedMajors.Contains(version.Major);
    }

    /// <summary>Parses the space-separated majors of <c>__supProtMajVer</c>; unparsable entries are skipped.</summary>
    /// <param name="text">The property value.</param>
    /// <returns>The majors in order.</returns>
    public static int[] ParseSupportedMajors(string? text) =>
        string.IsNullOrWhiteSpace(text)
            ? []
            : text.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? (int?)m : null)
                .Where(m => m.HasValue)
                .Select(m => m!.Value)
                .ToArray();

    /// <summary>Formats the majors for <c>__supProtMajVer</c>.</summary>
    /// <param name="majors">The majors.</param>
    /// <returns>The space-separated text.</returns>
    public static string FormatSupportedMajors(IEnumerable<int> majors) =>
        string.Join(' ', majors.Select(m => m.ToString(CultureInfo.InvariantCulture)));

    /// <summary>The wire form <c>major.minor</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor}");
}
