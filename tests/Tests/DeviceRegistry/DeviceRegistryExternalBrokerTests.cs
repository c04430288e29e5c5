using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Connection;
using OrleansAio.Protocol.DeviceRegistry;
using OrleansAio.Protocol.Session;
using OrleansAio.Silo.Hosting;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.DeviceRegistry;

/// <summary>With a third-party broker (Mosquitto) the registry serves through a real shared subscription and publishes update events normally.</summary>
public sealed class DeviceRegistryExternalBrokerTests : IDisposable
{
    private readonly TempDirectory workingDirectory = new("device-registry-external");
    private readonly SiloPorts ports = new();

    public void Dispose() => workingDirectory.Dispose();

    [Fact]
    public async Task TheWireClientWorksThroughMosquitto()
    {
        if (!MosquittoBroker.IsInstalled)
        {
            Assert.Skip(MosquittoBroker.SkipMessage);
        }

        var ct = TestContext.Current.CancellationToken;
        var definitions = Path.Combine(workingDirectory.Path, "devices.yaml");
        await File.WriteAllTextAsync(definitions, DeviceRegistryFixture.DefinitionYaml, ct);
        await using var mosquitto = await MosquittoBroker.StartAsync(ct);
        var settings = ports.ToConfiguration();
        settings["Silo:DataDirectory"] = Path.Combine(workingDirectory.Path, "data");
        settings["Logging:LogLevel:Default"] = "Warning";
        settings["ConnectionStrings:Mqtt"] = $"HostName=127.0.0.1;TcpPort={mosquitto.Port};UseTls=false";
        settings["DeviceRegistry:DefinitionFiles:0"] = definitions;
        await using var silo = await SiloApplication.StartAsync([], configuration => configuration.AddInMemoryCollection(settings), ct);
        Assert.Null(silo.EmbeddedBroker);

        await using var session = new MqttSessionClient(new MqttSessionClientOptions(), NullLoggerFactory.Instance);
        await session.ConnectAsync(new MqttConnectionSettings { HostName = "127.0.0.1", TcpPort = mosquitto.Port, UseTls = false, ClientId = MqttTestClient.TestClientId("connector") }, ct);
        await using var client = new AzureDeviceRegistryClient(new ApplicationContext(), session);
        var events = new ConcurrentQueue<string>();
        client.OnReceiveAssetUpdateEventTelemetry += (asset, _) =>
        {
            events.Enqueue(asset);
            return Task.CompletedTask;
        };

        Assert.Single((await client.GetDeviceAsync("my-thermostat", "my-coap-endpoint", cancellationToken: ct)).Endpoints!.Inbound!);
        await client.SetNotificationPreferenceForAssetUpdatesAsync("my-thermostat", "my-rest-endpoint", "my-rest-thermostat-asset", NotificationPreference.On, cancellationToken: ct);
        var status = await client.UpdateAssetStatusAsync(
            "my-thermostat", "my-rest-endpoint",
            new UpdateAssetStatusRequest { AssetName = "my-rest-thermostat-asset", AssetStatus = new AssetStatus { Config = new ConfigStatus { Version = 6 } } },
            cancellationToken: ct);
        Assert.Equal(6, status.Config!.Version);
        await MqttTestClient.WaitUntilAsync(() => events.Contains("my-rest-thermostat-asset"), "the assetUpdateEvent through Mosquitto", ct);
        Assert.Contains(await client.ListAssetsAsync(cancellationToken: ct), a => a.AssetName == "my-rest-thermostat-asset" && a.Status?.Config?.Version == 6);
    }
}
