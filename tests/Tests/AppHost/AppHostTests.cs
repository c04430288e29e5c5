using System.Diagnostics;
using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansAio.AppHost;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Connection;
using OrleansAio.Protocol.Rpc;
using OrleansAio.Protocol.Serialization;
using OrleansAio.Protocol.Session;
using OrleansAio.Protocol.StateStore;
using OrleansAio.Samples.Thermostat;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.AppHost;

/// <summary>The AppHost run here without containers: broker, store, three silos and the sample client, then a clean stop.</summary>
[Collection(AppHostCollection.Name)]
public sealed class AppHostTests : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    private readonly Fixtures.TempDirectory dataDirectory = new("apphost-store");

    public void Dispose() => dataDirectory.Dispose();

    [Fact]
    public async Task ThreeSilosServeRpcAndTheStateStoreAndKeepServingWhenOneStops()
    {
        var ct = TestContext.Current.CancellationToken;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(StartTimeout);
        var appHost = await DistributedApplicationTestingBuilder.CreateAsync(
            typeof(EdgeAppModel),
            [$"--{EdgeAppModel.StoreDataDirectoryKey}={dataDirectory.Path}", "--ASPIRE_ALLOW_UNSECURED_TRANSPORT=true"],
            (options, _) => options.DisableDashboard = true,
            timeout.Token);

        // The AppHost's own log and every resource's console output (Aspire.Hosting.Testing forwards them to ILogger).
        using var logs = new CapturingLoggerProvider();
        appHost.Services.AddLogging(logging => logging.AddProvider(logs));
        var processes = new OwnedProcesses();
        try
        {
            await RunAsync(appHost, processes, timeout.Token);
        }
        catch (Exception)
        {
            foreach (var entry in logs.Entries.TakeLast(300))
            {
                TestContext.Current.TestOutputHelper?.WriteLine($"{entry.Level} {entry.Category}: {entry.Message} {entry.Exception?.GetBaseException().Message}");
            }

            throw;
        }

        // Nothing the AppHost started outlives it: the services, the silos, and (after its shutdown delay) the orchestrator.
        var left = await processes.WaitForExitAsync(TimeSpan.FromSeconds(90), ct);
        Assert.True(left.Count == 0, $"processes left behind: {string.Join("; ", left)}");
    }

    private static async Task RunAsync(IDistributedApplicationTestingBuilder appHost, OwnedProcesses processes, CancellationToken cancellationToken)
    {
        var timeout = cancellationToken;
        await using (var app = await appHost.BuildAsync(timeout))
        {
            await app.StartAsync(timeout);
            var notifications = app.ResourceNotifications;
            for (var i = 1; i <= EdgeAppModel.SiloCount; i++)
            {
                await notifications.WaitForResourceHealthyAsync(EdgeAppModel.SiloName(i), timeout);
            }

            // The sample client ran its walk-through against the cluster and exited 0.
            var client = await notifications.WaitForResourceAsync(EdgeAppModel.ClientName, e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), timeout);
            Assert.Equal(0, client.Snapshot.ExitCode);

            foreach (var resource in new[] { EdgeAppModel.BrokerName, EdgeAppModel.StoreName }.Concat(Enumerable.Range(1, EdgeAppModel.SiloCount).Select(EdgeAppModel.SiloName)))
            {
                processes.AddResource(notifications, resource);
            }

            processes.AddOrchestrator();
            processes.Capture();
            Assert.True(processes.Count >= 6, $"expected the broker, the store, three silos and the orchestrator, captured {processes.Count} processes");
            var brokerPort = app.GetEndpoint(EdgeAppModel.BrokerName, "mqtt").Port;
            await using var device = new MqttSessionClient(new MqttSessionClientOptions(), NullLoggerFactory.Instance);
            await device.ConnectAsync(
                new MqttConnectionSettings { HostName = "127.0.0.1", TcpPort = brokerPort, UseTls = false, ClientId = "apphost-test-device" }, timeout);
            var context = new ApplicationContext();
            await using var setTarget = new CommandInvoker<SetTargetRequest, SetTargetResponse>(context, device, ThermostatTopics.SetTargetCommand, new JsonPayloadSerializer())
            {
                RequestTopicPattern = ThermostatTopics.CommandPattern,
                TopicTokenMap = new Dictionary<string, string> { ["executorId"] = "apphost-thermostat", ["commandName"] = ThermostatTopics.SetTargetCommand },
                PropagateTraceContext = true,
            };
            await using var store = new StateStoreClient(context, device);

            Assert.Equal(21, (await setTarget.InvokeCommandAsync(new SetTargetRequest(21), cancellationToken: timeout)).Response!.Celsius);
            await store.SetAsync("apphost-key", "before", cancellationToken: timeout);
            Assert.Equal("before", (await store.GetAsync("apphost-key", cancellationToken: timeout)).Value?.GetString());

            // Stop one silo as an operator would (SIGTERM to its process: a graceful stop of its own length, where the
            // orchestrator's stop command gives up after about 12 s on a loaded machine); the broker and the store are other
            // processes and stay up, and the other two silos answer.
            var silo = processes.SiloProcessOf(notifications, EdgeAppModel.SiloName(1));
            Assert.Equal(0, OwnedProcesses.Terminate(silo));
            await notifications.WaitForResourceAsync(EdgeAppModel.SiloName(1), e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), timeout);

            var after = await setTarget.InvokeCommandAsync(new SetTargetRequest(23), cancellationToken: timeout);
            Assert.Equal((21, 23), (after.Response!.PreviousCelsius, after.Response.Celsius));
            Assert.Equal("before", (await store.GetAsync("apphost-key", cancellationToken: timeout)).Value?.GetString());
            await store.SetAsync("apphost-key", "after", cancellationToken: timeout);
            Assert.Equal("after", (await store.GetAsync("apphost-key", cancellationToken: timeout)).Value?.GetString());

            await device.DisconnectAsync(timeout);
            await app.StopAsync(timeout);
        }
    }
}

