using System.Threading.Channels;
using OrleansAio.Abstractions.Common;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Leasing;
using OrleansAio.Tests.Session;

namespace OrleansAio.Tests.Leasing;

/// <summary>The renewal loop on a manual clock: when it renews, when it gives up, and which token it offers meanwhile.</summary>
public sealed class AutomaticLeaseRenewalTests
{
    private static readonly TimeSpan Term = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(20);

    [Fact]
    public void The_default_period_is_a_third_of_the_term_and_bad_periods_are_refused()
    {
        Assert.Equal(TimeSpan.FromSeconds(1), new AutomaticRenewalOptions().PeriodFor(Term));
        var tooLong = Assert.Throws<AioProtocolException>(() => new AutomaticRenewalOptions { RenewalPeriod = Term }.PeriodFor(Term));
        Assert.Equal(AioErrorKind.ConfigurationInvalid, tooLong.Kind);
        Assert.Equal(nameof(AutomaticRenewalOptions.RenewalPeriod), tooLong.PropertyName);
        Assert.Throws<AioProtocolException>(() => new AutomaticRenewalOptions { RenewalPeriod = TimeSpan.Zero }.PeriodFor(Term));
    }

    [Fact]
    public async Task Renews_every_period_and_offers_the_newest_token()
    {
        var clock = new ManualTimeProvider();
        var calls = Channel.CreateUnbounded<int>();
        var count = 0;
        await using var renewal = new AutomaticLeaseRenewal<string>("lease", Term, Period, _ =>
        {
            var n = Interlocked.Increment(ref count);
            calls.Writer.TryWrite(n);
            return Task.FromResult<string?>($"t{n}");
        }, clock);
        var renewed = Channel.CreateUnbounded<string>();
        renewal.Renewed += t => renewed.Writer.TryWrite(t);

        renewal.Start("t0", clock.GetUtcNow());
        Assert.Equal("t0", renewal.CurrentToken);
        for (var i = 1; i <= 3; i++)
        {
            await AdvanceToNextRenewalAsync(clock);
            Assert.Equal($"t{i}", await renewed.Reader.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(HangGuard, TestContext.Current.CancellationToken));
            Assert.Equal($"t{i}", renewal.CurrentToken);
        }

        // Three periods is a whole term after the start: the renewals kept the lease.
        Assert.False(renewal.IsLost);
        await renewal.StopAsync();
        Assert.Null(renewal.CurrentToken);
    }

    [Fact]
    public async Task A_renewal_finding_another_holder_ends_the_holding_at_once()
    {
        var clock = new ManualTimeProvider();
        var count = 0;
        await using var renewal = new AutomaticLeaseRenewal<string>(
            "lease", Term, Period, _ => Task.FromResult(Interlocked.Increment(ref count) == 1 ? "t1" : null), clock);
        var lost = new TaskCompletionSource<LeaseLostEventArgs<string>>(TaskCreationOptions.RunContinuationsAsynchronously);
        renewal.Lost += e => lost.TrySetResult(e);

        renewal.Start("t0", clock.GetUtcNow());
        await AdvanceToNextRenewalAsync(clock);
        await WaitUntilAsync(() => renewal.CurrentToken == "t1");
        await AdvanceToNextRenewalAsync(clock);
        var loss = await lost.Task.WaitAsync(HangGuard, TestContext.Current.CancellationToken);

        Assert.Equal(new LeaseLostEventArgs<string>("lease", LeaseLossReason.HeldByAnother, "t1", null), loss);
        Assert.True(renewal.IsLost);
        Assert.Null(renewal.CurrentToken);
        Assert.Empty(clock.ActiveDueTimes);
        Assert.Equal(2, count);
    }

    [Fact]
    public async Task Failing_renewals_are_retried_while_the_term_lasts_and_then_reported_as_a_loss()
    {
        var clock = new ManualTimeProvider();
        var failure = new TimeoutException("no reply");
        var attempts = 0;
        await using var renewal = new AutomaticLeaseRenewal<string>("lease", Term, Period, _ =>
        {
            Interlocked.Increment(ref attempts);
            return Task.FromException<string?>(failure);
        }, clock);
        var lost = new TaskCompletionSource<LeaseLostEventArgs<string>>(TaskCreationOptions.RunContinuationsAsynchronously);
        renewal.Lost += e => lost.TrySetResult(e);
        renewal.Start("t0", clock.GetUtcNow());

        await AdvanceToNextRenewalAsync(clock);
        await WaitUntilAsync(() => Volatile.Read(ref attempts) == 1);
        await AdvanceToNextRenewalAsync(clock);
        await WaitUntilAsync(() => Volatile.Read(ref attempts) == 2);

        // Two failures, but the term from the acquire has not run out: nobody else can hold the lease yet.
        Assert.False(lost.Task.IsCompleted);
        Assert.Equal("t0", renewal.CurrentToken);

        await AdvanceToNextRenewalAsync(clock);
        var loss = await lost.Task.WaitAsync(HangGuard, TestContext.Current.CancellationToken);
        Assert.Equal(LeaseLossReason.RenewalFailed, loss.Reason);
        Assert.Same(failure, loss.Error);
        Assert.Equal("t0", loss.LastToken);
        Assert.Null(renewal.CurrentToken);
    }

    [Fact]
    public async Task A_token_is_not_offered_past_its_term_even_while_a_renewal_hangs()
    {
        var clock = new ManualTimeProvider();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var renewal = new AutomaticLeaseRenewal<string>("lease", Term, Period, async ct =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            return "never";
        }, clock);
        renewal.Start("t0", clock.GetUtcNow());
        await AdvanceToNextRenewalAsync(clock);
        await started.Task.WaitAsync(HangGuard, TestContext.Current.CancellationToken);

        clock.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.Equal("t0", renewal.CurrentToken);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(renewal.CurrentToken);
    }

    private static async Task AdvanceToNextRenewalAsync(ManualTimeProvider clock)
    {
        // The loop arms its delay asynchronously: wait until the period timer is armed before moving the clock.
        await WaitUntilAsync(() => clock.ActiveDueTimes.Contains(Period));
        clock.Advance(Period);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var guard = new CancellationTokenSource(HangGuard);
        while (!condition())
        {
            await Task.Delay(5, guard.Token);
        }
    }
}
