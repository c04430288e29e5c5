using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansAio.Client.StateStore;
using OrleansAio.Grains.StateStore;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Session;
using OrleansAio.Protocol.StateStore;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.StateStore;

/// <summary>Creates state-store clients of both access paths against an <see cref="AioClusterFixture"/> and disposes them.</summary>
internal sealed class StateStoreConnections(AioClusterFixture fixture) : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> owned = [];

    /// <summary>Records every key-change notification <paramref name="store"/> raises, in arrival order.</summary>
    public static ConcurrentQueue<KeyChangeMessageReceivedEventArgs> RecordChanges(IStateStoreClient store)
    {
        var changes = new ConcurrentQueue<KeyChangeMessageReceivedEventArgs>();
        store.KeyChangeMessageReceivedAsync += (_, e) =>
        {
            changes.Enqueue(e);
            return Task.CompletedTask;
        };
        return changes;
    }

    /// <summary>A wire client over its own MQTT session to the embedded broker.</summary>
    public async Task<StateStoreClient> WireAsync(string suffix)
    {
        var (client, _) = await WireWithSessionAsync(suffix);
        return client;
    }

    /// <summary>A wire client and its session.</summary>
    public async Task<(StateStoreClient Client, MqttSessionClient Session)> WireWithSessionAsync(string suffix)
    {
        var session = new MqttSessionClient(new MqttSessionClientOptions(), NullLoggerFactory.Instance);
        owned.Add(session);
        await session.ConnectAsync(fixture.MqttSettings(MqttTestClient.TestClientId(suffix)), TestContext.Current.CancellationToken);
        var client = new StateStoreClient(new ApplicationContext(), session);
        owned.Insert(0, client);
        return (client, session);
    }

    /// <summary>The Orleans façade over the fixture's cluster client.</summary>
    public ClusterStateStoreClient Grain()
    {
        var client = new ClusterStateStoreClient(fixture.Client);
        owned.Insert(0, client);
        return client;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var item in owned)
        {
            await item.DisposeAsync();
        }
    }
}
