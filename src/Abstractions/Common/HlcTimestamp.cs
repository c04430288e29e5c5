using System.Globalization;

namespace OrleansAio.Abstractions.Common;

/// <summary>
/// A hybrid-logical-clock value as the state store uses it for key versions and fencing tokens: milliseconds since the Unix
/// epoch, a counter and a node id, written on the wire (<c>__ts</c>, <c>__ft</c>) as <c>{ms:D15}:{counter:D5}:{nodeId}</c>.
/// </summary>
/// <remarks>
/// Ordered by milliseconds, then counter, then node id (ordinal), as services.md 0.4 requires. This is the one definition of a
/// clock value: the wire layer parses <c>__ts</c> and <c>__ft</c> into it, the grain contracts carry it (Orleans serializes it
/// through a surrogate in <c>Grains.Interfaces</c>), and the protocol layer's mutable <c>HybridLogicalClock</c> reads and
/// writes it (<c>HybridLogicalClock.ToTimestamp()</c>, <c>new HybridLogicalClock(timestamp)</c>) without going through text.
/// </remarks>
/// <param name="UnixMilliseconds">Milliseconds since the Unix epoch (0 or more).</param>
/// <param name="Counter">The logical counter (0 or more).</param>
/// <param name="NodeId">The node id: non-empty, without <c>:</c>.</param>
public sealed record HlcTimestamp(long UnixMilliseconds, int Counter, string NodeId) : IComparable<HlcTimestamp>
{
    /// <summary>The wall-clock part as a time.</summary>
    public DateTimeOffset Timestamp => DateTimeOffset.FromUnixTimeMilliseconds(UnixMilliseconds);

    /// <summary>Parses the wire form <c>{ms}:{counter}:{nodeId}</c>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="value">The parsed value.</param>
    /// <returns>Whether <paramref name="text"/> is well formed.</returns>
    public static bool TryParse(string? text, out HlcTimestamp value) => TryParse(text, out value, out _);

    /// <summary>Parses the wire form <c>{ms}:{counter}:{nodeId}</c>, saying what is wrong when it is malformed.</summary>
    /// <param name="text">The text.</param>
    /// <param name="value">The parsed value.</param>
    /// <param name="error">Why <paramref name="text"/> is malformed, or <see langword="null"/>.</param>
    /// <returns>Whether <paramref name="text"/> is well formed.</returns>
    public static bool TryParse(string? text, out HlcTimestamp value, out string? error)
    {
        value = null!;
        var parts = text?.Split(':');
        if (parts is not { Length: 3 })
        {
            error = "expected three ':'-separated fields <ms>:<counter>:<nodeId>";
            return false;
        }

        if (!long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            || ms > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            error = "the first field is not a millisecond count since the Unix epoch";
            return false;
        }

        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var counter))
        {
            error = "the second field is not a non-negative decimal counter";
            return false;
        }

        if (parts[2].Length == 0)
        {
            error = "the node ID is empty";
            return false;
        }

        error = null;
        value = new HlcTimestamp(ms, counter, parts[2]);
        return true;
    }

    /// <summary>Parses the wire form, failing with a <see cref="FormatException"/> naming the text.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The value.</returns>
    public static HlcTimestamp Parse(string text) => TryParse(text, out var value, out var error)
        ? value
        : throw new FormatException($"'{text}' is not a hybrid logical clock value '<ms>:<counter>:<nodeId>': {error}");

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
