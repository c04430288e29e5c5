namespace OrleansAio.Protocol.Common;

/// <summary>
/// The state one application shares across all its envoys: the application hybrid logical clock and the time source.
/// </summary>
/// <remarks>Create one per application (or per test) and pass it to every envoy; there is no process-wide instance.</remarks>
public sealed class ApplicationContext : IAsyncDisposable
{
    /// <summary>Creates a context.</summary>
    /// <param name="timeProvider">The time source for every timestamp, timeout, delay and cache expiry; defaults to the system clock.</param>
    /// <param name="hybridLogicalClock">The application clock; defaults to a new clock on <paramref name="timeProvider"/>.</param>
    public ApplicationContext(TimeProvider? timeProvider = null, HybridLogicalClock? hybridLogicalClock = null)
    {
        TimeProvider = timeProvider ?? TimeProvider.System;
        ApplicationHlc = hybridLogicalClock ?? new HybridLogicalClock(TimeProvider);
    }

    /// <summary>The application hybrid logical clock, stamped on every outgoing message as <c>__ts</c>.</summary>
    public HybridLogicalClock ApplicationHlc { get; }

    /// <summary>The time source of every envoy built on this context.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>The largest distance from the wall clock the application clock may reach; defaults to one minute.</summary>
    public TimeSpan MaxClockDrift { get; init; } = HybridLogicalClock.DefaultMaxClockDrift;

    /// <summary>Holds no resources (the clock is in memory); kept so code written against the public SDK's <c>IAsyncDisposable</c> context compiles unchanged.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
