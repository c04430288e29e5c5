using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Connection;
using OrleansAio.Protocol.DeviceRegistry;
using OrleansAio.Protocol.Session;
using OrleansAio.Silo.Hosting;
using OrleansAio.Tests.Fixtures;
using G = OrleansAio.GrainsInterfaces.DeviceRegistry;

namespace OrleansAio.Tests.DeviceRegistry;

/// <summary>
/// The device registry in the real silo program: bad start-up settings and definition files stop it with one line naming the
/// setting, and what connectors wrote survives a crash of the whole process (the start-up files, loaded again, change nothing).
/// </summary>
public sealed class DeviceRegistryProcessTests : IDisposable
{
    private static readonly TimeSpan StartGuard = TimeSpan.FromSeconds(90);
    private readonly TempDirectory workingDirectory = new("device-registry-process");
    private readonly SiloPorts ports = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string DataDirectory => Path.Combine(workingDirectory.Path, "data");

    private string DefinitionFile => Path.Combine(workingDirectory.Path, "devices.yaml");

    public void Dispose() => workingDirectory.Dispose();

    [Fact]
    public async Task AMissingDefinitionFileStopsTheStartNamingTheSetting()
    {
        var missing = Path.Combine(workingDirectory.Path, "missing.yaml");
        var line = await RunFailingAsync($"--DeviceRegistry:DefinitionFiles:0={missing}");
        Assert.Equal($"DeviceRegistry:DefinitionFiles:0: file '{missing}' does not exist", line);
    }

    [Fact]
    public async Task ABadFieldInADefinitionFileStopsTheStartNamingTheFileAndField()
    {
        await File.WriteAllTextAsync(DefinitionFile, DeviceRegistryFixture.DefinitionYaml, Ct);
        var bad = Path.Combine(workingDirectory.Path, "bad.yaml");
        await File.WriteAllTextAsync(bad, "kind: Device\nmetadata:\n  name: broken\nspec:\n  endpoints:\n    inbound:\n      ep:\n        address: a\n", Ct);
        var line = await RunFailingAsync($"--DeviceRegistry:DefinitionFiles:0={DefinitionFile}", $"--DeviceRegistry:DefinitionFiles:1={bad}");
        Assert.Equal(
            $"DeviceRegistry:DefinitionFiles:1: file '{bad}': Device 'broken': field 'spec.endpoints.inbound.ep': the required field 'endpointType' is missing", line);
    }

