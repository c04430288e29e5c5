using Microsoft.Extensions.Configuration;

namespace OrleansAio.AppHost;

/// <summary>
/// The AppHost's resources: one MQTT broker and one Redis-compatible store, each its own process (or container), and three silos
/// that form one Orleans cluster over that store and share that broker, plus the Thermostat sample's client.
/// </summary>
/// <remarks>
/// The silos are the Thermostat sample's silo project (<c>SiloApplication</c> plus <c>ThermostatSilo.Configure</c>), so the
/// dashboard shows a live app. They get only the settings a production deployment would give them: <c>ConnectionStrings:Mqtt</c>,
/// <c>ConnectionStrings:Redis</c> and the <c>Silo:*</c> ports, as environment variables.
/// </remarks>
public static class EdgeAppModel
{
    /// <summary>The command-line switch that asks for a Mosquitto and a Redis container instead of the embedded services.</summary>
    public const string ContainersSwitch = "--containers";

    /// <summary>The configuration key with the same meaning as <see cref="ContainersSwitch"/> (<c>AppHost__UseContainers=true</c>).</summary>
    public const string UseContainersKey = "AppHost:UseContainers";

    /// <summary>The configuration key of the embedded store's data directory (default <c>data/store</c> under the AppHost project).</summary>
    public const string StoreDataDirectoryKey = "AppHost:StoreDataDirectory";

    /// <summary>The number of silos.</summary>
    public const int SiloCount = 3;

    /// <summary>The resource name of the MQTT broker.</summary>
    public const string BrokerName = "mqtt-broker";

    /// <summary>The resource name of the store.</summary>
    public const string StoreName = "store";

    /// <summary>The resource name of the Thermostat sample's client.</summary>
    public const string ClientName = "thermostat-client";

    /// <summary>The resource name of silo <paramref name="index"/> (1-based).</summary>
    /// <param name="index">The silo number, from 1.</param>
    /// <returns><c>silo-1</c>, <c>silo-2</c>, ...</returns>
    public static string SiloName(int index) => $"silo-{index}";

    /// <summary>Adds every resource to <paramref name="builder"/>.</summary>
    /// <param name="builder">The distributed application builder.</param>
    /// <param name="containers">Use containers (Mosquitto, Redis) even when <see cref="UseContainersKey"/> is not set.</param>
    public static void Build(IDistributedApplicationBuilder builder, bool containers = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        containers |= builder.Configuration.GetValue<bool>(UseContainersKey);

        var (brokerResource, brokerPort) = containers ? AddMosquitto(builder) : AddEmbeddedBroker(builder);
        var (storeResource, redisConnectionString) = containers ? AddRedis(builder) : AddEmbeddedStore(builder);
        var mqttConnectionString = ReferenceExpression.Create($"HostName=127.0.0.1;TcpPort={brokerPort};UseTls=false");

        var silos = new List<IResourceBuilder<ProjectResource>>();
        for (var i = 1; i <= SiloCount; i++)
        {
            var silo = builder.AddProject<Projects.Thermostat_Silo>(SiloName(i))
                .WithEndpoint(name: "silo", scheme: "tcp", env: "Silo__SiloPort", isProxied: false)
                .WithEndpoint(name: "gateway", scheme: "tcp", env: "Silo__GatewayPort", isProxied: false)
                .WithHttpEndpoint(name: "http", env: "Silo__HttpPort", isProxied: false)
                .WithHttpHealthCheck("/health")
                .WithEnvironment("ConnectionStrings__Mqtt", mqttConnectionString)
                .WithEnvironment("ConnectionStrings__Redis", redisConnectionString)
                .WaitFor(brokerResource)
                .WaitFor(storeResource);
            silo.WithUrl(ReferenceExpression.Create($"{silo.GetEndpoint("http")}/dashboard"), "Orleans dashboard");
            silos.Add(silo);
        }

        var gatewayPort = silos[0].GetEndpoint("gateway").Property(EndpointProperty.Port);
        var client = builder.AddProject<Projects.Thermostat_Client>(ClientName)
            .WithArgs(context =>
            {
                context.Args.Add("--gateway-port");
                context.Args.Add(gatewayPort);
                context.Args.Add("--broker-port");
                context.Args.Add(brokerPort);
            });
        foreach (var silo in silos)
        {
            client.WaitFor(silo);
        }
    }

    private static (IResourceBuilder<IResource> Resource, EndpointReferenceExpression Port) AddEmbeddedBroker(IDistributedApplicationBuilder builder)
    {
        var broker = builder.AddProject<Projects.EdgeServices>(BrokerName)
            .WithEnvironment("EdgeServices__Role", "Broker")
            .WithEndpoint(name: "mqtt", scheme: "tcp", env: "EdgeServices__Port", isProxied: false)
            .WithHttpEndpoint(name: "http", env: "EdgeServices__HttpPort", isProxied: false)
            .WithHttpHealthCheck("/health");
        return (broker, broker.GetEndpoint("mqtt").Property(EndpointProperty.Port));
    }

    private static (IResourceBuilder<IResource> Resource, ReferenceExpression ConnectionString) AddEmbeddedStore(IDistributedApplicationBuilder builder)
    {
        var dataDirectory = builder.Configuration[StoreDataDirectoryKey] ?? Path.Combine(builder.AppHostDirectory, "data", StoreName);
        var store = builder.AddProject<Projects.EdgeServices>(StoreName)
            .WithEnvironment("EdgeServices__Role", "Store")
            .WithEnvironment("EdgeServices__DataDirectory", Path.GetFullPath(dataDirectory))
            .WithEndpoint(name: "redis", scheme: "tcp", env: "EdgeServices__Port", isProxied: false)
            .WithHttpEndpoint(name: "http", env: "EdgeServices__HttpPort", isProxied: false)
            .WithHttpHealthCheck("/health");
        var port = store.GetEndpoint("redis").Property(EndpointProperty.Port);
        return (store, ReferenceExpression.Create($"127.0.0.1:{port}"));
    }

    private static (IResourceBuilder<IResource> Resource, EndpointReferenceExpression Port) AddMosquitto(IDistributedApplicationBuilder builder)
    {
        var mosquitto = builder.AddContainer(BrokerName, "eclipse-mosquitto", "2.0")
            .WithBindMount(Path.Combine(builder.AppHostDirectory, "mosquitto", "mosquitto.conf"), "/mosquitto/config/mosquitto.conf", isReadOnly: true)
            .WithEndpoint(targetPort: 1883, name: "mqtt", scheme: "tcp");
        return (mosquitto, mosquitto.GetEndpoint("mqtt").Property(EndpointProperty.Port));
    }

    private static (IResourceBuilder<IResource> Resource, ReferenceExpression ConnectionString) AddRedis(IDistributedApplicationBuilder builder)
    {
        var redis = builder.AddRedis(StoreName);
        return (redis, redis.Resource.ConnectionStringExpression);
    }
}
