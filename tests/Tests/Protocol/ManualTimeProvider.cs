namespace OrleansAio.Tests.Protocol;

/// <summary>A time provider whose "now" the test sets; timers still run on the system clock.</summary>
internal sealed class ManualTimeProvider(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
