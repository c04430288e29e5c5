using System.Globalization;

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

        if (Role == EdgeServiceRole.Store && string.IsNullOrWhiteSpace(DataDirectory))
        {
            throw new ArgumentException("the store needs a data directory", Key(nameof(DataDirectory)));
        }
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
