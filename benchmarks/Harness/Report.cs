using System.Globalization;
using System.Text;

namespace OrleansAio.Harness;

/// <summary>Prints progress to standard error and the final table to standard output (entry-point output, not logging).</summary>
internal static class Report
{
    private static readonly System.Diagnostics.Stopwatch Clock = System.Diagnostics.Stopwatch.StartNew();

    public static void Progress(RowResult r) =>
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{Clock.Elapsed.TotalSeconds,5:0}s]  {r.Row} [{r.Broker}]: {r.Subject:0.###} vs {r.BaselineName} {r.Baseline:0.###} {r.Unit} -> {r.Ratio:0.00}x"));

    public static void Note(string text) => Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{Clock.Elapsed.TotalSeconds,5:0}s] {text}"));

    public static string Table(IEnumerable<RowResult> results, string command)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores with `{command}`");
        sb.AppendLine();
        sb.AppendLine("| Path | Broker | Measured | Baseline | Ratio | Goal | Met |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in results)
        {
            var met = r.Met switch { true => "yes", false => "**no**", null => "-" };
            var ratio = r.BaselineName == "-" ? "-" : string.Create(CultureInfo.InvariantCulture, $"{r.Ratio:0.00}x");
            var baseline = r.BaselineName == "-" ? "-" : string.Create(CultureInfo.InvariantCulture, $"{r.BaselineName} {r.Baseline:0.###} {r.Unit}");
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {r.Row} | {r.Broker} | {r.Subject:0.###} {r.Unit} | {baseline} | {ratio} | {r.Goal} | {met} |");
        }

        return sb.ToString();
    }
}
