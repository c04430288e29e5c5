using System.Text;
using System.Text.Json;
using OrleansAio.Abstractions.Common;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.DeviceRegistry;
using OrleansAio.Protocol.Rpc;
using OrleansAio.Protocol.Serialization;
using OrleansAio.Protocol.Session;
using OrleansAio.Silo.DeviceRegistry;
using OrleansAio.Tests.Fixtures;
using G = OrleansAio.GrainsInterfaces.DeviceRegistry;

namespace OrleansAio.Tests.DeviceRegistry;

/// <summary>
/// Bad requests get the ADR error object (<c>{command}Error</c> with the code and a message naming what is wrong) in a normal
/// response, and never take the registry down: a good request after each bad one is still served.
/// </summary>
public sealed class DeviceRegistryBadInputTests(DeviceRegistryFixture fixture) : IClassFixture<DeviceRegistryFixture>, IAsyncLifetime
{
    private const string Device = "my-thermostat";
    private const string Endpoint = "my-rest-endpoint";
    private readonly ApplicationContext context = new();
    private MqttSessionClient? session;
    private AzureDeviceRegistryClient? client;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string, string, string> BadPayloads => new()
    {
        { DeviceRegistryTopics.GetAsset, "{not json", "SerializationError", "invalid" },
        { DeviceRegistryTopics.GetAsset, """{"assetName": 42}""", "SerializationError", "$.assetName" },
        { DeviceRegistryTopics.GetAsset, "{}", "BadRequest", "assetName" },
        { DeviceRegistryTopics.GetAsset, "null", "BadRequest", "JSON null" },
        { DeviceRegistryTopics.GetAsset, "", "BadRequest", "empty payload" },
        { DeviceRegistryTopics.UpdateDeviceStatus, """{"deviceStatusUpdate": {"config": {"version": "one"}}}""", "SerializationError", "$.deviceStatusUpdate.config.version" },
        { DeviceRegistryTopics.UpdateDeviceStatus, """{"status": {}}""", "BadRequest", "deviceStatusUpdate" },
        { DeviceRegistryTopics.UpdateAssetStatus, """{"assetStatusUpdate": {"assetStatus": {}}}""", "BadRequest", "assetName" },
        { DeviceRegistryTopics.SetNotificationPreferenceForDeviceUpdates, """{"notificationPreferenceRequest": "Maybe"}""", "SerializationError", "notificationPreferenceRequest" },
        { DeviceRegistryTopics.SetNotificationPreferenceForAssetUpdates, """{"notificationPreferenceRequest": {"assetName": "", "notificationPreference": "On"}}""", "BadRequest", "assetName" },
        { DeviceRegistryTopics.CreateOrUpdateDiscoveredAsset, """{"discoveredAssetRequest": {"discoveredAssetName": "x", "discoveredAsset": {}}}""", "BadRequest", "deviceRef" },
        { DeviceRegistryTopics.CreateOrUpdateDiscoveredAsset, """{"discoveredAssetRequest": {"discoveredAssetName": " ", "discoveredAsset": {"deviceRef": {"deviceName": "d", "endpointName": "e"}}}}""", "BadRequest", "discoveredAssetName" },
    };

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        session = new MqttSessionClient(new MqttSessionClientOptions(), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        await session.ConnectAsync(fixture.MqttSettings(MqttTestClient.TestClientId("raw")), Ct);
        client = new AzureDeviceRegistryClient(context, session);
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

    [Theory]
    [MemberData(nameof(BadPayloads))]
    public async Task ABadRequestGetsTheAdrErrorNamingWhatIsWrong(string command, string payload, string code, string named)
    {
        var error = await SendAsync(command, Encoding.UTF8.GetBytes(payload));
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Contains(named, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.True(error.TryGetProperty("timestamp", out _));
        await StillServesAsync();
    }

    [Fact]
    public async Task AnOversizedPayloadIsRefusedNamingTheLimit()
    {
        var big = JsonSerializer.SerializeToUtf8Bytes(new { assetName = new string('a', 1024 * 1024 + 10) });
        var error = await SendAsync(DeviceRegistryTopics.GetAsset, big);
        Assert.Equal("BadRequest", error.GetProperty("code").GetString());
        Assert.Contains("DeviceRegistry:MaxPayloadBytes", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        await StillServesAsync();
    }

    [Fact]
    public async Task AWrongContentTypeIsRefusedByTheRpcLayer()
    {
        await using var invoker = new CommandInvoker<byte[], byte[]>(context, session!, DeviceRegistryTopics.GetAsset, new RawPayloadSerializer())
        {
            RequestTopicPattern = DeviceRegistryTopics.CommandTopic(DeviceRegistryTopics.GetAsset),
        };
        var refused = await Assert.ThrowsAsync<AioProtocolException>(() => invoker.InvokeCommandAsync("{}"u8.ToArray(), null, Tokens(), cancellationToken: Ct));
        Assert.Equal(AioErrorKind.HeaderInvalid, refused.Kind);
        Assert.Equal("Content Type", refused.HeaderName);
        await StillServesAsync();
    }

    [Fact]
    public async Task MalformedHealthEventsAreDroppedAndTheNextGoodOneIsKept()
    {
        await using var sender = new OrleansAio.Protocol.Telemetry.TelemetrySender<byte[]>(context, session!, JsonBytesSerializer.Instance)
        {
            TopicPattern = DeviceRegistryTopics.TelemetryTopic(DeviceRegistryTopics.DeviceEndpointRuntimeHealthEvent),
        };
        var tokens = Tokens();
        foreach (var bad in new[] { "{oops", """{"deviceEndpointRuntimeHealthEvent": {"runtimeHealth": {"version": "x"}}}""", "null", "[]" })
        {
            await sender.SendTelemetryAsync(Encoding.UTF8.GetBytes(bad), tokens, cancellationToken: Ct);
        }

        await sender.SendTelemetryAsync(new byte[1024 * 1024 + 1], tokens, cancellationToken: Ct);
        var health = new RuntimeHealth { Version = 7, Status = HealthStatus.Available, LastUpdateTime = DateTimeOffset.UtcNow };
        await client!.ReportDeviceEndpointRuntimeHealthAsync(Device, Endpoint, health, cancellationToken: Ct);
        var grain = fixture.Client.GetGrain<G.IDeviceGrain>(Device);
        using var guard = new CancellationTokenSource(MqttTestClient.HangGuard, TimeProvider.System);
        while ((await grain.GetEntryAsync())!.EndpointHealth.GetValueOrDefault(Endpoint)?.Version != 7)
        {
            Assert.False(guard.IsCancellationRequested, "the good health report never arrived");
            await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System, Ct);
        }

        await StillServesAsync();
    }

    [Fact]
    public async Task TheGrainApiRefusesBadDefinitionsNamingTheField()
    {
        var registry = fixture.Client.GetGrain<G.IDeviceRegistryGrain>("default");
        var badName = await registry.CreateOrUpdateDeviceAsync("Bad_Name", new G.Device());
        Assert.Equal(G.DeviceRegistryErrorCode.BadRequest, badName.Error!.Code);
        Assert.Contains("Bad_Name", badName.Error.Message, StringComparison.Ordinal);

        var noAddress = await registry.CreateOrUpdateDeviceAsync("no-address", new G.Device
        {
            Endpoints = new G.DeviceEndpoints { Inbound = new() { ["ep"] = new G.InboundEndpoint { EndpointType = "t" } } },
        });
        Assert.Contains("'address'", noAddress.Error!.Message, StringComparison.Ordinal);

        var orphan = await registry.CreateOrUpdateAssetAsync("orphan", new G.Asset { DeviceRef = new G.AssetDeviceRef { DeviceName = "no-such-device", EndpointName = "ep" } });
        Assert.Contains("deviceRef.deviceName", orphan.Error!.Message, StringComparison.Ordinal);
        var wrongEndpoint = await registry.CreateOrUpdateAssetAsync("wrong-endpoint", new G.Asset { DeviceRef = new G.AssetDeviceRef { DeviceName = Device, EndpointName = "nope" } });
        Assert.Contains("deviceRef.endpointName", wrongEndpoint.Error!.Message, StringComparison.Ordinal);
        var twice = await registry.CreateOrUpdateAssetAsync("twice", new G.Asset
        {
            DeviceRef = new G.AssetDeviceRef { DeviceName = Device, EndpointName = Endpoint },
            Datasets = [new G.AssetDataset { Name = "d" }, new G.AssetDataset { Name = "d" }],
        });
        Assert.Contains("datasets[1].name 'd' is used twice", twice.Error!.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(await registry.ListAssetsAsync(), a => a.Name is "orphan" or "wrong-endpoint" or "twice");
    }

    private static Dictionary<string, string> Tokens() => new()
    {
        [DeviceRegistryTopics.ConnectorClientIdToken] = "raw-connector",
        [DeviceRegistryTopics.DeviceNameToken] = Device,
        [DeviceRegistryTopics.InboundEndpointNameToken] = Endpoint,
    };

    private async Task<JsonElement> SendAsync(string command, byte[] payload)
    {
        await using var invoker = new CommandInvoker<byte[], byte[]>(context, session!, command, JsonBytesSerializer.Instance)
        {
            RequestTopicPattern = DeviceRegistryTopics.CommandTopic(command),
        };
        var response = await invoker.InvokeCommandAsync(payload.Length == 0 ? null : payload, null, Tokens(), cancellationToken: Ct);
        using var document = JsonDocument.Parse(response.Response!);
        var root = document.RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        var field = Assert.Single(root.EnumerateObject());
        Assert.Equal(DeviceRegistryTopics.ErrorField(command), field.Name);
        return field.Value.Clone();
    }

    private async Task StillServesAsync()
    {
        var asset = await client!.GetAssetAsync(Device, Endpoint, "my-rest-thermostat-asset", cancellationToken: Ct);
        Assert.Equal("thermostat_status", asset.Datasets![0].Name);
    }
}
