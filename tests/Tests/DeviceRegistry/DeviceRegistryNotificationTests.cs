using System.Collections.Concurrent;
using OrleansAio.Protocol.DeviceRegistry;
using OrleansAio.Tests.Fixtures;
using G = OrleansAio.GrainsInterfaces.DeviceRegistry;

namespace OrleansAio.Tests.DeviceRegistry;

/// <summary>
/// Update events (services.md 4.4, 4.6a) reach a connector only while its preference is On, for the device endpoint or asset it
/// asked for; runtime changes made through the grain API notify too; connectors' health reports are kept per resource.
/// </summary>
/// <remarks>
/// "No event" is asserted without waiting for time to pass: each update returns only after its events were handed to the broker,
/// so a later sentinel event, once received, proves that no event of an earlier update is still on its way.
/// </remarks>
public sealed class DeviceRegistryNotificationTests(DeviceRegistryFixture fixture) : IClassFixture<DeviceRegistryFixture>, IAsyncLifetime
{
    private readonly ConcurrentQueue<(string Device, string Endpoint, Device Value)> deviceEvents = new();
    private readonly ConcurrentQueue<(string Asset, Asset Value)> assetEvents = new();
    private AzureDeviceRegistryClient? client;
    private IAsyncDisposable? session;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private AzureDeviceRegistryClient Client => client!;

    private G.IDeviceRegistryGrain Registry => fixture.Client.GetGrain<G.IDeviceRegistryGrain>("default");

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        var (wire, mqtt) = await fixture.ConnectWireAsync(MqttTestClient.TestClientId("connector"));
        (client, session) = (wire, mqtt);
        wire.OnReceiveDeviceUpdateEventTelemetry += (device, endpoint, value) =>
        {
            deviceEvents.Enqueue((device, endpoint, value));
            return Task.CompletedTask;
        };
        wire.OnReceiveAssetUpdateEventTelemetry += (asset, value) =>
        {
            assetEvents.Enqueue((asset, value));
            return Task.CompletedTask;
        };
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (client is not null)
        {
            await client.DisposeAsync();
        }

