using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.TestingHost;
using OrleansAio.Protocol.Connection;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Silo.Hosting;
using OrleansAio.Silo.Mqtt;
using StackExchange.Redis;

namespace OrleansAio.Tests.Fixtures;

/// <summary>
/// The production shape of the cluster in one process: an embedded MQTT broker, an embedded Garnet store for grain storage, and
/// a multi-silo <see cref="InProcessTestCluster"/> in which every silo has its own shared MQTT session
/// (<see cref="MqttConnectionSiloBuilderExtensions.AddAioMqttConnection"/>) and every AIO capability
/// (<see cref="AioCapabilities.AddAioCapabilities"/>), exactly as the silo host registers them.
/// </summary>
/// <remarks>Use one per test class that needs it, or a fresh one where a test kills silos.</remarks>
public class AioClusterFixture : IAsyncLifetime
{
    private readonly EmbeddedGarnetFixture garnet = new();
    private readonly short initialSilos;
    private InProcessTestCluster? cluster;

    /// <summary>Creates the fixture with two silos.</summary>
    public AioClusterFixture()
        : this(2)
    {
    }

    /// <summary>Creates the fixture with <paramref name="initialSilos"/> silos.</summary>
    /// <param name="initialSilos">How many silos to start.</param>
    protected AioClusterFixture(short initialSilos) => this.initialSilos = initialSilos;

    /// <summary>The embedded broker the silos (and the tests' own MQTT clients) connect to.</summary>
    public EmbeddedBrokerFixture Broker { get; } = new();

    /// <summary>The StackExchange.Redis connection string of the cluster's grain storage (an embedded Garnet).</summary>
    public string StorageConnectionString => garnet.ConnectionString;

    /// <summary>The running cluster.</summary>
    public InProcessTestCluster Cluster => cluster ?? throw new InvalidOperationException("The cluster is not deployed yet.");

    /// <summary>A client connected to the cluster.</summary>
    public IClusterClient Client => Cluster.Client;

    /// <summary>Connection settings for a test's own MQTT client to the embedded broker.</summary>
    /// <param name="clientId">The client id.</param>
    /// <returns>The settings.</returns>
    public MqttConnectionSettings MqttSettings(string clientId) => new()
    {
        HostName = "127.0.0.1",
        TcpPort = Broker.Port,
        UseTls = false,
        ClientId = clientId,
    };

    /// <summary>The shared MQTT session of the silo at <paramref name="index"/> in <see cref="InProcessTestCluster.Silos"/>.</summary>
    /// <param name="index">The silo's index.</param>
    /// <returns>Its session.</returns>
    public IMqttPubSubClient SessionOf(int index) =>
        Cluster.GetSiloServiceProvider(Cluster.Silos[index].SiloAddress).GetRequiredService<IMqttPubSubClient>();

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        await Broker.InitializeAsync();
        await garnet.InitializeAsync();
        var builder = new InProcessTestClusterBuilder(initialSilos);
        var storage = ConfigurationOptions.Parse(garnet.ConnectionString);
        var brokerPort = Broker.Port;
        var clusterTag = Guid.NewGuid().ToString("N")[..8];
        builder.ConfigureSilo((options, silo) =>
        {
            silo.AddRedisGrainStorageAsDefault(redis =>
            {
                redis.ConfigurationOptions = storage.Clone();
                redis.DeleteStateOnClear = true;
            });
            var settings = new MqttConnectionSettings
            {
                HostName = "127.0.0.1",
                TcpPort = brokerPort,
                UseTls = false,
                ClientId = $"silo-{clusterTag}-{options.SiloName}",
            };
            silo.Services.AddSingleton(Broker.Broker);
            silo.AddAioMqttConnection(settings, "test-cluster");
            silo.AddAioCapabilities();
            ConfigureSilo(silo);
        });
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
        await Broker.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Adds what a derived fixture needs to every silo (test grains, extra registrations).</summary>
    /// <param name="silo">The silo builder.</param>
    protected virtual void ConfigureSilo(ISiloBuilder silo)
    {
    }
}
