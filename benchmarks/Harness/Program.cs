using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansAio.Harness;
using OrleansAio.Protocol.Common;
using OrleansAio.Silo.Broker;

// The performance harness (issue 13): every row of the table beside its baseline, in the same process, alternating rounds.
// Usage: dotnet run -c Release --project benchmarks/Harness -- [--quick] [--rows rpc,alloc,telemetry,first,grain,statestore,memory]
//        [--brokers embedded,mosquitto] [--rounds 3]
//        [--silo-setting Key=Value ...] (passed to the silo process, e.g. Commands:setTarget:DedupDurability=Activation)
if (args is ["--first-rpc-child", var childPort])
{
    return await FirstRpc.ChildAsync(int.Parse(childPort, CultureInfo.InvariantCulture));
}

string[] allRows = ["rpc", "alloc", "telemetry", "first", "grain", "statestore", "memory"];
var quick = args.Contains("--quick");
var rows = new HashSet<string>(Option("--rows")?.Split(',') ?? allRows, StringComparer.OrdinalIgnoreCase);
var brokers = new HashSet<string>(Option("--brokers")?.Split(',') ?? ["embedded", "mosquitto"], StringComparer.OrdinalIgnoreCase);
var unknown = rows.Except(allRows).Concat(brokers.Except(["embedded", "mosquitto"])).ToList();
if (unknown.Count > 0)
{
    Console.Error.WriteLine($"Unknown row or broker: {string.Join(", ", unknown)}. Rows: {string.Join(",", allRows)}; brokers: embedded,mosquitto.");
    return 2;
}

var settings = quick
    ? new Settings(Rounds: 3, WarmUp: 100, LatencyCalls: 400, Duration: TimeSpan.FromSeconds(1), TelemetryMessages: 5_000, MemoryKeys: 10_000)
    : new Settings(Rounds: 3, WarmUp: 300, LatencyCalls: 2_000, Duration: TimeSpan.FromSeconds(3), TelemetryMessages: 30_000, MemoryKeys: 100_000);
for (var i = 0; i + 1 < args.Length; i++)
{
    if (args[i] == "--silo-setting")
    {
        SiloUnderTest.ExtraSettings.Add(args[i + 1]);
    }
}

if (Option("--rounds") is { } rounds)
{
    settings = settings with { Rounds = int.Parse(rounds, CultureInfo.InvariantCulture) };
}

// The thread pool starts with one worker per core: let it have a few more at once, as a loaded service would after warm-up.
var total = Stopwatch.StartNew();
var results = new List<RowResult>();
await using var mosquitto = brokers.Contains("mosquitto") ? await Mosquitto.TryStartAsync() : null;
if (brokers.Contains("mosquitto") && mosquitto is null)
{
    Report.Note("mosquitto is not on PATH: its rows are skipped (apt-get install -y mosquitto)");
}

var wireRows = rows.Intersect(["rpc", "alloc", "telemetry"]).ToHashSet();
if (wireRows.Count > 0 || rows.Contains("first"))
{
    var embeddedPort = Mqtt.FreePort();
    await using var embedded = new EmbeddedMqttBroker(new EmbeddedMqttBrokerOptions { Port = embeddedPort, MaxPendingMessagesPerClient = 100_000 }, NullLoggerFactory.Instance);
    await embedded.StartAsync();
    if (brokers.Contains("embedded") && wireRows.Count > 0)
    {
        Report.Note("wire rows, embedded broker");
        results.AddRange(await WireRows.RunAsync(embeddedPort, "embedded", settings, wireRows));
    }

    if (mosquitto is not null && wireRows.Count > 0)
    {
        Report.Note("wire rows, Mosquitto");
        results.AddRange(await WireRows.RunAsync(mosquitto.Port, "mosquitto", settings, wireRows));
    }

    if (rows.Contains("first"))
    {
        Report.Note("first RPC in a fresh process");
        results.Add(await FirstRpc.MeasureAsync(embeddedPort, settings.Rounds));
    }
}

var siloRows = rows.Intersect(["grain", "statestore", "memory"]).ToHashSet();
if (siloRows.Count > 0)
{
    if (brokers.Contains("embedded"))
    {
        Report.Note("silo rows, the silo's embedded broker");
        await using var silo = await SiloUnderTest.StartAsync(null);
        results.AddRange(await SiloRows.RunAsync(silo, "embedded", settings, siloRows));
    }

    if (mosquitto is not null)
    {
        Report.Note("silo rows, the silo on Mosquitto");
        await using var silo = await SiloUnderTest.StartAsync(mosquitto.Port);
        results.AddRange(await SiloRows.RunAsync(silo, "mosquitto", settings, siloRows.Except(["memory"]).ToHashSet()));
    }
}

var command = "dotnet run -c Release --project benchmarks/Harness" + (args.Length > 0 ? " -- " + string.Join(' ', args) : string.Empty);
Console.WriteLine(Report.Table(results, command));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Total {total.Elapsed.TotalSeconds:0} s"));
return 0;

string? Option(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

namespace OrleansAio.Harness
{
    /// <summary>How much each row measures.</summary>
    internal sealed record Settings(int Rounds, int WarmUp, int LatencyCalls, TimeSpan Duration, int TelemetryMessages, int MemoryKeys);

    /// <summary>The first RPC in a fresh process: this program started again as a child that connects, starts, and calls once.</summary>
    internal static class FirstRpc
    {
        public static async Task<RowResult> MeasureAsync(int port, int rounds)
        {
            var samples = new List<double>();
            for (var i = 0; i < rounds; i++)
            {
                var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true };
                start.ArgumentList.Add(typeof(FirstRpc).Assembly.Location);
                start.ArgumentList.Add("--first-rpc-child");
                start.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
                using var child = Process.Start(start)!;
                var output = await child.StandardOutput.ReadToEndAsync();
                await child.WaitForExitAsync();
                samples.Add(double.Parse(output.Trim(), CultureInfo.InvariantCulture));
            }

            var median = Measure.Median(samples);
            var result = new RowResult("First RPC in a fresh process", "embedded", "ms", 0, median, median, "< 100 ms", median < 100, "-");
            Report.Note(string.Create(CultureInfo.InvariantCulture, $"  first RPC: {string.Join(", ", samples.Select(s => s.ToString("0.0", CultureInfo.InvariantCulture)))} ms"));
            return result;
        }

        public static async Task<int> ChildAsync(int port)
        {
            var context = new ApplicationContext();
            await using var echo = await AioEcho.StartAsync(port, "first", context);
            var start = Stopwatch.GetTimestamp();
            await echo.CallAsync();
            Console.WriteLine(Stopwatch.GetElapsedTime(start).TotalMilliseconds.ToString("0.00", CultureInfo.InvariantCulture));
            return 0;
        }
    }
}
