namespace OrleansAio.Abstractions.StateStore;

/// <summary>The state store's default limits, declared once for the wire endpoint, the grains and the clients.</summary>
public static class StateStoreLimits
{
    /// <summary>The default largest key in bytes: 16 KiB (the public SDK tests write 6500-byte keys).</summary>
    public const int DefaultMaxKeyBytes = 16 * 1024;

    /// <summary>The default largest value in bytes: 1 MiB (the public SDK tests write 65000-byte values).</summary>
    public const int DefaultMaxValueBytes = 1024 * 1024;

    /// <summary>The default distance a request timestamp or fencing token may be ahead of the wall clock: one minute, as the SDKs.</summary>
    public static readonly TimeSpan DefaultMaxClockDrift = TimeSpan.FromMinutes(1);
}
