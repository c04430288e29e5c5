using OrleansAio.Abstractions.Common;

namespace OrleansAio.Protocol.Common;

/// <summary>
/// A hybrid logical clock (ADR 0007): wall-clock milliseconds, a counter and a node ID, encoded on the wire in <c>__ts</c> as
/// <c>{ms since Unix epoch, 15 digits}:{counter, 5 digits}:{nodeId}</c>.
/// </summary>
/// <remarks>
/// One clock per application (<see cref="ApplicationContext.ApplicationHlc"/>) is shared by every envoy: it is updated against the
/// wall clock before each publish and against each valid received timestamp. Updates are atomic; a failed update (counter
/// overflow, drift beyond the limit) leaves the clock unchanged. Wall-clock time comes from the injected <see cref="TimeProvider"/>.
/// </remarks>
public sealed class HybridLogicalClock : IComparable<HybridLogicalClock>, IEquatable<HybridLogicalClock>
{
    /// <summary>The default maximum distance between the clock and the wall clock.</summary>
    public static readonly TimeSpan DefaultMaxClockDrift = TimeSpan.FromMinutes(1);

    private readonly Lock gate = new();
    private readonly TimeProvider timeProvider;
    private DateTimeOffset timestamp;
    private int counter;

    /// <summary>Creates a clock.</summary>
    /// <param name="timeProvider">The wall clock; defaults to <see cref="TimeProvider.System"/>.</param>
    /// <param name="timestamp">The initial timestamp (floored to milliseconds); defaults to now.</param>
    /// <param name="counter">The initial counter.</param>
    /// <param name="nodeId">The node ID; defaults to a new GUID string. Must be non-empty and must not contain <c>:</c>.</param>
    public HybridLogicalClock(TimeProvider? timeProvider = null, DateTimeOffset? timestamp = null, int counter = 0, string? nodeId = null)
    {
        this.timeProvider = timeProvider ?? TimeProvider.System;
        if (counter < 0)
        {
            throw AioProtocolException.ConfigurationInvalid(nameof(Counter), counter, "the counter must not be negative");
        }

        nodeId ??= Guid.NewGuid().ToString();
        if (nodeId.Length == 0 || nodeId.Contains(':', StringComparison.Ordinal))
        {
            throw AioProtocolException.ConfigurationInvalid(nameof(NodeId), nodeId, "the node ID must be non-empty and must not contain ':'");
        }

        this.timestamp = Floor(timestamp ?? this.timeProvider.GetUtcNow());
        this.counter = counter;
        NodeId = nodeId;
    }

    private HybridLogicalClock(HlcTimestamp value, TimeProvider? timeProvider)
        : this(timeProvider, DateTimeOffset.FromUnixTimeMilliseconds(value.UnixMilliseconds), value.Counter, value.NodeId)
    {
    }

    /// <summary>Creates a copy of <paramref name="other"/> (same state, node ID and time provider).</summary>
    /// <param name="other">The clock to copy.</param>
    public HybridLogicalClock(HybridLogicalClock other)
    {
        ArgumentNullException.ThrowIfNull(other);
        lock (other.gate)
        {
            timeProvider = other.timeProvider;
            timestamp = other.timestamp;
            counter = other.counter;
            NodeId = other.NodeId;
        }
    }

    /// <summary>The clock's time, at millisecond precision, in UTC.</summary>
    public DateTimeOffset Timestamp
    {
        get
        {
            lock (gate)
            {
                return timestamp;
            }
        }
    }

    /// <summary>The logical counter within <see cref="Timestamp"/>.</summary>
    public int Counter
    {
        get
        {
            lock (gate)
            {
                return counter;
            }
        }
    }

    /// <summary>The node ID that identifies this clock.</summary>
    public string NodeId { get; }

    /// <summary>Parses the wire form; a malformed value fails with <see cref="AioErrorKind.HeaderInvalid"/> naming <paramref name="propertyName"/>.</summary>
    /// <param name="propertyName">The header the value came from (normally <c>__ts</c>).</param>
    /// <param name="encoded">The wire text.</param>
    /// <returns>A clock holding the decoded state.</returns>
    public static HybridLogicalClock DecodeFromString(string propertyName, string? encoded) =>
        HlcTimestamp.TryParse(encoded, out var value, out var error)
            ? new HybridLogicalClock(value, null)
            : throw Malformed(propertyName, encoded, error!);

    /// <summary>A clock holding <paramref name="value"/> (the shared timestamp value, read without going through text).</summary>
    /// <param name="value">The value.</param>
    /// <param name="timeProvider">The wall clock; defaults to <see cref="TimeProvider.System"/>.</param>
    /// <returns>The clock.</returns>
    public static HybridLogicalClock FromTimestamp(HlcTimestamp value, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new HybridLogicalClock(value, timeProvider);
    }

    /// <summary>The clock's current value as the shared timestamp value.</summary>
    /// <returns>The value.</returns>
    public HlcTimestamp ToTimestamp()
    {
        var (ts, c) = Snapshot();
        return new HlcTimestamp(ts.ToUnixTimeMilliseconds(), c, NodeId);
    }

    /// <summary>Advances the clock against the wall clock and returns its wire form, ready to stamp <c>__ts</c>.</summary>
    /// <param name="maxClockDrift">The largest allowed distance from the wall clock; defaults to one minute.</param>
    /// <param name="cancellationToken">Not used by the in-memory clock; kept for the SDK's shape.</param>
    /// <returns>The encoded clock after the update.</returns>
    public Task<string> UpdateNowAsync(TimeSpan? maxClockDrift = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(UpdateNow(maxClockDrift));
    }

