using System.Diagnostics;

namespace OrleansAio.Harness;

/// <summary>One measured figure of a row: the subject and its baseline, each the median over the rounds, and their ratio.</summary>
internal sealed record RowResult(string Row, string Broker, string Unit, double Baseline, double Subject, double Ratio, string Goal, bool? Met, string BaselineName);

/// <summary>The measuring loops: latency at one in flight, throughput at a window, allocation per call.</summary>
internal static class Measure
{
    /// <summary>The median latency in milliseconds of <paramref name="count"/> sequential calls.</summary>
    public static async Task<double> P50Async(Func<Task> call, int count)
    {
        var samples = new double[count];
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await call();
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        return Median(samples);
    }

    /// <summary>Calls per second with <paramref name="inFlight"/> callers for <paramref name="duration"/> (each gets its index).</summary>
    public static async Task<double> ThroughputAsync(Func<int, Task> call, int inFlight, TimeSpan duration)
    {
        long completed = 0;
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async worker =>
        {
            await Task.Yield();
            while (Stopwatch.GetTimestamp() < end)
            {
                await call(worker);
                Interlocked.Increment(ref completed);
            }
        }));
        return completed / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <summary>Bytes allocated in this process per call, over <paramref name="count"/> sequential calls.</summary>
    public static async Task<double> AllocatedPerCallAsync(Func<Task> call, int count)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < count; i++)
        {
            await call();
        }

        return (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)count;
    }

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        var n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }

    /// <summary>
    /// Runs baseline and subject alternately for <paramref name="rounds"/> rounds and reports the medians and the median of the
    /// per-round ratios (subject / baseline).
    /// </summary>
    public static async Task<RowResult> CompareAsync(
        string row, string broker, string unit, string baselineName, Func<Task<double>> baseline, Func<Task<double>> subject, int rounds, Func<double, bool>? goal, string goalText)
    {
        var b = new List<double>();
        var s = new List<double>();
        var ratios = new List<double>();
        for (var i = 0; i < rounds; i++)
        {
            var bv = await baseline();
            var sv = await subject();
            b.Add(bv);
            s.Add(sv);
            ratios.Add(sv / bv);
        }

        var ratio = Median(ratios);
        var result = new RowResult(row, broker, unit, Median(b), Median(s), ratio, goalText, goal?.Invoke(ratio), baselineName);
        Report.Progress(result);
        return result;
    }
}
