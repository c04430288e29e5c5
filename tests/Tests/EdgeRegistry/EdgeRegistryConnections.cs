using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansAio.Client.EdgeRegistry;
using OrleansAio.Grains.EdgeRegistry;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.EdgeRegistry;
using OrleansAio.Protocol.Session;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.EdgeRegistry;

/// <summary>The production cluster shape with a small document limit, so oversize tests stay cheap.</summary>
public sealed class EdgeRegistryClusterFixture : AioClusterFixture
{
    /// <summary>The document limit the silos run with.</summary>
    public const int MaxDocumentBytes = 16 * 1024;

    /// <inheritdoc />
    protected override void ConfigureSilo(ISiloBuilder silo) =>
        silo.Services.Configure<EdgeRegistryOptions>(options => options.MaxDocumentBytes = MaxDocumentBytes);
}

/// <summary>Edge Registry wire clients over their own MQTT sessions, disposed with the test.</summary>
internal sealed class EdgeRegistryConnections(AioClusterFixture fixture) : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> owned = [];

    public async Task<EdgeRegistryClient> WireAsync(string suffix)
    {
        var session = new MqttSessionClient(new MqttSessionClientOptions(), NullLoggerFactory.Instance);
        owned.Add(session);
        await session.ConnectAsync(fixture.MqttSettings(MqttTestClient.TestClientId(suffix)), TestContext.Current.CancellationToken);
        var client = new EdgeRegistryClient(new ApplicationContext(), session);
        owned.Insert(0, client);
        return client;
    }

    /// <summary>The Orleans façade over the fixture's cluster client.</summary>
    public ClusterEdgeRegistryClient Grain()
    {
        var client = new ClusterEdgeRegistryClient(fixture.Client);
        owned.Insert(0, client);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var item in owned)
        {
            await item.DisposeAsync();
        }
    }
}

/// <summary>Fresh ids as the SDK's integration tests make them.</summary>
internal static class EdgeIds
{
    public static string Group() => $"it-grp-{Guid.NewGuid():N}";

    public static string Resource() => $"it-res-{Guid.NewGuid():N}";

    public static string Schema() => $"it-schema-{Guid.NewGuid():N}";

    /// <summary>The document <c>{}</c> (base64 <c>e30=</c>) and its hash (edge-registry.md §7.7).</summary>
    public static readonly byte[] EmptyObject = "{}"u8.ToArray();

    public const string EmptyObjectHash = "44136FA355B3678A1146AD16F7E8649E94FB4FC21FE77E8310C060F61CAAFF8A";
}
