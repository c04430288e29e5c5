using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Serialization;
using MQTTnet;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Rpc;
using OrleansAio.Protocol.Serialization;
using OrleansAio.Protocol.StateStore;

namespace OrleansAio.Harness;

/// <summary>The Thermostat sample's <c>setTarget</c> request, as JSON on the wire.</summary>
internal sealed record SetTarget([property: JsonPropertyName("Celsius")] double Celsius);

/// <summary>The Thermostat sample's <c>setTarget</c> response (only what the harness reads).</summary>
internal sealed record SetTargetReply([property: JsonPropertyName("TargetCelsius")] double TargetCelsius);

/// <summary>The Thermostat sample's silo, a real separate process, on free ports with its own data directory.</summary>
internal sealed class SiloUnderTest : IAsyncDisposable
{
    private readonly Process process;
    private readonly string directory;

    private SiloUnderTest(Process process, string directory, int brokerPort)
    {
        this.process = process;
        this.directory = directory;
        BrokerPort = brokerPort;
    }

    /// <summary>The broker the silo's MQTT session uses (its embedded one, or the external one given).</summary>
    public int BrokerPort { get; }

    public int ProcessId => process.Id;

    public static string SiloAssembly
    {
        get
        {
            var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var (framework, configuration) = (output.Name, output.Parent!.Name);
            var root = output;
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "orleans-aio.sln")))
            {
                root = root.Parent;
            }

            _ = root ?? throw new InvalidOperationException("orleans-aio.sln not found above the harness output");
            return Path.Combine(root.FullName, "samples", "Thermostat", "Thermostat.Silo", "bin", configuration, framework, "OrleansAio.Thermostat.Silo.dll");
        }
    }

    /// <summary>Extra silo settings (<c>Key=Value</c>, from <c>--silo-setting</c>), for example <c>Commands:setTarget:DedupDurability=Activation</c>.</summary>
    public static List<string> ExtraSettings { get; } = [];

    public static async Task<SiloUnderTest> StartAsync(int? externalBrokerPort)
    {
        var directory = Directory.CreateTempSubdirectory("harness-silo-").FullName;
        var http = Mqtt.FreePort();
        var brokerPort = externalBrokerPort ?? Mqtt.FreePort();
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
        start.ArgumentList.Add(SiloAssembly);
        string[] settings =
        [
            $"--Silo:SiloPort={Mqtt.FreePort()}",
            $"--Silo:GatewayPort={Mqtt.FreePort()}",
            $"--Silo:HttpPort={http}",
            $"--Silo:BrokerPort={brokerPort}",
            $"--Silo:DataDirectory={Path.Combine(directory, "data")}",
            "--Logging:LogLevel:Default=Warning",
        ];
        foreach (var setting in settings)
        {
            start.ArgumentList.Add(setting);
        }

        foreach (var setting in ExtraSettings)
        {
            start.ArgumentList.Add("--" + setting);
        }

        if (externalBrokerPort is { } port)
        {
            start.ArgumentList.Add($"--ConnectionStrings:Mqtt=HostName=127.0.0.1;TcpPort={port};UseTls=false;ClientId=harness-silo-{Environment.ProcessId}");
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        var process = Process.Start(start)!;
        var errors = new List<string>();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lock (errors)
                {
                    errors.Add(line);
                }
            }
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var silo = new SiloUnderTest(process, directory, brokerPort);
        using var httpClient = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.GetTimestamp() + (90 * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (process.HasExited)
            {
                lock (errors)
                {
                    throw new InvalidOperationException($"The silo exited with {process.ExitCode}: {string.Join(" | ", errors)}");
                }
            }

            try
            {
                using var response = await httpClient.GetAsync(new Uri($"http://127.0.0.1:{http}/health"));
                if (response.IsSuccessStatusCode)
                {
                    return silo;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(250);
        }

        await silo.DisposeAsync();
        throw new TimeoutException("The silo did not become healthy within 90 s");
    }

    /// <summary>The resident set size of the silo process, in bytes (from /proc).</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        try
        {
            Directory.Delete(directory, true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>The rows against a real silo process: the command grain and the state store over the wire, memory per key.</summary>
internal static class SiloRows
{
    public static async Task<List<RowResult>> RunAsync(SiloUnderTest silo, string broker, Settings settings, IReadOnlySet<string> rows)
    {
        var results = new List<RowResult>();
        var context = new ApplicationContext();
        var port = silo.BrokerPort;
        if (rows.Contains("grain"))
        {
            await using var echo = await AioEcho.StartAsync(port, "grain-echo", context);
            var (raw, client) = await Mqtt.ConnectEnvoyClientAsync(port, "thermostat-inv");
            await using var invoker = new CommandInvoker<SetTarget, SetTargetReply>(context, client, "setTarget", new JsonPayloadSerializer())
            {
                RequestTopicPattern = "thermostats/{executorId}/command/{commandName}",
                TopicTokenMap = new Dictionary<string, string> { ["commandName"] = "setTarget" },
            };
            var tokens = Enumerable.Range(0, 64).Select(i => (IReadOnlyDictionary<string, string>)new Dictionary<string, string> { ["executorId"] = $"bench-{i}" }).ToArray();
            var n = 0;
            Task SetTargetAsync(int thermostat) =>
                invoker.InvokeCommandAsync(new SetTarget(10 + (Interlocked.Increment(ref n) % 20)), additionalTopicTokenMap: tokens[thermostat], commandTimeout: TimeSpan.FromSeconds(10));
            await WireRows.WarmUpAsync(echo.CallAsync, () => SetTargetAsync(0), settings.WarmUp / 4);
            await Task.WhenAll(Enumerable.Range(0, 64).Select(SetTargetAsync));
            results.Add(await Measure.CompareAsync(
                "Command grain (Thermostat setTarget), p50", broker, "ms", "envoy echo",
                () => Measure.P50Async(echo.CallAsync, settings.LatencyCalls / 2),
                () => Measure.P50Async(() => SetTargetAsync(0), settings.LatencyCalls / 2),
                settings.Rounds, r => r <= 2, "<= 2x"));
            results.Add(await Measure.CompareAsync(
                "Command grain throughput, 64 in flight, 64 thermostats", broker, "calls/s", "envoy echo",
                () => Measure.ThroughputAsync(_ => echo.CallAsync(), 64, settings.Duration),
                () => Measure.ThroughputAsync(SetTargetAsync, 64, settings.Duration),
                settings.Rounds, r => r >= 0.6, ">= 0.6x"));
            await raw.DisconnectAsync();
            raw.Dispose();
        }

        if (rows.Contains("statestore") || rows.Contains("memory"))
        {
            await using var bare = await BareRpc.StartAsync(port, "ss-bare");
            var (raw, client) = await Mqtt.ConnectEnvoyClientAsync(port, "ss-client");
            await using var store = new StateStoreClient(context, client);
            var value = new StateStoreValue(EchoPayload.Bytes);
            var keys = Enumerable.Range(0, 64).Select(i => new StateStoreKey($"bench-key-{i}")).ToArray();
            var k = 0;
            Task SetAsync(int worker) => store.SetAsync(keys[worker], value);
            Task GetAsync(int worker) => store.GetAsync(keys[worker]);
            Task BareAsync() => bare.CallAsync(EchoPayload.Bytes);
            if (rows.Contains("statestore"))
            {
                await WireRows.WarmUpAsync(BareAsync, () => SetAsync(Interlocked.Increment(ref k) % 64), settings.WarmUp / 2);
                results.Add(await Measure.CompareAsync(
                    "State store SET over the wire, p50", broker, "ms", "bare echo",
                    () => Measure.P50Async(BareAsync, settings.LatencyCalls / 2),
                    () => Measure.P50Async(() => SetAsync(0), settings.LatencyCalls / 2),
                    settings.Rounds, r => r <= 2, "<= 2x"));
                results.Add(await Measure.CompareAsync(
                    "State store SET ops/s at 64 in flight", broker, "ops/s", "bare echo",
                    () => Measure.ThroughputAsync(_ => BareAsync(), 64, settings.Duration),
                    () => Measure.ThroughputAsync(SetAsync, 64, settings.Duration),
                    settings.Rounds, r => r >= 0.5, ">= 0.5x"));
                results.Add(await Measure.CompareAsync(
                    "State store GET ops/s at 64 in flight", broker, "ops/s", "bare echo",
                    () => Measure.ThroughputAsync(_ => BareAsync(), 64, settings.Duration),
                    () => Measure.ThroughputAsync(GetAsync, 64, settings.Duration),
                    settings.Rounds, r => r >= 0.7, ">= 0.7x"));
            }

            if (rows.Contains("memory"))
            {
                results.Add(await MemoryPerKeyAsync(silo, store, value, broker, settings.MemoryKeys));
            }

            await raw.DisconnectAsync();
            raw.Dispose();
        }

        return results;
    }

    private static async Task<RowResult> MemoryPerKeyAsync(SiloUnderTest silo, StateStoreClient store, StateStoreValue value, string broker, int count)
    {
        await Task.Delay(TimeSpan.FromSeconds(2));
        var before = silo.ResidentBytes();
        var next = -1;
        var id = Guid.NewGuid().ToString("N")[..6];
        await Task.WhenAll(Enumerable.Range(0, 64).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await store.SetAsync(new StateStoreKey($"mem-{id}-{i}"), value);
            }
        }));
        await Task.Delay(TimeSpan.FromSeconds(3));
        var after = silo.ResidentBytes();
        var perKey = (after - before) / 1024.0 / count;
        var result = new RowResult(
            $"Memory per live state-store key ({count:N0} keys, silo RSS delta)", broker, "KiB", 0, perKey, perKey, "<= 2 KiB", perKey <= 2, "-");
        Report.Note(string.Create(CultureInfo.InvariantCulture, $"  memory: RSS {before / 1048576.0:0.0} MiB -> {after / 1048576.0:0.0} MiB for {count} keys: {perKey:0.00} KiB/key"));
        return result;
    }
}
