namespace OrleansAio.Silo.Hosting;

/// <summary>
/// The system clock with timestamps counted from the process start instead of the machine's boot: registered as Orleans'
/// membership clock (<c>TimeProviderNames.Membership</c>), whose loops only ever subtract timestamps, so nothing else changes.
/// </summary>
/// <remarks>
/// Orleans 10's silo watchdog starts its platform thread before it sets the component-check timestamp, and the platform thread
/// may run first: it then measures the time since timestamp 0, which for the system clock is the machine's uptime, and warns
/// "Participant check thread has not completed for 00:31:50 ... deadlock" on a normal start (the figure grows with uptime). From
/// the process start, timestamp 0 is a few seconds ago, below the warning's threshold (twice
/// <c>ClusterMembershipOptions.LocalHealthDegradationMonitoringPeriod</c>, 20 s by default).
/// </remarks>
internal sealed class ProcessRelativeTimeProvider : TimeProvider
{
    private readonly TimeProvider inner;
    private readonly long origin;

    /// <summary>Creates the clock; its timestamps start from now.</summary>
    /// <param name="inner">The clock it delegates to.</param>
    public ProcessRelativeTimeProvider(TimeProvider inner)
    {
        this.inner = inner;
        origin = inner.GetTimestamp();
    }

    /// <inheritdoc />
    public override long TimestampFrequency => inner.TimestampFrequency;

    /// <inheritdoc />
    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

    /// <inheritdoc />
    public override long GetTimestamp() => inner.GetTimestamp() - origin;

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        inner.CreateTimer(callback, state, dueTime, period);
}
