using OrleansAio.Abstractions.Common;
using OrleansAio.GrainsInterfaces.StateStore;

namespace OrleansAio.Grains.StateStore;

/// <summary>
/// The state store's version clock on one silo (services.md 1.5): milliseconds from the wall clock, a counter that restarts at 0
/// whenever the millisecond advances, and one node id for the whole cluster, so a key's versions keep their node id when its
/// grain moves between silos.
/// </summary>
/// <remarks>
/// Each new version is strictly above every floor passed to <see cref="Next"/> (the key's last version, the request's
/// <c>__ts</c> and <c>__ft</c>): when the candidate's (ms, counter) is not above a floor, it becomes (floor ms + 1, 0).
/// Registered as a singleton by <c>AddAioStateStore()</c>.
/// </remarks>
public sealed class StateStoreVersionClock
{
    private readonly Lock gate = new();
    private long lastMilliseconds;
    private int counter;

    /// <summary>Creates a clock.</summary>
    /// <param name="timeProvider">The wall clock.</param>
    /// <param name="nodeId">The node id stamped on every version: non-empty, without <c>:</c>.</param>
    public StateStoreVersionClock(TimeProvider timeProvider, string nodeId)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        if (nodeId.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException($"The version clock's node id '{nodeId}' must not contain ':'.", nameof(nodeId));
        }

        TimeProvider = timeProvider;
        NodeId = nodeId;
    }

    /// <summary>The wall clock.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>The node id of every version.</summary>
    public string NodeId { get; }

    /// <summary>The next version, strictly above every non-null floor.</summary>
    /// <param name="floors">Values the version must exceed.</param>
    /// <returns>The version.</returns>
    public HlcTimestamp Next(params ReadOnlySpan<HlcTimestamp?> floors)
    {
        var now = TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        lock (gate)
        {
            var (ms, c) = now > lastMilliseconds ? (now, 0) : (lastMilliseconds, counter + 1);
            foreach (var floor in floors)
            {
                if (floor is not null && (ms < floor.UnixMilliseconds || (ms == floor.UnixMilliseconds && c <= floor.Counter)))
                {
                    (ms, c) = (floor.UnixMilliseconds + 1, 0);
                }
            }

            (lastMilliseconds, counter) = (ms, c);
            return new HlcTimestamp(ms, c, NodeId);
        }
    }
}
