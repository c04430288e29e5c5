using OrleansAio.GrainsInterfaces.StateStore;
using OrleansAio.Protocol.Common;

namespace OrleansAio.Grains.StateStore;

/// <summary>Conversions between the grains' <see cref="HlcTimestamp"/> and the protocol layer's <see cref="HybridLogicalClock"/>.</summary>
public static class HlcConversions
{
    /// <summary>The protocol clock value of a timestamp.</summary>
    /// <param name="timestamp">The timestamp.</param>
    /// <returns>A clock holding the same value.</returns>
    public static HybridLogicalClock ToHybridLogicalClock(this HlcTimestamp timestamp)
    {
        ArgumentNullException.ThrowIfNull(timestamp);
        return new HybridLogicalClock(null, timestamp.Timestamp, timestamp.Counter, timestamp.NodeId);
    }

    /// <summary>The timestamp value of a protocol clock.</summary>
    /// <param name="clock">The clock.</param>
    /// <returns>Its current value.</returns>
    public static HlcTimestamp ToHlcTimestamp(this HybridLogicalClock clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        return HlcTimestamp.Parse(clock.EncodeToString());
    }
}

/// <summary>Maps the grains' error kinds to the wire's service errors (the same names).</summary>
public static class StateStoreErrorMapping
{
    /// <summary>The wire error of a grain error kind.</summary>
    /// <param name="kind">The grain error kind.</param>
    /// <returns>The wire error.</returns>
    public static OrleansAio.Protocol.StateStore.StateStoreServiceError ToServiceError(this StateStoreErrorKind kind) =>
        Enum.TryParse<OrleansAio.Protocol.StateStore.StateStoreServiceError>(kind.ToString(), out var error)
            ? error
            : OrleansAio.Protocol.StateStore.StateStoreServiceError.Unknown;
}
