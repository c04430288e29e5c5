namespace OrleansAio.Silo.Hosting;

/// <summary>
/// The silo host's settings, bound from the <c>Silo</c> configuration section (appsettings, <c>Silo__*</c> environment
/// variables, <c>--Silo:*</c> command-line arguments) and the <c>ConnectionStrings</c> section.
/// </summary>
/// <remarks>Every default runs the whole system on one machine: embedded broker, embedded Garnet, loopback endpoints.</remarks>
public sealed class SiloHostOptions
{
    /// <summary>The configuration section holding these options.</summary>
    public const string SectionName = "Silo";

    /// <summary>The connection-string name of an external MQTT broker (<c>ConnectionStrings:Mqtt</c>).</summary>
    public const string MqttConnectionStringName = "Mqtt";

    /// <summary>The connection-string name of an external Redis or Garnet (<c>ConnectionStrings:Redis</c>).</summary>
    public const string RedisConnectionStringName = "Redis";

    /// <summary>The Orleans cluster id; silos with the same id and storage form one cluster. Default <c>orleans-aio</c>.</summary>
    public string ClusterId { get; set; } = "orleans-aio";

    /// <summary>The Orleans service id; grain state is keyed by it, so it must stay the same across deployments. Default <c>orleans-aio</c>.</summary>
    public string ServiceId { get; set; } = "orleans-aio";

    /// <summary>The address silo-to-silo and gateway endpoints bind to and advertise. Default <c>127.0.0.1</c>.</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>The silo-to-silo port. Default 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>The client gateway port. Default 30000.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The loopback HTTP port of the health endpoints (<c>/health</c>, <c>/alive</c>). Default 5080.</summary>
    public int HttpPort { get; set; } = 5080;

    /// <summary>The port of the embedded MQTT broker, started when no <c>ConnectionStrings:Mqtt</c> is set. Default 1883.</summary>
    public int BrokerPort { get; set; } = 1883;

    /// <summary>
    /// The address the embedded MQTT broker binds. Default <c>127.0.0.1</c>. Any other address needs authentication configured
    /// (<c>Broker:Authentication:*</c> or <c>Broker:Tls:ClientCaFile</c>): the silo refuses to start otherwise.
    /// </summary>
    public string BrokerBindAddress { get; set; } = "127.0.0.1";

    /// <summary>The port of the embedded Garnet store, started when no <c>ConnectionStrings:Redis</c> is set; 0 picks a free port. Default 0.</summary>
    public int GarnetPort { get; set; }

    /// <summary>Where the embedded Garnet keeps its append-only file and checkpoints. Default <c>./data</c>.</summary>
    public string DataDirectory { get; set; } = "./data";

    /// <summary>Total main-log memory of the embedded Garnet (Garnet size syntax: <c>64m</c>, <c>1g</c>). Default <c>64m</c>.</summary>
    public string GarnetMemory { get; set; } = "64m";

    /// <summary>Start size of the embedded Garnet's hash index. Default <c>16m</c>.</summary>
    public string GarnetIndexSize { get; set; } = "16m";

    /// <summary>The MQTT client id of the silo's shared connection; empty derives <c>{ServiceId}-{host}-{SiloPort}</c>.</summary>
    public string? MqttClientId { get; set; }

    /// <summary>
    /// How many publishes, subscribes and unsubscribes the shared MQTT session holds while disconnected; beyond that a new
    /// operation fails at once (drop-new). Default 100,000.
    /// </summary>
    public int MqttMaxPendingOperations { get; set; } = 100_000;

    /// <summary>How long to wait for the MQTT broker and Redis at start before failing. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Orleans membership: the initial timeout of a liveness probe between silos (<c>ClusterMembershipOptions.ProbeTimeout</c>;
    /// Orleans' default 5 s). Default 2 s, for a small edge cluster on one network.
    /// </summary>
    public TimeSpan MembershipProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Orleans membership: how many missed probes make a silo suspect a peer and vote it dead (<c>NumMissedProbesLimit</c>;
    /// Orleans' default 3). Default 3.
    /// </summary>
    public int MembershipMissedProbesLimit { get; set; } = 3;

    /// <summary>
    /// Orleans membership: how many silos' votes declare a silo dead (<c>NumVotesForDeathDeclaration</c>; Orleans' default 2; at
    /// most the number of silos probing each silo, 3). Default 2.
    /// </summary>
    public int MembershipVotesForDeath { get; set; } = 2;

    /// <summary>
    /// Orleans membership: how often each silo reads the membership table (<c>TableRefreshTimeout</c>; Orleans' default 60 s), the
    /// fallback when gossip of a death does not reach a silo. Default 10 s.
    /// </summary>
    public TimeSpan MembershipTableRefresh { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a clean shutdown may take before the host gives up waiting. Default 8 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(8);
}