/// <summary>The AppHost test runs alone: it starts six processes and the orchestrator on a 2-core machine.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AppHostCollection
{
    /// <summary>The collection name.</summary>
    public const string Name = "AppHost";
}

/// <summary>The processes an AppHost run started (resources, their children, the orchestrator), found through /proc.</summary>
internal sealed partial class OwnedProcesses
{
    private const int SigTerm = 15;

    /// <summary>The silo program's own process under a resource (the resource's process is <c>dotnet run</c>).</summary>
    public int SiloProcessOf(ResourceNotificationService notifications, string resource)
    {
        var root = new OwnedProcesses();
        root.AddResource(notifications, resource);
        var tree = root.WithDescendants();
        return CommandLines().First(p => tree.Contains(p.Pid) && p.CommandLine.Contains("OrleansAio.Thermostat.Silo\0", StringComparison.Ordinal)).Pid;
    }

    /// <summary>Sends SIGTERM to a process this test's AppHost started; 0 on success.</summary>
    public static int Terminate(int pid) => Kill(pid, SigTerm);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    private readonly HashSet<int> roots = [];
    private HashSet<int> watched = [];

    public void AddResource(ResourceNotificationService notifications, string resource)
    {
        if (notifications.TryGetCurrentState(resource, out var state)
            && state.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is { } pid
            && int.TryParse(pid.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var id))
        {
            roots.Add(id);
        }
    }

    /// <summary>The orchestrator (DCP) watches this process: <c>--monitor {pid}</c> on its command line.</summary>
    public void AddOrchestrator()
    {
        var monitor = $"--monitor\0{Environment.ProcessId}\0";
        foreach (var (pid, commandLine) in CommandLines())
        {
            if (commandLine.Contains("/dcp\0", StringComparison.Ordinal) && commandLine.Contains(monitor, StringComparison.Ordinal))
            {
                roots.Add(pid);
            }
        }

        // The AppHost runs in this process and starts the orchestrator itself; this collection runs alone, so every other
        // child of this process is the AppHost's too.
        foreach (var (pid, parent) in Parents())
        {
            if (parent == Environment.ProcessId)
            {
                roots.Add(pid);
            }
        }
    }

    /// <summary>
    /// Records the roots and every descendant while they run: a child outliving its parent is re-parented to init, so the tree
    /// must be read before the stop.
    /// </summary>
    public void Capture() => watched = WithDescendants();

    /// <summary>How many processes were captured.</summary>
    public int Count => watched.Count;

    /// <summary>Waits until every captured process has exited (zombies count as exited); returns what is left.</summary>
    public async Task<List<string>> WaitForExitAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var alive = CommandLines().Where(p => watched.Contains(p.Pid)).Select(p => $"{p.Pid} {p.CommandLine.Replace('\0', ' ').Trim()}").ToList();
            if (alive.Count == 0 || Stopwatch.GetElapsedTime(started) > limit)
            {
                return alive;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    private static Dictionary<int, int> Parents()
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && TryRead(Path.Combine(dir, "stat")) is { } stat)
            {
                // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
            }
        }

        return parents;
    }

    private HashSet<int> WithDescendants()
    {
        var parents = Parents();
        var all = new HashSet<int>(roots);
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var (pid, parent) in parents)
            {
                grew |= all.Contains(parent) && all.Add(pid);
            }
        }

        return all;
    }

    private static IEnumerable<(int Pid, string CommandLine)> CommandLines()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && TryRead(Path.Combine(dir, "cmdline")) is { Length: > 0 } commandLine
                && TryRead(Path.Combine(dir, "stat")) is { } stat && stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z')
            {
                yield return (pid, commandLine);
            }
        }
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
