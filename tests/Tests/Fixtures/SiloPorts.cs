namespace OrleansAio.Tests.Fixtures;

/// <summary>A set of free ports for one silo host, as command-line arguments or configuration entries.</summary>
public sealed class SiloPorts
{
    /// <summary>The silo-to-silo port.</summary>
    public int Silo { get; } = FreePort.Get();

    /// <summary>The gateway port.</summary>
    public int Gateway { get; } = FreePort.Get();

    /// <summary>The health endpoints' HTTP port.</summary>
    public int Http { get; } = FreePort.Get();

    /// <summary>The embedded broker's port.</summary>
    public int Broker { get; } = FreePort.Get();

    /// <summary>The ports as configuration entries.</summary>
    public Dictionary<string, string?> ToConfiguration() => new()
    {
        ["Silo:SiloPort"] = Silo.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Silo:GatewayPort"] = Gateway.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Silo:HttpPort"] = Http.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Silo:BrokerPort"] = Broker.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>The ports as command-line arguments.</summary>
    public string[] ToArguments() => ToConfiguration().Select(p => $"--{p.Key}={p.Value}").ToArray();
}
