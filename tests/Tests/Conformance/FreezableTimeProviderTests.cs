using OrleansAio.Tests.Conformance.Infrastructure;

namespace OrleansAio.Tests.Conformance;

/// <summary>Tests of the freezable test clock: frozen time stands still, timers pause and resume, no jump on unfreeze.</summary>
public sealed class FreezableTimeProviderTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task FrozenClockStandsStillAndResumesWithoutJump()
    {
        var clock = new FreezableTimeProvider();
        var real = System.Diagnostics.Stopwatch.StartNew();
        clock.Freeze();
        var frozen = clock.GetUtcNow();
        var frozenStamp = clock.GetTimestamp();
        await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.Equal(frozen, clock.GetUtcNow());
        Assert.Equal(frozenStamp, clock.GetTimestamp());
        clock.Unfreeze();
        var resumed = clock.GetUtcNow();
        Assert.True(resumed >= frozen, "time went backwards");
        // The test clock may only have advanced by the real time that passed minus the (at least 45 ms) it was frozen.
        Assert.True(resumed - frozen <= real.Elapsed - TimeSpan.FromMilliseconds(45), $"the clock jumped by {resumed - frozen} on unfreeze (real time elapsed {real.Elapsed})");
    }

    [Fact]
    public async Task TimersArePausedWhileFrozenAndFireAfterUnfreeze()
    {
        var clock = new FreezableTimeProvider();
        clock.Freeze();
        var delay = Task.Delay(TimeSpan.Zero + TimeSpan.FromMilliseconds(1), clock, TestContext.Current.CancellationToken);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(1), clock);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.False(delay.IsCompleted, "a timer fired while the clock was frozen");
        Assert.False(cts.IsCancellationRequested, "a CancellationTokenSource timer fired while the clock was frozen");
        clock.Unfreeze();
        await delay.WaitAsync(HangGuard, TestContext.Current.CancellationToken);
        await Task.Delay(Timeout.Infinite, cts.Token).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(HangGuard, TestContext.Current.CancellationToken);
        Assert.True(cts.IsCancellationRequested);
    }

    [Fact]
    public async Task FreezesNestUntilTheLastTicketIsReleased()
    {
        var clock = new FreezableTimeProvider();
        clock.Freeze();
        clock.Freeze();
        var delay = Task.Delay(TimeSpan.FromMilliseconds(1), clock, TestContext.Current.CancellationToken);
        clock.Unfreeze();
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.False(delay.IsCompleted, "the timer fired while one freeze ticket was still held");
        Assert.Equal(1, clock.FreezeCount);
        clock.Unfreeze();
        await delay.WaitAsync(HangGuard, TestContext.Current.CancellationToken);
        Assert.Throws<InvalidOperationException>(clock.Unfreeze);
    }

    [Fact]
    public void ChangingATimerToInfiniteDisablesIt()
    {
        var clock = new FreezableTimeProvider();
        var fired = 0;
        using var timer = clock.CreateTimer(_ => Interlocked.Increment(ref fired), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Assert.True(timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));
        timer.Dispose();
        Assert.False(timer.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
        Assert.Equal(0, fired);
    }
}
