using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansAio.Grains.Leasing;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Session;
using OrleansAio.Protocol.StateStore;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Leasing;

/// <summary>The production cluster (embedded broker, Garnet, every capability) with three silos, for lease and election tests.</summary>
public class LeasingClusterFixture() : AioClusterFixture(3)
{
    /// <summary>
    /// The lease grains' safety-net retry: long, so that a waiter woken within a test's hang guard was woken by a notification.
    /// </summary>
    public static readonly TimeSpan SafetyNetRetry = TimeSpan.FromSeconds(60);


    /// <summary>The grain factory of the silo at <paramref name="index"/>: code that runs "in" that silo.</summary>
    /// <param name="index">The silo's index.</param>
    /// <returns>Its grain factory.</returns>
    public IGrainFactory GrainsOf(int index) =>
        Cluster.GetSiloServiceProvider(Cluster.Silos[index].SiloAddress).GetRequiredService<IGrainFactory>();

    /// <inheritdoc />
    protected override void ConfigureSilo(ISiloBuilder silo) =>
        silo.Services.Configure<LeaseGrainOptions>(o => o.LostNotificationRetry = SafetyNetRetry);

    /// <summary>Connects a wire client on its own MQTT session to the embedded broker.</summary>
    /// <param name="name">Part of the client id.</param>
    /// <returns>The client (dispose it).</returns>
    public async Task<WireClient> ConnectWireClientAsync(string name)
    {
        var clientId = $"{name}-{Guid.NewGuid():N}"[..Math.Min(name.Length + 9, 60)];
        var session = new MqttSessionClient(new MqttSessionClientOptions(), NullLoggerFactory.Instance);
        await session.ConnectAsync(MqttSettings(clientId), TestContext.Current.CancellationToken);
        var context = new ApplicationContext();
        return new WireClient(clientId, session, context, new StateStoreClient(context, session));
    }
}

/// <summary>A wire client: its own MQTT session and state-store client.</summary>
/// <param name="ClientId">The MQTT client id.</param>
/// <param name="Session">The session.</param>
/// <param name="Context">The application context.</param>
/// <param name="StateStore">The state-store client.</param>
public sealed record WireClient(string ClientId, MqttSessionClient Session, ApplicationContext Context, StateStoreClient StateStore) : IAsyncDisposable
{
    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StateStore.DisposeAsync();
        await Session.DisposeAsync();
        await Context.DisposeAsync();
    }
}
