using OrleansAio.Abstractions.StateStore;

namespace OrleansAio.Grains.StateStore;

/// <summary>Limits and clock settings of the state store (grains and wire endpoint).</summary>
public sealed class StateStoreOptions
{
    /// <summary>The largest key in bytes (default 16 KiB; the public SDK tests write 6500-byte keys).</summary>
    public int MaxKeyBytes { get; set; } = StateStoreLimits.DefaultMaxKeyBytes;

    /// <summary>The largest value in bytes (default 1 MiB; the public SDK tests write 65000-byte values).</summary>
    public int MaxValueBytes { get; set; } = StateStoreLimits.DefaultMaxValueBytes;

    /// <summary>How far ahead of the wall clock a request timestamp or fencing token may be (default 1 minute, as the SDKs).</summary>
    public TimeSpan MaxClockDrift { get; set; } = StateStoreLimits.DefaultMaxClockDrift;

    /// <summary>The node id of every version; <see langword="null"/> uses the Orleans service id (one per cluster).</summary>
    public string? VersionNodeId { get; set; }

    /// <summary>How long a notification to one Orleans observer may take before the observer is dropped (default 5 s).</summary>
    public TimeSpan ObserverCallTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often each silo asks the expiry index to delete expired keys nobody read again (default 1 minute).</summary>
    public TimeSpan ExpiredKeyReclaimInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The longest one request may take to execute, within its own message expiry (default 30 s, 1 s to 5 minutes). Long
    /// enough to ride out a silo death: a request whose key grain was on the dead silo waits until Orleans declares that silo
    /// dead and places the key elsewhere (README, "Failover"); a client with a shorter timeout is bound by its own expiry.
    /// </summary>
    public TimeSpan ExecutionTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Checks the values, naming the first bad one.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        if (MaxKeyBytes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxKeyBytes), MaxKeyBytes, "the key limit must be at least 1 byte");
        }

        if (MaxValueBytes < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxValueBytes), MaxValueBytes, "the value limit must not be negative");
        }

        if (MaxClockDrift <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxClockDrift), MaxClockDrift, "the clock drift must be positive");
        }

        if (VersionNodeId is { } node && (node.Length == 0 || node.Contains(':', StringComparison.Ordinal)))
        {
            throw new ArgumentOutOfRangeException(nameof(VersionNodeId), node, "the node id must be non-empty and must not contain ':'");
        }

        if (ExpiredKeyReclaimInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ExpiredKeyReclaimInterval), ExpiredKeyReclaimInterval, "the reclaim interval must be positive");
        }

        if (ExecutionTimeout < TimeSpan.FromSeconds(1) || ExecutionTimeout > TimeSpan.FromMinutes(5))
        {
            throw new ArgumentOutOfRangeException(nameof(ExecutionTimeout), ExecutionTimeout, "the execution timeout must be between 1 second and 5 minutes");
        }

        if (ObserverCallTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ObserverCallTimeout), ObserverCallTimeout, "the observer call timeout must be positive");
        }
    }
}
