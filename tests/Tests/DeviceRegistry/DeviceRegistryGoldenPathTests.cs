using OrleansAio.Client.DeviceRegistry;
using OrleansAio.Grains.DeviceRegistry;
using OrleansAio.Protocol.DeviceRegistry;
using OrleansAio.Tests.Fixtures;
using G = OrleansAio.GrainsInterfaces.DeviceRegistry;

namespace OrleansAio.Tests.DeviceRegistry;

/// <summary>
/// The golden path of the device registry, written once against <see cref="IDeviceRegistryClient"/> and run on both access paths
/// (grain calls and the wire client through the silos' broker), with the behaviour §4.6a requires of the server.
/// </summary>
public abstract class DeviceRegistryGoldenPathTests(DeviceRegistryFixture fixture) : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> owned = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The fixture.</summary>
    protected DeviceRegistryFixture Fixture { get; } = fixture;

    /// <inheritdoc />
    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var item in owned)
        {
            await item.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task GetDeviceReturnsTheDeviceWithOnlyTheNamedEndpoint()
    {
        var client = await ClientAsync();
        var device = await client.GetDeviceAsync("my-thermostat", "my-rest-endpoint", cancellationToken: Ct);

        var endpoint = Assert.Single(device.Endpoints!.Inbound!);
        Assert.Equal("my-rest-endpoint", endpoint.Key);
        Assert.Equal("rest-thermostat", endpoint.Value.EndpointType);
        Assert.Equal("""{"key1": "value1", "nested": {"key2": 2}}""", endpoint.Value.AdditionalConfiguration);
        Assert.Equal(AuthenticationMethod.UsernamePassword, endpoint.Value.Authentication!.Method);
        Assert.Equal("rest-server-auth-creds/password", endpoint.Value.Authentication.UsernamePasswordCredentials!.PasswordSecretName);
        Assert.Equal("thermostat", device.Attributes!["deviceType"]);
        Assert.True(device.Enabled);
        Assert.Equal(2, device.Version);
        Assert.Equal("1234-5678-9012-3456", device.Uuid);

        var coap = Assert.Single((await client.GetDeviceAsync("my-thermostat", "my-coap-endpoint", cancellationToken: Ct)).Endpoints!.Inbound!).Value;
        Assert.Equal(AuthenticationMethod.Certificate, coap.Authentication!.Method);
        Assert.Equal("coap-cert", coap.Authentication.X509Credentials!.CertificateSecretName);
        Assert.Equal("coap-trust", coap.TrustSettings!.TrustList);
    }

    [Fact]
    public async Task AnUnknownDeviceOrEndpointIsAKubeError()
    {
        var client = await ClientAsync();
        var unknown = await Assert.ThrowsAsync<AkriServiceErrorException>(() => client.GetDeviceAsync("no-such-device", "my-rest-endpoint", cancellationToken: Ct));
        Assert.Equal(AkriServiceErrorCode.KubeError, unknown.Code);
        Assert.Contains("no-such-device", unknown.Error.Message, StringComparison.Ordinal);

        var endpoint = await Assert.ThrowsAsync<AkriServiceErrorException>(() => client.GetDeviceAsync("my-thermostat", "no-such-endpoint", cancellationToken: Ct));
        Assert.Equal(AkriServiceErrorCode.KubeError, endpoint.Code);
        Assert.Contains("no-such-endpoint", endpoint.Error.Message, StringComparison.Ordinal);

        var status = await Assert.ThrowsAsync<AkriServiceErrorException>(() => client.UpdateDeviceStatusAsync("no-such-device", "e", new DeviceStatus(), cancellationToken: Ct));
        Assert.Equal(AkriServiceErrorCode.KubeError, status.Code);
    }

    [Fact]
    public async Task UpdateDeviceStatusStoresTheStatusAndAnOmittedErrorIsGone()
    {
        var client = await ClientAsync();
        var name = await NewDeviceAsync();
        var transition = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
        var withError = new DeviceStatus
        {
            Config = new ConfigStatus { Version = 1, LastTransitionTime = transition, Error = new ConfigError { Code = "500", Message = "broken" } },
            Endpoints = new DeviceStatusEndpoints { Inbound = new() { ["ep"] = new DeviceStatusInboundEndpoint { Error = new ConfigError { Message = "unreachable" } } } },
        };
        var stored = await client.UpdateDeviceStatusAsync(name, "ep", withError, cancellationToken: Ct);
        Assert.Equal(transition, stored.Config!.LastTransitionTime);
        Assert.Equal("broken", stored.Config.Error!.Message);
        Assert.Equal("unreachable", stored.Endpoints!.Inbound!["ep"].Error!.Message);
        Assert.Equal("broken", (await client.GetDeviceStatusAsync(name, "ep", cancellationToken: Ct)).Config!.Error!.Message);

        var cleared = await client.UpdateDeviceStatusAsync(name, "ep", new DeviceStatus { Config = new ConfigStatus { Version = 2, LastTransitionTime = transition } }, cancellationToken: Ct);
        Assert.Null(cleared.Config!.Error);
        Assert.Null(cleared.Endpoints);
        var read = await client.GetDeviceStatusAsync(name, "ep", cancellationToken: Ct);
        Assert.Null(read.Config!.Error);
        Assert.Equal(2, read.Config.Version);
    }

    [Fact]
    public async Task AnEndpointStatusReplacesOnlyThatEndpointsEntry()
    {
        var client = await ClientAsync();
        var name = await NewDeviceAsync("ep", "other");
        static DeviceStatus ErrorOn(string endpoint, string message) => new()
        {
            Endpoints = new DeviceStatusEndpoints { Inbound = new() { [endpoint] = new DeviceStatusInboundEndpoint { Error = new ConfigError { Message = message } } } },
        };
        await client.UpdateDeviceStatusAsync(name, "ep", ErrorOn("ep", "first"), cancellationToken: Ct);
        var other = await client.UpdateDeviceStatusAsync(name, "other", ErrorOn("other", "second"), cancellationToken: Ct);

        Assert.Equal("second", Assert.Single(other.Endpoints!.Inbound!).Value.Error!.Message);
        Assert.Equal("first", Assert.Single((await client.GetDeviceStatusAsync(name, "ep", cancellationToken: Ct)).Endpoints!.Inbound!).Value.Error!.Message);
        var entry = (await client.ListDevicesAsync(cancellationToken: Ct)).Single(d => d.DeviceName == name);
        Assert.Equal(["ep", "other"], entry.Status!.Endpoints!.Inbound!.Keys.Order());
    }

    [Fact]
    public async Task GetAssetReturnsTheAssetOfTheDeviceEndpoint()
    {
        var client = await ClientAsync();
        var asset = await client.GetAssetAsync("my-thermostat", "my-rest-endpoint", "my-rest-thermostat-asset", cancellationToken: Ct);
        var dataset = Assert.Single(asset.Datasets!);
        Assert.Equal("thermostat_status", dataset.Name);
        Assert.Equal(["currentTemperature", "desiredTemperature"], dataset.DataPoints!.Select(p => p.Name));
        Assert.Equal("Mqtt", dataset.Destinations![0].Target);
        Assert.Equal("mqtt/machine/status", dataset.Destinations[0].Configuration.Topic);
        Assert.Equal("""{"samplingInterval": 4000}""", asset.DefaultDatasetsConfiguration);
        Assert.Equal(6, asset.Version);
        Assert.Equal("my-thermostat", asset.DeviceRef.DeviceName);

        var unknown = await Assert.ThrowsAsync<AkriServiceErrorException>(() => client.GetAssetAsync("my-thermostat", "my-rest-endpoint", "no-such-asset", cancellationToken: Ct));
        Assert.Equal(AkriServiceErrorCode.KubeError, unknown.Code);
        var otherDevice = await Assert.ThrowsAsync<AkriServiceErrorException>(() => client.GetAssetAsync("test-thermostat", "my-rest-endpoint", "my-rest-thermostat-asset", cancellationToken: Ct));
        Assert.Equal(AkriServiceErrorCode.KubeError, otherDevice.Code);
    }

    [Fact]
    public async Task UpdateAssetStatusReplacesTheStoredStatus()
    {
        var client = await ClientAsync();
        var (device, asset) = await NewAssetAsync();
        var full = new AssetStatus
        {
            Config = new ConfigStatus { Version = 4, Error = new ConfigError { Code = "400", Message = "bad dataset" } },
            Datasets =
            [
                new AssetDatasetEventStreamStatus
                {
                    Name = "ds",
                    MessageSchemaReference = new MessageSchemaReference { SchemaName = "s", SchemaRegistryNamespace = "ns", SchemaVersion = "1" },
                },
            ],
        };
        var stored = await client.UpdateAssetStatusAsync(device, "ep", new UpdateAssetStatusRequest { AssetName = asset, AssetStatus = full }, cancellationToken: Ct);
        Assert.Equal("bad dataset", stored.Config!.Error!.Message);
        Assert.Equal("s", stored.Datasets![0].MessageSchemaReference!.SchemaName);

        var replaced = await client.UpdateAssetStatusAsync(
            device, "ep", new UpdateAssetStatusRequest { AssetName = asset, AssetStatus = new AssetStatus { Config = new ConfigStatus { Version = 5 } } }, cancellationToken: Ct);
        Assert.Null(replaced.Config!.Error);
        Assert.Null(replaced.Datasets);
        var read = await client.GetAssetStatusAsync(device, "ep", asset, cancellationToken: Ct);
        Assert.Equal(5, read.Config!.Version);
        Assert.Null(read.Datasets);

        var unknown = await Assert.ThrowsAsync<AkriServiceErrorException>(() => client.UpdateAssetStatusAsync(
            device, "ep", new UpdateAssetStatusRequest { AssetName = "no-such-asset", AssetStatus = new AssetStatus() }, cancellationToken: Ct));
        Assert.Equal(AkriServiceErrorCode.KubeError, unknown.Code);
    }

    [Fact]
    public async Task ADiscoveredDeviceIsKeptUnderItsNameAndItsVersionGrowsWhenItChanges()
    {
        var client = await ClientAsync();
        var name = $"discovered-{Guid.NewGuid():N}";
        var request = new CreateOrUpdateDiscoveredDeviceRequestSchema
        {
            DiscoveredDeviceName = name,
            DiscoveredDevice = new DiscoveredDevice
            {
                Manufacturer = "contoso",
                Endpoints = new DiscoveredDeviceEndpoints
                {
                    Inbound = new() { ["opc"] = new DiscoveredInboundEndpoint { Address = "opc.tcp://10.0.0.1:4840", EndpointType = "Microsoft.OpcUa", SupportedAuthenticationMethods = ["Anonymous"] } },
                },
            },
        };
        var first = await client.CreateOrUpdateDiscoveredDeviceAsync(request, "Microsoft.OpcUa", cancellationToken: Ct);
        Assert.Equal(name, first.DiscoveryId);
        var same = await client.CreateOrUpdateDiscoveredDeviceAsync(request, "Microsoft.OpcUa", cancellationToken: Ct);
        Assert.Equal(first.Version, same.Version);
        var changed = await client.CreateOrUpdateDiscoveredDeviceAsync(
            request with { DiscoveredDevice = request.DiscoveredDevice with { Model = "x2" } }, "Microsoft.OpcUa", cancellationToken: Ct);
        Assert.Equal(first.Version + 1, changed.Version);

        var kept = Assert.Single(await Registry.ListDiscoveredDevicesAsync(), d => d.Name == name);
        Assert.Equal("x2", kept.Device.Model);
        Assert.Equal("Microsoft.OpcUa", kept.InboundEndpointType);
    }

    [Fact]
    public async Task ADiscoveredAssetGetsADiscoveryId()
    {
        var client = await ClientAsync();
        var name = $"discovered-asset-{Guid.NewGuid():N}";
        var response = await client.CreateOrUpdateDiscoveredAssetAsync(
            "my-thermostat",
            "my-rest-endpoint",
            new CreateOrUpdateDiscoveredAssetRequest
            {
                DiscoveredAssetName = name,
                DiscoveredAsset = new DiscoveredAsset
                {
                    DeviceRef = new AssetDeviceRef { DeviceName = "my-thermostat", EndpointName = "my-rest-endpoint" },
                    Datasets = [new AssetDataset { Name = "found", LastUpdatedOn = DateTimeOffset.UnixEpoch }],
                },
            },
            cancellationToken: Ct);
        Assert.False(string.IsNullOrEmpty(response.DiscoveryId));
        Assert.Equal(1, response.Version);
        var kept = Assert.Single(await Registry.ListDiscoveredAssetsAsync(), a => a.Name == response.DiscoveryId);
        Assert.Equal("found", kept.Asset.Datasets![0].Name);
        Assert.Equal("my-rest-endpoint", kept.InboundEndpointName);
    }

    [Fact]
    public async Task ListingShowsTheStartUpDefinitionsAndFiltersAssetsByDevice()
    {
        var client = await ClientAsync();
        var devices = await client.ListDevicesAsync(cancellationToken: Ct);
        Assert.Contains(devices, d => d.DeviceName == "my-thermostat" && d.Device.Endpoints!.Inbound!.Count == 2);
        Assert.Contains(devices, d => d.DeviceName == "test-thermostat" && d.Device.Version == 3);
        Assert.Equal(devices.Select(d => d.DeviceName).Order(StringComparer.Ordinal), devices.Select(d => d.DeviceName));

        Assert.Contains(await client.ListAssetsAsync("my-thermostat", cancellationToken: Ct), a => a.AssetName == "my-rest-thermostat-asset");
        Assert.DoesNotContain(await client.ListAssetsAsync("test-thermostat", cancellationToken: Ct), a => a.AssetName == "my-rest-thermostat-asset");
    }

    /// <summary>Creates the access path's client.</summary>
    /// <returns>The client (disposed by the caller's owner list).</returns>
    protected abstract Task<IDeviceRegistryClient> CreateClientAsync();

    /// <summary>Remembers something to dispose after the test.</summary>
    /// <param name="item">The item.</param>
    protected void Own(IAsyncDisposable item) => owned.Insert(0, item);

    private G.IDeviceRegistryGrain Registry => Fixture.Client.GetGrain<G.IDeviceRegistryGrain>("default");

    private async Task<IDeviceRegistryClient> ClientAsync()
    {
        var client = await CreateClientAsync();
        Own(client);
        return client;
    }

    private async Task<string> NewDeviceAsync(params string[] endpoints)
    {
        var name = $"device-{Guid.NewGuid():N}";
        var inbound = (endpoints.Length == 0 ? ["ep"] : endpoints).ToDictionary(e => e, e => new G.InboundEndpoint { Address = $"http://{e}", EndpointType = "test" });
        var result = await Registry.CreateOrUpdateDeviceAsync(name, new G.Device { Endpoints = new G.DeviceEndpoints { Inbound = inbound } });
        Assert.True(result.IsSuccess, result.Error?.Message);
        return name;
    }

    private async Task<(string Device, string Asset)> NewAssetAsync()
    {
        var device = await NewDeviceAsync();
        var asset = $"asset-{Guid.NewGuid():N}";
        var result = await Registry.CreateOrUpdateAssetAsync(asset, new G.Asset
        {
            DeviceRef = new G.AssetDeviceRef { DeviceName = device, EndpointName = "ep" },
            Datasets = [new G.AssetDataset { Name = "ds" }],
        });
        Assert.True(result.IsSuccess, result.Error?.Message);
        return (device, asset);
    }
}

/// <summary>The golden path through grain calls (<see cref="ClusterDeviceRegistryClient"/>).</summary>
public sealed class GrainDeviceRegistryGoldenPathTests(DeviceRegistryFixture fixture) : DeviceRegistryGoldenPathTests(fixture), IClassFixture<DeviceRegistryFixture>
{
    /// <inheritdoc />
    protected override Task<IDeviceRegistryClient> CreateClientAsync() =>
        Task.FromResult<IDeviceRegistryClient>(new ClusterDeviceRegistryClient(Fixture.Client));
}

/// <summary>The golden path over MQTT (<see cref="AzureDeviceRegistryClient"/> through the embedded broker).</summary>
public sealed class WireDeviceRegistryGoldenPathTests(DeviceRegistryFixture fixture) : DeviceRegistryGoldenPathTests(fixture), IClassFixture<DeviceRegistryFixture>
{
    /// <inheritdoc />
    protected override async Task<IDeviceRegistryClient> CreateClientAsync()
    {
        var (client, session) = await Fixture.ConnectWireAsync(MqttTestClient.TestClientId("connector"));
        Own(session);
        return client;
    }
}
