using System.Globalization;

namespace OrleansAio.GrainsInterfaces.StateStore;

/// <summary>
/// A hybrid-logical-clock value as the state store uses it for key versions and fencing tokens: milliseconds since the Unix
/// epoch, a counter and a node id, written on the wire (<c>__ts</c>, <c>__ft</c>) as <c>{ms:D15}:{counter:D5}:{nodeId}</c>.
/// </summary>
/// <remarks>
/// Ordered by milliseconds, then counter, then node id (ordinal), as services.md 0.4 requires. This is a plain value: the clock
/// that produces versions lives in the grains (<c>OrleansAio.Grains.StateStore</c>), which also converts to and from the
/// protocol layer's <c>HybridLogicalClock</c>.
/// </remarks>
/// <param name="UnixMilliseconds">Milliseconds since the Unix epoch (0 or more).</param>
/// <param name="Counter">The logical counter (0 or more).</param>
/// <param name="NodeId">The node id: non-empty, without <c>:</c>.</param>
[GenerateSerializer, Immutable]
public sealed record HlcTimestamp(
    [property: Id(0)] long UnixMilliseconds,
    [property: Id(1)] int Counter,
    [property: Id(2)] string NodeId) : IComparable<HlcTimestamp>
{
    /// <summary>The wall-clock part as a time.</summary>
    public DateTimeOffset Timestamp => DateTimeOffset.FromUnixTimeMilliseconds(UnixMilliseconds);

    /// <summary>Parses the wire form <c>{ms}:{counter}:{nodeId}</c>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="value">The parsed value.</param>
    /// <returns>Whether <paramref name="text"/> is well formed.</returns>
    public static bool TryParse(string? text, out HlcTimestamp value)
    {
        value = null!;
        var parts = text?.Split(':');
        if (parts is not { Length: 3 } || parts[2].Length == 0)
        {
            return false;
        }

        if (!long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            || ms > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var counter))
        {
            return false;
        }

        value = new HlcTimestamp(ms, counter, parts[2]);
        return true;
    }

    /// <summary>Parses the wire form, failing with a <see cref="FormatException"/> naming the text.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The value.</returns>
    public static HlcTimestamp Parse(string text) => TryParse(text, out var value)
        ? value
        : throw new FormatException($"'{text}' is not a hybrid logical clock value '<ms>:<counter>:<nodeId>'");

    /// <inheritdoc />
    public int CompareTo(HlcTimestamp? other)
    {
        if (other is null)
        {
            return 1;
        }

        var byMs = UnixMilliseconds.CompareTo(other.UnixMilliseconds);
        if (byMs != 0)
        {
            return byMs;
        }

        var byCounter = Counter.CompareTo(other.Counter);
        return byCounter != 0 ? byCounter : string.CompareOrdinal(NodeId, other.NodeId);
    }

    /// <summary>Whether <paramref name="left"/> orders before <paramref name="right"/>.</summary>
    /// <param name="left">The left value.</param>
    /// <param name="right">The right value.</param>
    /// <returns>The comparison.</returns>
    public static bool operator <(HlcTimestamp? left, HlcTimestamp? right) => Compare(left, right) < 0;

    /// <summary>Whether <paramref name="left"/> orders after <paramref name="right"/>.</summary>
    /// <param name="left">The left value.</param>
    /// <param name="right">The right value.</param>
    /// <returns>The comparison.</returns>
    public static bool operator >(HlcTimestamp? left, HlcTimestamp? right) => Compare(left, right) > 0;

    /// <summary>Whether <paramref name="left"/> orders before or equal to <paramref name="right"/>.</summary>
    /// <param name="left">The left value.</param>
    /// <param name="right">The right value.</param>
    /// <returns>The comparison.</returns>
    public static bool operator <=(HlcTimestamp? left, HlcTimestamp? right) => Compare(left, right) <= 0;

    /// <summary>Whether <paramref name="left"/> orders after or equal to <paramref name="right"/>.</summary>
    /// <param name="left">The left value.</param>
    /// <param name="right">The right value.</param>
    /// <returns>The comparison.</returns>
    public static bool operator >=(HlcTimestamp? left, HlcTimestamp? right) => Compare(left, right) >= 0;

    /// <summary>The wire form <c>{ms:D15}:{counter:D5}:{nodeId}</c>.</summary>
    /// <returns>The encoded value.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{UnixMilliseconds:D15}:{Counter:D5}:{NodeId}");

    private static int Compare(HlcTimestamp? left, HlcTimestamp? right) =>
        left is null ? (right is null ? 0 : -1) : left.CompareTo(right);
}
