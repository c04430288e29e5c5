using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansAio.Abstractions.StateStore;
using OrleansAio.Client.StateStore;
using OrleansAio.Grains.StateStore;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Connection;
using OrleansAio.Protocol.Session;
using OrleansAio.Protocol.StateStore;
using OrleansAio.Silo.Hosting;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.StateStore;

/// <summary>
/// Every acknowledged write survives a crash of the whole silo process: the silo program runs as a child process (embedded
/// broker and Garnet on a temporary data directory), takes writes over MQTT, is killed, and is started again in-process.
/// </summary>
public sealed class StateStoreDurabilityTests : IDisposable
{
    private static readonly TimeSpan StartGuard = TimeSpan.FromSeconds(90);
    private readonly TempDirectory workingDirectory = new("statestore-durability");
    private readonly SiloPorts ports = new();

    private string DataDirectory => Path.Combine(workingDirectory.Path, "data");

    public void Dispose() => workingDirectory.Dispose();

    [Fact]
    public async Task AcknowledgedWritesSurviveAKilledSiloProcess()
    {
        var ct = TestContext.Current.CancellationToken;
        var written = new Dictionary<string, (string Value, HybridLogicalClock Version)>();
        await using (var silo = SiloProcess.Start(workingDirectory.Path, [.. ports.ToArguments(), $"--Silo:DataDirectory={DataDirectory}"]))
        {
            await silo.WaitForOutputAsync("Orleans silo of service", StartGuard, ct);
            await using (var session = await ConnectAsync("before", ct))
            await using (var store = new StateStoreClient(new ApplicationContext(), session))
            {
                for (var i = 0; i < 20; i++)
                {
                    var key = $"durable-{i}";
                    await store.SetAsync(key, $"first-{i}", cancellationToken: ct);
                    var set = await store.SetAsync(key, $"value-{i}", cancellationToken: ct);
                    Assert.True(set.Success);
                    written[key] = ($"value-{i}", set.Version!);
                }

                Assert.Equal(1, (await store.DeleteAsync("durable-0", cancellationToken: ct)).DeletedItemsCount);
                written.Remove("durable-0");
                var fenced = await store.SetAsync("durable-fenced", "r", new() { FencingToken = written["durable-1"].Version }, cancellationToken: ct);
                written["durable-fenced"] = ("r", fenced.Version!);
            }

            silo.Crash();
            await silo.WaitForExitAsync(TimeSpan.FromSeconds(30), ct);
        }

        var settings = ports.ToConfiguration();
        settings["Silo:DataDirectory"] = DataDirectory;
        settings["Logging:LogLevel:Default"] = "Warning";
        await using var restarted = await SiloApplication.StartAsync([], configuration => configuration.AddInMemoryCollection(settings), ct);
        await using var afterSession = await ConnectAsync("after", ct);
        await using var wire = new StateStoreClient(new ApplicationContext(), afterSession);
        await using var grains = new ClusterStateStoreClient(restarted.Services.GetRequiredService<IGrainFactory>());
        foreach (var (key, (value, version)) in written)
        {
            var overWire = await wire.GetAsync(key, cancellationToken: ct);
            Assert.Equal(value, overWire.Value?.GetString());
            Assert.Equal(version, overWire.Version);
            Assert.Equal(version, (await grains.GetAsync(key, cancellationToken: ct)).Version);
        }

        Assert.Null((await wire.GetAsync("durable-0", cancellationToken: ct)).Value);
        var refused = await Assert.ThrowsAsync<AioProtocolException>(() => wire.SetAsync("durable-fenced", "x", cancellationToken: ct));
        Assert.Equal(StateStoreServiceError.MissingFencingToken, refused.GetStateStoreError());
        var next = await wire.SetAsync("durable-5", "after-restart", cancellationToken: ct);
        Assert.True(next.Version!.CompareTo(written["durable-5"].Version) > 0);
    }

    private async Task<MqttSessionClient> ConnectAsync(string suffix, CancellationToken ct)
    {
        var session = new MqttSessionClient(new MqttSessionClientOptions(), NullLoggerFactory.Instance);
        await session.ConnectAsync(new MqttConnectionSettings { HostName = "127.0.0.1", TcpPort = ports.Broker, UseTls = false, ClientId = MqttTestClient.TestClientId(suffix) }, ct);
        return session;
    }
}