    /// <summary>Synchronous core of <see cref="UpdateNowAsync"/>: the clock is in memory and never waits.</summary>
    internal string UpdateNow(TimeSpan? maxClockDrift) => UpdateNowToTimestamp(maxClockDrift).ToString();

    /// <summary>Advances the clock against the wall clock and returns its new value, for a request stamped without text.</summary>
    /// <param name="maxClockDrift">The largest allowed distance from the wall clock; defaults to one minute.</param>
    /// <returns>The clock's value after the update.</returns>
    public HlcTimestamp UpdateNowToTimestamp(TimeSpan? maxClockDrift = null)
    {
        var now = Floor(timeProvider.GetUtcNow());
        lock (gate)
        {
            DateTimeOffset newTimestamp;
            int newCounter;
            if (now > timestamp)
            {
                (newTimestamp, newCounter) = (now, 0);
            }
            else
            {
                (newTimestamp, newCounter) = (timestamp, Increment(counter));
            }

            Commit(newTimestamp, newCounter, now, maxClockDrift);
            return new HlcTimestamp(timestamp.ToUnixTimeMilliseconds(), counter, NodeId);
        }
    }

    /// <summary>Merges a received clock into this one (a clock never updates from its own node ID).</summary>
    /// <param name="other">The received clock.</param>
    /// <param name="maxClockDrift">The largest allowed distance from the wall clock; defaults to one minute.</param>
    /// <param name="cancellationToken">Not used by the in-memory clock; kept for the SDK's shape.</param>
    /// <returns>A completed task.</returns>
    public Task UpdateWithOtherAsync(HybridLogicalClock other, TimeSpan? maxClockDrift = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(other);
        cancellationToken.ThrowIfCancellationRequested();
        UpdateWithOther(other, maxClockDrift);
        return Task.CompletedTask;
    }

    /// <summary>Synchronous core of <see cref="UpdateWithOtherAsync"/>: the clock is in memory and never waits.</summary>
    internal void UpdateWithOther(HybridLogicalClock other, TimeSpan? maxClockDrift)
    {
        if (string.Equals(other.NodeId, NodeId, StringComparison.Ordinal))
        {
            return;
        }

        var (otherTimestamp, otherCounter) = other.Snapshot();
        var now = Floor(timeProvider.GetUtcNow());
        lock (gate)
        {
            DateTimeOffset newTimestamp;
            int newCounter;
            if (now > timestamp && now > otherTimestamp)
            {
                (newTimestamp, newCounter) = (now, 0);
            }
            else if (timestamp == otherTimestamp)
            {
                (newTimestamp, newCounter) = (timestamp, Increment(Math.Max(counter, otherCounter)));
            }
            else if (timestamp > otherTimestamp)
            {
                (newTimestamp, newCounter) = (timestamp, Increment(counter));
            }
            else
            {
                (newTimestamp, newCounter) = (otherTimestamp, Increment(otherCounter));
            }

            Commit(newTimestamp, newCounter, now, maxClockDrift);
        }
    }

    /// <summary>The wire form <c>{ms:D15}:{counter:D5}:{nodeId}</c>.</summary>
    /// <returns>The encoded clock.</returns>
    public string EncodeToString() => ToTimestamp().ToString();

    /// <summary>Orders by timestamp, then counter, then node ID (ordinal).</summary>
    /// <param name="other">The clock to compare with.</param>
    /// <returns>The ordering.</returns>
    public int CompareTo(HybridLogicalClock? other)
    {
        if (other is null)
        {
            return 1;
        }

        var (ts, c) = Snapshot();
        var (ots, oc) = other.Snapshot();
        var byTime = ts.CompareTo(ots);
        if (byTime != 0)
        {
            return byTime;
        }

        var byCounter = c.CompareTo(oc);
        return byCounter != 0 ? byCounter : string.CompareOrdinal(NodeId, other.NodeId);
    }

    /// <inheritdoc />
    public bool Equals(HybridLogicalClock? other) => other is not null && CompareTo(other) == 0;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is HybridLogicalClock other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var (ts, c) = Snapshot();
        return HashCode.Combine(ts, c, NodeId);
    }

    /// <inheritdoc />
    public override string ToString() => EncodeToString();

    internal (DateTimeOffset Timestamp, int Counter) Snapshot()
    {
        lock (gate)
        {
            return (timestamp, counter);
        }
    }

    private static DateTimeOffset Floor(DateTimeOffset time) => DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());

    private static int Increment(int value) => value == int.MaxValue
        ? throw AioProtocolException.InternalLogicError(nameof(Counter), "The hybrid logical clock counter overflowed")
        : value + 1;

    private static AioProtocolException Malformed(string propertyName, string? encoded, string reason) =>
        AioProtocolException.HeaderInvalid(propertyName, encoded, message: $"The hybrid logical clock '{propertyName}' = '{encoded}' is malformed: {reason}");

    private void Commit(DateTimeOffset newTimestamp, int newCounter, DateTimeOffset now, TimeSpan? maxClockDrift)
    {
        var limit = maxClockDrift ?? DefaultMaxClockDrift;
        if ((newTimestamp - now).Duration() > limit)
        {
            throw AioProtocolException.StateInvalid(
                "MaxClockDrift",
                limit,
                $"The hybrid logical clock would drift {(newTimestamp - now).Duration()} from the wall clock, beyond MaxClockDrift = {limit}");
        }

        timestamp = newTimestamp;
        counter = newCounter;
    }
}
