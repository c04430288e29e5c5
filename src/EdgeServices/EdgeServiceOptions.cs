using System.Globalization;
using System.Net;
using OrleansAio.Silo.Broker;

namespace OrleansAio.EdgeServices;

/// <summary>Which edge service a process runs.</summary>
public enum EdgeServiceRole
{
    /// <summary>The embedded MQTT 5 broker with shared subscriptions (<c>EmbeddedMqttBroker</c>).</summary>
    Broker,

    /// <summary>The embedded Redis-compatible store (<c>EmbeddedGarnet</c>) with its append-only file.</summary>
    Store,
}

/// <summary>The settings of an edge-service process, bound from the <c>EdgeServices</c> configuration section.</summary>
public sealed class EdgeServiceOptions
{
    /// <summary>The configuration section holding these options.</summary>
    public const string SectionName = "EdgeServices";

    /// <summary>Which service this process runs; required (<c>Broker</c> or <c>Store</c>).</summary>
    public EdgeServiceRole? Role { get; set; }

    /// <summary>The loopback TCP port of the broker or the store; required.</summary>
    public int Port { get; set; }

    /// <summary>
    /// The IP address the broker listens on (its plain and TLS listeners). Default <c>127.0.0.1</c>. Any other address needs
    /// authentication in the <c>Broker</c> section, as the silo's <c>Silo:BrokerBindAddress</c> does. The store always binds
    /// loopback.
    /// </summary>
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>The loopback HTTP port of <c>/health</c> and <c>/alive</c>; required.</summary>
    public int HttpPort { get; set; }

    /// <summary>The store's append-only file and checkpoints. Default <c>./data</c> (relative to the working directory).</summary>
    public string DataDirectory { get; set; } = "./data";

    /// <summary>The store's main-log memory (Garnet size syntax). Default <c>64m</c>.</summary>
    public string GarnetMemory { get; set; } = "64m";

    /// <summary>The store's hash-index start size. Default <c>16m</c>.</summary>
    public string GarnetIndexSize { get; set; } = "16m";

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentException">A setting is wrong; the parameter name is the setting's key.</exception>
    public void Validate()
    {
        if (Role is null)
        {
            throw new ArgumentException("the role is required: Broker or Store", Key(nameof(Role)));
        }

        CheckPort(Port, nameof(Port));
        CheckPort(HttpPort, nameof(HttpPort));
        if (Port == HttpPort)
        {
            throw new ArgumentException($"the HTTP port must differ from {Key(nameof(Port))} ({Port})", Key(nameof(HttpPort)));
        }

        if (!IPAddress.TryParse(BindAddress, out _))
        {
            throw new ArgumentException($"'{BindAddress}' is not an IP address", Key(nameof(BindAddress)));
        }

        if (Role == EdgeServiceRole.Store && string.IsNullOrWhiteSpace(DataDirectory))
        {
            throw new ArgumentException("the store needs a data directory", Key(nameof(DataDirectory)));
        }
    }

    /// <summary>
    /// The broker's options: <see cref="Port"/>, <see cref="BindAddress"/> and the <c>Broker</c> section (authentication, TLS
    /// listener, ACL) read and checked by the same code as the silo's embedded broker (<see cref="BrokerSecurityOptions.Read"/>,
    /// <see cref="EmbeddedMqttBrokerOptions.Validate"/>). There is no silo session here, so no internal secret and no start-up
    /// client: every client authenticates as configured.
    /// </summary>
    /// <param name="configuration">The process's configuration.</param>
    /// <returns>The validated options.</returns>
    /// <exception cref="EmbeddedBrokerException">A setting is wrong; <see cref="EmbeddedBrokerException.Setting"/> names it.</exception>
    public EmbeddedMqttBrokerOptions BrokerOptions(IConfiguration configuration)
    {
        var broker = new EmbeddedMqttBrokerOptions
        {
            Port = Port,
            BindAddress = BindAddress,
            BindAddressSetting = Key(nameof(BindAddress)),
            Security = BrokerSecurityOptions.Read(configuration, Port),
        };
        broker.Validate();
        return broker;
    }

    /// <summary>The full configuration key of a setting, for example <c>EdgeServices:Port</c>.</summary>
    /// <param name="name">The property name.</param>
    /// <returns>The key.</returns>
    public static string Key(string name) => $"{SectionName}:{name}";

    private static void CheckPort(int port, string name)
    {
        if (port is < 1 or > 65535)
        {
            throw new ArgumentException($"port {port.ToString(CultureInfo.InvariantCulture)} is not between 1 and 65535", Key(name));
        }
    }
}