    [Fact]
    public async Task ABadOptionStopsTheStartNamingTheSetting()
    {
        var line = await RunFailingAsync("--DeviceRegistry:MaxPayloadBytes=10");
        Assert.Contains("DeviceRegistry:MaxPayloadBytes: 10 is too small", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatusSubscriptionsAndDiscoveriesSurviveAKilledSiloProcess()
    {
        await File.WriteAllTextAsync(DefinitionFile, DeviceRegistryFixture.DefinitionYaml, Ct);
        var connectorId = MqttTestClient.TestClientId("connector");
        var transition = new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
        var discovery = new CreateOrUpdateDiscoveredDeviceRequestSchema
        {
            DiscoveredDeviceName = "test-discovered-device",
            DiscoveredDevice = new DiscoveredDevice { Manufacturer = "contoso" },
        };
        await using (var silo = SiloProcess.Start(workingDirectory.Path, [.. Arguments()]))
        {
            await silo.WaitForOutputAsync("Orleans silo of service", StartGuard, Ct);
            await using (var session = await ConnectAsync(connectorId))
            await using (var client = new AzureDeviceRegistryClient(new ApplicationContext(), session))
            {
                await client.UpdateDeviceStatusAsync(
                    "my-thermostat", "my-rest-endpoint",
                    new DeviceStatus { Config = new ConfigStatus { Version = 2, LastTransitionTime = transition, Error = new ConfigError { Code = "500", Message = "kept" } } },
                    cancellationToken: Ct);
                await client.UpdateAssetStatusAsync(
                    "my-thermostat", "my-rest-endpoint",
                    new UpdateAssetStatusRequest { AssetName = "my-rest-thermostat-asset", AssetStatus = new AssetStatus { Config = new ConfigStatus { Version = 6 } } },
                    cancellationToken: Ct);
                await client.SetNotificationPreferenceForDeviceUpdatesAsync("my-thermostat", "my-rest-endpoint", NotificationPreference.On, cancellationToken: Ct);
                Assert.Equal("test-discovered-device", (await client.CreateOrUpdateDiscoveredDeviceAsync(discovery, "rest-thermostat", cancellationToken: Ct)).DiscoveryId);
            }

            silo.Crash();
            await silo.WaitForExitAsync(TimeSpan.FromSeconds(30), Ct);
        }

        var settings = ports.ToConfiguration();
        settings["Silo:DataDirectory"] = DataDirectory;
        settings["DeviceRegistry:DefinitionFiles:0"] = DefinitionFile;
        settings["Logging:LogLevel:Default"] = "Warning";
        await using var restarted = await SiloApplication.StartAsync([], configuration => configuration.AddInMemoryCollection(settings), Ct);
        await using var afterSession = await ConnectAsync(MqttTestClient.TestClientId("after"));
        await using var wire = new AzureDeviceRegistryClient(new ApplicationContext(), afterSession);

        var status = await wire.GetDeviceStatusAsync("my-thermostat", "my-rest-endpoint", cancellationToken: Ct);
        Assert.Equal("kept", status.Config!.Error!.Message);
        Assert.Equal(transition, status.Config.LastTransitionTime);
        Assert.Equal(6, (await wire.GetAssetStatusAsync("my-thermostat", "my-rest-endpoint", "my-rest-thermostat-asset", cancellationToken: Ct)).Config!.Version);
        Assert.Equal(2, (await wire.GetDeviceAsync("my-thermostat", "my-rest-endpoint", cancellationToken: Ct)).Version);
        Assert.Equal(1, (await wire.CreateOrUpdateDiscoveredDeviceAsync(discovery, "rest-thermostat", cancellationToken: Ct)).Version);

        var grains = restarted.Services.GetRequiredService<IGrainFactory>();
        var subscription = Assert.Single(await grains.GetGrain<G.IDeviceGrain>("my-thermostat").GetSubscriptionsAsync());
        Assert.Equal(new G.UpdateSubscription(connectorId, "my-thermostat", "my-rest-endpoint"), subscription);
        Assert.Contains(await grains.GetGrain<G.IDeviceRegistryGrain>("default").ListDiscoveredDevicesAsync(), d => d.Name == "test-discovered-device");
    }

    private IEnumerable<string> Arguments() =>
        [.. ports.ToArguments(), $"--Silo:DataDirectory={DataDirectory}", $"--DeviceRegistry:DefinitionFiles:0={DefinitionFile}"];

    private async Task<string> RunFailingAsync(params string[] extra)
    {
        string[] args = [.. ports.ToArguments(), $"--Silo:DataDirectory={DataDirectory}", .. extra];
        await using var silo = SiloProcess.Start(workingDirectory.Path, args);
        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60), Ct);
        Assert.NotEqual(0, exitCode);
        var line = Assert.Single(silo.StandardError, l => !string.IsNullOrWhiteSpace(l));
        Assert.DoesNotContain("   at ", line, StringComparison.Ordinal);
        return line;
    }

    private async Task<MqttSessionClient> ConnectAsync(string clientId)
    {
        var session = new MqttSessionClient(new MqttSessionClientOptions(), NullLoggerFactory.Instance);
        await session.ConnectAsync(new MqttConnectionSettings { HostName = "127.0.0.1", TcpPort = ports.Broker, UseTls = false, ClientId = clientId }, Ct);
        return session;
    }
}
