using Microsoft.Extensions.DependencyInjection;
using OrleansAio.Grains.DeviceRegistry;
using OrleansAio.Silo.Rpc;
using OrleansAio.Tests.Fixtures;
using OrleansAio.Tests.Rpc;

namespace OrleansAio.Tests.Cli;

/// <summary>
/// The embedded broker and one silo with every capability (state store, leases, schema and device registries), a test command
/// (<c>increment</c>, <see cref="ICounterGrain"/>) and two devices with assets loaded from a definition file.
/// </summary>
public sealed class CliClusterFixture : AioClusterFixture, IAsyncDisposable
{
    /// <summary>The device registry's start-up definitions: two devices, the second with two inbound endpoints, and two assets.</summary>
    public const string Definitions = """
        [
          {"kind": "Device", "metadata": {"name": "pump-1"}, "spec": {"manufacturer": "Contoso", "model": "P100", "enabled": true,
            "attributes": {"site": "north"},
            "endpoints": {"inbound": {"opc": {"address": "opc.tcp://pump-1:4840", "endpointType": "Microsoft.OpcUa"}}}}},
          {"kind": "Device", "metadata": {"name": "press-2"}, "spec": {"manufacturer": "Fabrikam", "model": "X2", "enabled": false,
            "endpoints": {"inbound": {"opc": {"address": "opc.tcp://press-2:4840", "endpointType": "Microsoft.OpcUa"},
                                      "rest": {"address": "http://press-2", "endpointType": "Rest"}}}}},
          {"kind": "Asset", "metadata": {"name": "pump-1-motor"}, "spec": {"deviceRef": {"deviceName": "pump-1", "endpointName": "opc"},
            "displayName": "Pump motor", "enabled": true, "manufacturer": "Contoso"}},
          {"kind": "Asset", "metadata": {"name": "press-2-head"}, "spec": {"deviceRef": {"deviceName": "press-2", "endpointName": "rest"},
            "displayName": "Press head"}}
        ]
        """;

    private readonly TempDirectory definitions = new("cli-adr");

    /// <summary>The request topic pattern of the test command.</summary>
    public const string CommandPattern = "test/cli/{executorId}/{commandName}";

    /// <summary>Creates the fixture with one silo.</summary>
    public CliClusterFixture()
        : base(1)
    {
    }

    /// <inheritdoc />
    protected override void ConfigureSilo(ISiloBuilder silo)
    {
        var file = Path.Combine(definitions.Path, "devices.json");
        if (!File.Exists(file))
        {
            File.WriteAllText(file, Definitions);
        }

        silo.Services.Configure<DeviceRegistryOptions>(options => options.DefinitionFiles.Add(file));
        silo.AddAioCommand<CounterRequest, CounterResponse, ICounterGrain>("increment", options =>
        {
            options.RequestTopicPattern = CommandPattern;
            options.ExecutionTimeout = TimeSpan.FromSeconds(5);
        });
    }

    /// <inheritdoc />
    async ValueTask IAsyncDisposable.DisposeAsync()
    {
        await DisposeAsync();
        definitions.Dispose();
    }
}
