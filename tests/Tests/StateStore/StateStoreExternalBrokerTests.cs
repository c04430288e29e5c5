using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Connection;
using OrleansAio.Protocol.Session;
using OrleansAio.Protocol.StateStore;
using OrleansAio.Silo.Hosting;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.StateStore;

/// <summary>With an external broker (Mosquitto) the endpoint serves through a shared subscription and publishes notifications normally.</summary>
public sealed class StateStoreExternalBrokerTests : IDisposable
{
    private readonly TempDirectory workingDirectory = new("statestore-external");
    private readonly SiloPorts ports = new();

    public void Dispose() => workingDirectory.Dispose();

    [Fact]
    public async Task TheWireClientWorksThroughMosquittoAndReceivesPublishedNotifications()
    {
        if (!MosquittoBroker.IsInstalled)
        {
            Assert.Skip(MosquittoBroker.SkipMessage);
        }

        var ct = TestContext.Current.CancellationToken;
        await using var mosquitto = await MosquittoBroker.StartAsync(ct);
        var settings = ports.ToConfiguration();
        settings["Silo:DataDirectory"] = Path.Combine(workingDirectory.Path, "data");
        settings["Logging:LogLevel:Default"] = "Warning";
        settings["ConnectionStrings:Mqtt"] = $"HostName=127.0.0.1;TcpPort={mosquitto.Port};UseTls=false";
        await using var silo = await SiloApplication.StartAsync([], configuration => configuration.AddInMemoryCollection(settings), ct);
        Assert.Null(silo.EmbeddedBroker);

        await using var session = new MqttSessionClient(new MqttSessionClientOptions(), NullLoggerFactory.Instance);
        await session.ConnectAsync(new MqttConnectionSettings { HostName = "127.0.0.1", TcpPort = mosquitto.Port, UseTls = false, ClientId = MqttTestClient.TestClientId("wire") }, ct);
        await using var store = new StateStoreClient(new ApplicationContext(), session);
        var changes = StateStoreConnections.RecordChanges(store);

        var key = $"external-{Guid.NewGuid():N}";
        await store.ObserveAsync(key, cancellationToken: ct);
        var set = await store.SetAsync(key, "v", cancellationToken: ct);
        Assert.True(set.Success);
        Assert.Equal("v", (await store.GetAsync(key, cancellationToken: ct)).Value!.GetString());
        Assert.Equal(1, (await store.DeleteAsync(key, cancellationToken: ct)).DeletedItemsCount);

        using var guard = CancellationTokenSource.CreateLinkedTokenSource(ct);
        guard.CancelAfter(TimeSpan.FromSeconds(30));
        while (changes.Count < 2)
        {
            await Task.Delay(50, guard.Token);
        }

        Assert.Equal([KeyState.Updated, KeyState.Deleted], changes.Select(c => c.NewState));
        Assert.Equal(set.Version, changes.First().Version);
        Assert.True(await store.UnobserveAsync(key, cancellationToken: ct));
    }
}