        if (session is not null)
        {
            await session.DisposeAsync();
        }
    }

    [Fact]
    public async Task DeviceUpdateEventsArriveWhileOnForTheRequestedEndpointOnlyAndStopAfterOff()
    {
        var watched = await NewDeviceAsync("ep", "other");
        var unwatched = await NewDeviceAsync("ep");
        var ack = await Client.SetNotificationPreferenceForDeviceUpdatesAsync(watched, "ep", NotificationPreference.On, cancellationToken: Ct);
        Assert.False(string.IsNullOrEmpty(ack.ResponsePayload));

        await Client.UpdateDeviceStatusAsync(watched, "ep", new DeviceStatus { Config = new ConfigStatus { Version = 1 } }, cancellationToken: Ct);
        await MqttTestClient.WaitUntilAsync(() => deviceEvents.Any(e => e.Device == watched), "a deviceUpdateEvent for the watched device", Ct);
        var update = Assert.Single(deviceEvents, e => e.Device == watched);
        Assert.Equal("ep", update.Endpoint);
        Assert.Equal("ep", Assert.Single(update.Value.Endpoints!.Inbound!).Key);

        await Client.UpdateDeviceStatusAsync(unwatched, "ep", new DeviceStatus { Config = new ConfigStatus { Version = 1 } }, cancellationToken: Ct);
        await Client.SetNotificationPreferenceForDeviceUpdatesAsync(watched, "ep", NotificationPreference.Off, cancellationToken: Ct);
        await Client.UpdateDeviceStatusAsync(watched, "ep", new DeviceStatus { Config = new ConfigStatus { Version = 2 } }, cancellationToken: Ct);

        var sentinel = await NewDeviceAsync("ep");
        await Client.SetNotificationPreferenceForDeviceUpdatesAsync(sentinel, "ep", NotificationPreference.On, cancellationToken: Ct);
        await Client.UpdateDeviceStatusAsync(sentinel, "ep", new DeviceStatus(), cancellationToken: Ct);
        await MqttTestClient.WaitUntilAsync(() => deviceEvents.Any(e => e.Device == sentinel), "the sentinel deviceUpdateEvent", Ct);

        Assert.Single(deviceEvents, e => e.Device == watched);
        Assert.DoesNotContain(deviceEvents, e => e.Device == unwatched);
    }

    [Fact]
    public async Task ARuntimeChangeThroughTheGrainApiNotifiesTheSubscribedConnector()
    {
        var name = await NewDeviceAsync("ep");
        await Client.SetNotificationPreferenceForDeviceUpdatesAsync(name, "ep", NotificationPreference.On, cancellationToken: Ct);
        var changed = await Registry.CreateOrUpdateDeviceAsync(name, new G.Device
        {
            Manufacturer = "contoso",
            Endpoints = new G.DeviceEndpoints { Inbound = new() { ["ep"] = new G.InboundEndpoint { Address = "http://moved", EndpointType = "test" } } },
        });
        Assert.True(changed.IsSuccess, changed.Error?.Message);
        Assert.Equal(2, changed.Value!.Version);

        await MqttTestClient.WaitUntilAsync(() => deviceEvents.Any(e => e.Device == name), "a deviceUpdateEvent after the runtime change", Ct);
        var update = Assert.Single(deviceEvents, e => e.Device == name);
        Assert.Equal("http://moved", update.Value.Endpoints!.Inbound!["ep"].Address);
        Assert.Equal("contoso", update.Value.Manufacturer);
        Assert.Equal(2, update.Value.Version);
        Assert.Equal("http://moved", (await Client.GetDeviceAsync(name, "ep", cancellationToken: Ct)).Endpoints!.Inbound!["ep"].Address);
    }

    [Fact]
    public async Task AssetUpdateEventsArriveWhileOnAndStopAfterOff()
    {
        var (device, asset) = await NewAssetAsync();
        await Client.SetNotificationPreferenceForAssetUpdatesAsync(device, "ep", asset, NotificationPreference.On, cancellationToken: Ct);
        await Client.UpdateAssetStatusAsync(device, "ep", new UpdateAssetStatusRequest { AssetName = asset, AssetStatus = new AssetStatus() }, cancellationToken: Ct);
        await MqttTestClient.WaitUntilAsync(() => assetEvents.Any(e => e.Asset == asset), "an assetUpdateEvent", Ct);
        Assert.Equal("ds", Assert.Single(assetEvents, e => e.Asset == asset).Value.Datasets![0].Name);

        var changed = await Registry.CreateOrUpdateAssetAsync(asset, new G.Asset
        {
            DeviceRef = new G.AssetDeviceRef { DeviceName = device, EndpointName = "ep" },
            Datasets = [new G.AssetDataset { Name = "ds" }, new G.AssetDataset { Name = "added" }],
        });
        Assert.True(changed.IsSuccess, changed.Error?.Message);
        await MqttTestClient.WaitUntilAsync(() => assetEvents.Count(e => e.Asset == asset) == 2, "an assetUpdateEvent after the runtime change", Ct);
        Assert.Equal(["ds", "added"], assetEvents.Last(e => e.Asset == asset).Value.Datasets!.Select(d => d.Name));

        await Client.SetNotificationPreferenceForAssetUpdatesAsync(device, "ep", asset, NotificationPreference.Off, cancellationToken: Ct);
        await Client.UpdateAssetStatusAsync(device, "ep", new UpdateAssetStatusRequest { AssetName = asset, AssetStatus = new AssetStatus() }, cancellationToken: Ct);

        var (sentinelDevice, sentinel) = await NewAssetAsync();
        await Client.SetNotificationPreferenceForAssetUpdatesAsync(sentinelDevice, "ep", sentinel, NotificationPreference.On, cancellationToken: Ct);
        await Client.UpdateAssetStatusAsync(sentinelDevice, "ep", new UpdateAssetStatusRequest { AssetName = sentinel, AssetStatus = new AssetStatus() }, cancellationToken: Ct);
        await MqttTestClient.WaitUntilAsync(() => assetEvents.Any(e => e.Asset == sentinel), "the sentinel assetUpdateEvent", Ct);
        Assert.Equal(2, assetEvents.Count(e => e.Asset == asset));
    }

    [Fact]
    public async Task APreferenceForAnUnknownDeviceOrAssetIsRefused()
    {
        var device = await Assert.ThrowsAsync<AkriServiceErrorException>(() =>
            Client.SetNotificationPreferenceForDeviceUpdatesAsync("no-such-device", "ep", NotificationPreference.On, cancellationToken: Ct));
        Assert.Equal(AkriServiceErrorCode.KubeError, device.Code);
        var asset = await Assert.ThrowsAsync<AkriServiceErrorException>(() =>
            Client.SetNotificationPreferenceForAssetUpdatesAsync("my-thermostat", "my-rest-endpoint", "no-such-asset", NotificationPreference.On, cancellationToken: Ct));
        Assert.Equal(AkriServiceErrorCode.KubeError, asset.Code);
    }

    [Fact]
    public async Task HealthReportsAreKeptAsTheLatestHealthPerResource()
    {
        var (device, asset) = await NewAssetAsync();
        var now = DateTimeOffset.UtcNow;
        RuntimeHealth Health(long version, HealthStatus status) => new() { Version = version, Status = status, LastUpdateTime = now, ReasonCode = "Checked", Message = "m" };
        await Client.ReportDeviceEndpointRuntimeHealthAsync(device, "ep", Health(1, HealthStatus.Available), cancellationToken: Ct);
        await Client.ReportDatasetRuntimeHealthAsync(device, "ep", asset, [new DatasetRuntimeHealth { DatasetName = "ds", RuntimeHealth = Health(1, HealthStatus.Unavailable) }], cancellationToken: Ct);
        await Client.ReportEventRuntimeHealthAsync(device, "ep", asset, [new EventRuntimeHealth { EventGroupName = "g", EventName = "e", RuntimeHealth = Health(1, HealthStatus.Available) }], cancellationToken: Ct);
        await Client.ReportStreamRuntimeHealthAsync(device, "ep", asset, [new StreamRuntimeHealth { StreamName = "s", RuntimeHealth = Health(1, HealthStatus.Available) }], cancellationToken: Ct);
        await Client.ReportManagementActionRuntimeHealthAsync(
            device, "ep", asset, [new ManagementActionRuntimeHealth { ManagementGroupName = "m", ManagementActionName = "a", RuntimeHealth = Health(1, HealthStatus.Available) }], cancellationToken: Ct);

        var deviceGrain = fixture.Client.GetGrain<G.IDeviceGrain>(device);
        var assetGrain = fixture.Client.GetGrain<G.IAssetGrain>(asset);
        G.DeviceEntry? deviceEntry = null;
        G.AssetEntry? assetEntry = null;
        await WaitForAsync(async () => (deviceEntry = await deviceGrain.GetEntryAsync())!.EndpointHealth.ContainsKey("ep"), "the endpoint health");
        await WaitForAsync(
            async () =>
            {
                var health = (assetEntry = await assetGrain.GetEntryAsync())!.Health;
                return health.Datasets.Count == 1 && health.Events.Count == 1 && health.Streams.Count == 1 && health.ManagementActions.Count == 1;
            },
            "the asset health");
        Assert.Equal(G.HealthStatus.Available, deviceEntry!.EndpointHealth["ep"].Status);
        Assert.Equal("Checked", deviceEntry.EndpointHealth["ep"].ReasonCode);
        Assert.Equal(G.HealthStatus.Unavailable, assetEntry!.Health.Datasets["ds"].Status);
        Assert.True(assetEntry.Health.Events.ContainsKey("g/e"));
        Assert.True(assetEntry.Health.ManagementActions.ContainsKey("m/a"));

        // ADR 28: a report with an older version or an older timestamp never replaces a newer one.
        var newer = new G.RuntimeHealth { Version = 5, Status = G.HealthStatus.Unavailable, LastUpdateTime = now };
        Assert.True((await deviceGrain.ReportEndpointHealthAsync("ep", newer)).Value);
        Assert.False((await deviceGrain.ReportEndpointHealthAsync("ep", newer with { Version = 4, LastUpdateTime = now.AddMinutes(1) })).Value);
        Assert.False((await deviceGrain.ReportEndpointHealthAsync("ep", newer with { Status = G.HealthStatus.Available, LastUpdateTime = now.AddMinutes(-1) })).Value);
        Assert.Equal(G.HealthStatus.Unavailable, (await deviceGrain.GetEntryAsync())!.EndpointHealth["ep"].Status);
        Assert.Equal(G.DeviceRegistryErrorCode.KubeError, (await deviceGrain.ReportEndpointHealthAsync("no-such-endpoint", newer)).Error!.Code);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        using var guard = new CancellationTokenSource(MqttTestClient.HangGuard, TimeProvider.System);
        while (!await condition())
        {
            if (guard.IsCancellationRequested)
            {
                Assert.Fail($"Gave up waiting (hang guard {MqttTestClient.HangGuard.TotalSeconds} s) for: {what}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System, Ct);
        }
    }

    private async Task<string> NewDeviceAsync(params string[] endpoints)
    {
        var name = $"device-{Guid.NewGuid():N}";
        var inbound = endpoints.ToDictionary(e => e, e => new G.InboundEndpoint { Address = $"http://{e}", EndpointType = "test" });
        var result = await Registry.CreateOrUpdateDeviceAsync(name, new G.Device { Endpoints = new G.DeviceEndpoints { Inbound = inbound } });
        Assert.True(result.IsSuccess, result.Error?.Message);
        return name;
    }

    private async Task<(string Device, string Asset)> NewAssetAsync()
    {
        var device = await NewDeviceAsync("ep");
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

/// <summary>
/// The flow of the public SDK's <c>AzureDeviceRegistryClientIntegrationTests</c> (services.md 4.6a), with its connector client id,
/// devices, endpoints and discovery name, against the silos' wire endpoint.
/// </summary>
public sealed class DeviceRegistrySdkScenarioTests(DeviceRegistryFixture fixture) : IClassFixture<DeviceRegistryFixture>
{
    [Fact]
    public async Task TheSdkIntegrationFlowPasses()
    {
        var ct = TestContext.Current.CancellationToken;
        var (client, session) = await fixture.ConnectWireAsync(DeviceRegistryFixture.SdkConnectorClientId);
        await using var sessionScope = session;
        await using var clientScope = client;
        var events = new ConcurrentQueue<(string Device, string Endpoint)>();
        client.OnReceiveDeviceUpdateEventTelemetry += (device, endpoint, _) =>
        {
            events.Enqueue((device, endpoint));
            return Task.CompletedTask;
        };

        Assert.Single((await client.GetDeviceAsync("my-thermostat", "my-rest-endpoint", cancellationToken: ct)).Endpoints!.Inbound!);
        Assert.Equal(AkriServiceErrorCode.KubeError,
            (await Assert.ThrowsAsync<AkriServiceErrorException>(() => client.GetDeviceAsync("unknown-device", "my-rest-endpoint", cancellationToken: ct))).Code);

        var now = DateTime.UtcNow;
        var withError = await client.UpdateDeviceStatusAsync(
            "test-thermostat", "my-rest-endpoint",
            new DeviceStatus { Config = new ConfigStatus { Version = 3, LastTransitionTime = now, Error = new ConfigError { Code = "some-code", Message = "some-message" } } },
            cancellationToken: ct);
        Assert.Equal(now, withError.Config!.LastTransitionTime);
        Assert.Equal("some-code", withError.Config.Error!.Code);
        var cleared = await client.UpdateDeviceStatusAsync(
            "test-thermostat", "my-rest-endpoint", new DeviceStatus { Config = new ConfigStatus { Version = 3, LastTransitionTime = now } }, cancellationToken: ct);
        Assert.Null(cleared.Config!.Error);

        await client.SetNotificationPreferenceForDeviceUpdatesAsync("my-thermostat", "my-rest-endpoint", NotificationPreference.On, cancellationToken: ct);
        await client.UpdateDeviceStatusAsync("my-thermostat", "my-rest-endpoint", new DeviceStatus { Config = new ConfigStatus { Version = 2, LastTransitionTime = now } }, cancellationToken: ct);
        await MqttTestClient.WaitUntilAsync(() => events.Contains(("my-thermostat", "my-rest-endpoint")), "the deviceUpdateEvent within the SDK's 5 s", ct);
        Assert.DoesNotContain(events, e => e.Device == "test-thermostat");

        var discovered = await client.CreateOrUpdateDiscoveredDeviceAsync(
            new CreateOrUpdateDiscoveredDeviceRequestSchema
            {
                DiscoveredDeviceName = "test-discovered-device",
                DiscoveredDevice = new DiscoveredDevice
                {
                    Endpoints = new DiscoveredDeviceEndpoints
                    {
                        Inbound = new() { ["my-rest-endpoint"] = new DiscoveredInboundEndpoint { Address = "http://rest", EndpointType = "rest-thermostat" } },
                    },
                },
            },
            "rest-thermostat",
            cancellationToken: ct);
        Assert.Equal("test-discovered-device", discovered.DiscoveryId);
    }
}
