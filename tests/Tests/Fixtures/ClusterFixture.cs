using Orleans.Hosting;
using Orleans.TestingHost;
using StackExchange.Redis;

namespace OrleansAio.Tests.Fixtures;

/// <summary>
/// A two-silo <see cref="InProcessTestCluster"/> whose default grain storage is an embedded Garnet store in a temporary
/// directory, as in production (Orleans' Redis grain storage over Garnet).
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private readonly EmbeddedGarnetFixture garnet = new();
    private InProcessTestCluster? cluster;

    /// <summary>The running cluster.</summary>
    public InProcessTestCluster Cluster => cluster ?? throw new InvalidOperationException("The cluster is not deployed yet.");

    /// <summary>A client connected to the cluster.</summary>
    public IClusterClient Client => Cluster.Client;

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        await garnet.InitializeAsync();
        var builder = new InProcessTestClusterBuilder(2);
        var storage = ConfigurationOptions.Parse(garnet.ConnectionString);
        builder.ConfigureSilo((_, silo) => silo.AddRedisGrainStorageAsDefault(options =>
        {
            options.ConfigurationOptions = storage.Clone();
            options.DeleteStateOnClear = true;
        }));
        cluster = builder.Build();
        await cluster.DeployAsync();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (cluster is not null)
        {
            await cluster.DisposeAsync();
        }

        await garnet.DisposeAsync();
    }
}

/// <summary>Tests that share one <see cref="ClusterFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "cluster";
}
