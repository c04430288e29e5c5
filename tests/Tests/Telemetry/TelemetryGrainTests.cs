using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Packets;
using OrleansAio.Abstractions.Common;
using OrleansAio.GrainsInterfaces.Rpc;
using OrleansAio.GrainsInterfaces.Telemetry;
using OrleansAio.Protocol.CloudEvents;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Serialization;
using OrleansAio.Protocol.Session;
using OrleansAio.Protocol.Telemetry;
using OrleansAio.Silo.Telemetry;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Telemetry;

/// <summary>A temperature reading.</summary>
[GenerateSerializer, Immutable]
public sealed record Reading([property: Id(0)] double Celsius, [property: Id(1)] int Sequence);

/// <summary>Two silos receiving <c>test/telemetry/{deviceId}/temperature</c> into <c>temperature/{deviceId}</c> grains.</summary>
public sealed class TelemetryClusterFixture : AioClusterFixture
{
    public const string Pattern = "test/telemetry/{deviceId}/temperature";

    protected override void ConfigureSilo(ISiloBuilder silo) =>
        silo.AddAioTelemetry<Reading>("temperature", options =>
        {
            options.TopicPattern = Pattern;
            options.KeyToken = "deviceId";
        });
}

/// <summary>Telemetry from a stand-in device to topic grains and on to Orleans client observers, and back out through the grains.</summary>
public sealed class TelemetryGrainTests(TelemetryClusterFixture fixture) : IClassFixture<TelemetryClusterFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TelemetryFromADeviceReachesTheGrainAndAClientObserver()
    {
        var deviceId = $"d{Guid.NewGuid():N}"[..10];
        var grain = fixture.Client.GetGrain<ITelemetryTopicGrain<Reading>>(TelemetryTopicKey.Format("temperature", deviceId));
        var observer = new CollectingObserver();
        var reference = fixture.Client.CreateObjectReference<ITelemetryObserver<Reading>>(observer);
        await grain.SubscribeAsync(reference);
        await using var device = await DeviceAsync("sender");
        await using var sender = Sender(device);
        var metadata = new OutgoingTelemetryMetadata { CloudEvent = new CloudEvent("aio://thermostats/" + deviceId, "reading") };
        metadata.UserData["unit"] = "C";

        for (var i = 1; i <= 5; i++)
        {
            await sender.SendTelemetryAsync(new Reading(20 + i, i), metadata, Token(deviceId), cancellationToken: Ct);
        }

        await MqttTestClient.WaitUntilAsync(() => observer.Messages.Count == 5, "five messages at the observer", Ct);
        var last = await grain.GetLastAsync();
        Assert.NotNull(last);
        Assert.Equal(new Reading(25, 5), last.Value);
        Assert.Equal(device.ClientId, last.SenderId);
        Assert.Equal($"test/telemetry/{deviceId}/temperature", last.Topic);
        Assert.Equal(deviceId, last.TopicTokens["deviceId"]);
        Assert.Equal("C", last.UserData["unit"]);
        Assert.Equal("aio://thermostats/" + deviceId, last.CloudEvent?.Source);
        Assert.Equal("reading", last.CloudEvent?.Type);
        Assert.NotNull(last.Timestamp);
        Assert.Equal(Enumerable.Range(1, 5), observer.Messages.Select(m => m.Value!.Sequence).Order());
        Assert.All(observer.Messages, m => Assert.Equal(device.ClientId, m.SenderId));

        await grain.UnsubscribeAsync(reference);
        fixture.Client.DeleteObjectReference<ITelemetryObserver<Reading>>(reference);
    }

    [Fact]
    public async Task TheLastValueSurvivesDeactivation()
    {
        var deviceId = $"d{Guid.NewGuid():N}"[..10];
        var grain = fixture.Client.GetGrain<ITelemetryTopicGrain<Reading>>(TelemetryTopicKey.Format("temperature", deviceId));
        var observer = new CollectingObserver();
        var reference = fixture.Client.CreateObjectReference<ITelemetryObserver<Reading>>(observer);
        await grain.SubscribeAsync(reference);
        await using var device = await DeviceAsync("deact");
        await using var sender = Sender(device);

        await sender.SendTelemetryAsync(new Reading(18.5, 1), Token(deviceId), cancellationToken: Ct);
        await MqttTestClient.WaitUntilAsync(() => observer.Messages.Count == 1, "the first message at the observer", Ct);
        await fixture.Cluster.DeactivateAsync(grain);

        var afterDeactivation = await grain.GetLastAsync();
        Assert.Equal(new Reading(18.5, 1), afterDeactivation?.Value);

        // The new activation has no observers (in-memory subscriptions end with the activation; subscribers renew): the
        // second message updates the stored value without reaching the old subscription, which shows the activation is new.
        await sender.SendTelemetryAsync(new Reading(19.5, 2), Token(deviceId), cancellationToken: Ct);
        await WaitForLastAsync(grain, 2);
        Assert.Single(observer.Messages);
        fixture.Client.DeleteObjectReference<ITelemetryObserver<Reading>>(reference);
    }

    [Fact]
    public async Task EachMessageIsDeliveredOnceAcrossTheSilos()
    {
        var deviceId = $"d{Guid.NewGuid():N}"[..10];
        var grain = fixture.Client.GetGrain<ITelemetryTopicGrain<Reading>>(TelemetryTopicKey.Format("temperature", deviceId));
        var observer = new CollectingObserver();
        var reference = fixture.Client.CreateObjectReference<ITelemetryObserver<Reading>>(observer);
        await grain.SubscribeAsync(reference);
        await using var device = await DeviceAsync("once");
        await using var sender = Sender(device);

        for (var i = 1; i <= 10; i++)
        {
            await sender.SendTelemetryAsync(new Reading(i, i), Token(deviceId), cancellationToken: Ct);
        }

        await WaitForLastAsync(grain, 10);
        await MqttTestClient.WaitUntilAsync(() => observer.Messages.Count >= 10, "ten messages at the observer", Ct);

        // Both silos subscribe in one shared group: each message reaches the grain once, not once per silo.
        await sender.SendTelemetryAsync(new Reading(0, 11), Token(deviceId), cancellationToken: Ct);
        await MqttTestClient.WaitUntilAsync(() => observer.Messages.Any(m => m.Value!.Sequence == 11), "the marker message", Ct);
        Assert.Equal(11, observer.Messages.Count);
        fixture.Client.DeleteObjectReference<ITelemetryObserver<Reading>>(reference);
    }

    [Fact]
    public async Task AGrainSendsTelemetryOnItsTopicThroughTheSilosSession()
    {
        var deviceId = $"d{Guid.NewGuid():N}"[..10];
        await using var listener = await MqttTestClient.ConnectAsync(fixture.Broker.Port, "listener", cancellationToken: Ct);
        var received = new ConcurrentQueue<MqttApplicationMessage>();
        listener.Client.ApplicationMessageReceivedAsync += args =>
        {
            received.Enqueue(args.ApplicationMessage);
            return Task.CompletedTask;
        };
        await listener.SubscribeAsync($"test/telemetry/{deviceId}/temperature", Ct);
        var grain = fixture.Client.GetGrain<ITelemetryTopicGrain<Reading>>(TelemetryTopicKey.Format("temperature", deviceId));

        await grain.SendAsync(new Reading(30, 7), new Dictionary<string, string> { ["unit"] = "C" }, new TelemetryCloudEvent("aio://cluster/thermostats", "setpoint"), Ct);

        await MqttTestClient.WaitUntilAsync(() => !received.IsEmpty, "the telemetry at a plain MQTT subscriber", Ct);
        var message = Assert.Single(received);
        Assert.Equal("application/json", message.ContentType);
        Assert.Contains("30", Encoding.UTF8.GetString(message.Payload), StringComparison.Ordinal);
        Assert.Equal("C", Property(message, "unit"));
        Assert.Equal("1.0", Property(message, "__protVer"));
        Assert.NotNull(Property(message, "__ts"));
        Assert.Equal("aio://cluster/thermostats", Property(message, "source"));
        Assert.Equal("setpoint", Property(message, "type"));
        Assert.StartsWith("silo-", Property(message, "__srcId"), StringComparison.Ordinal);

        // The silos receive their own topic too: the grain ends up with it as its last value.
        await WaitForLastAsync(grain, 7);
    }

    [Fact]
    public async Task AnUnregisteredTelemetryNameIsRefusedNamingIt()
    {
        var grain = fixture.Client.GetGrain<ITelemetryTopicGrain<Reading>>(TelemetryTopicKey.Format("humidity", "d1"));

        var error = await Assert.ThrowsAsync<AioEnvoyException>(() => grain.SendAsync(new Reading(1, 1), cancellationToken: Ct));

        Assert.Equal(AioErrorKind.ConfigurationInvalid, error.Kind);
        Assert.False(error.IsRemote);

        Assert.Contains("humidity", error.Message, StringComparison.Ordinal);
        Assert.Contains("AddAioTelemetry", error.Message, StringComparison.Ordinal);
    }

    private static string? Property(MqttApplicationMessage message, string name) =>
        message.UserProperties?.FirstOrDefault(p => p.Name == name)?.ReadValueAsString();

    private static Dictionary<string, string> Token(string deviceId) => new() { ["deviceId"] = deviceId };

    private static async Task WaitForLastAsync(ITelemetryTopicGrain<Reading> grain, int sequence)
    {
        using var deadline = new CancellationTokenSource(MqttTestClient.HangGuard, TimeProvider.System);
        while ((await grain.GetLastAsync())?.Value?.Sequence != sequence)
        {
            Assert.False(deadline.IsCancellationRequested, $"the grain never stored message {sequence}");
            await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System, Ct);
        }
    }

    private static TelemetrySender<Reading> Sender(MqttSessionClient device) =>
        new(new ApplicationContext(), device, new JsonPayloadSerializer()) { TopicPattern = TelemetryClusterFixture.Pattern };

    private async Task<MqttSessionClient> DeviceAsync(string suffix)
    {
        var device = new MqttSessionClient(new MqttSessionClientOptions(), NullLoggerFactory.Instance);
        await device.ConnectAsync(fixture.MqttSettings(MqttTestClient.TestClientId(suffix)), Ct);
        return device;
    }

    [Fact]
    public async Task ASubscriptionIsRenewedSoItOutlivesTheTopicGrainsActivation()
    {
        var deviceId = $"d{Guid.NewGuid():N}"[..10];
        var key = TelemetryTopicKey.Format("temperature", deviceId);
        var grain = fixture.Client.GetGrain<ITelemetryTopicGrain<Reading>>(key);
        var observer = new CollectingObserver();
        var clock = new OrleansAio.Tests.Session.ManualTimeProvider();
        await using var subscription = await OrleansAio.Client.Telemetry.TelemetrySubscription<Reading>.StartAsync(fixture.Client, key, observer, clock);

        // The topic grain's observers are in memory: deactivated, it forgets them (as after five idle minutes or a move).
        await fixture.Cluster.DeactivateAsync(grain);
        clock.Advance(OrleansAio.Client.Telemetry.TelemetrySubscription<Reading>.RenewEvery);
        await using var device = await DeviceAsync("renewed");
        await using var sender = Sender(device);

        // The renewal runs asynchronously after the clock moves: send until a message arrives (a bounded wait, not a timing check).
        await MqttTestClient.WaitUntilAsync(
            async () =>
            {
                await sender.SendTelemetryAsync(new Reading(21, 1), new OutgoingTelemetryMetadata(), Token(deviceId), cancellationToken: Ct);
                await Task.Delay(100, Ct);
                return observer.Messages.Count > 0;
            },
            "a message at the renewed observer",
            Ct);
    }

    private sealed class CollectingObserver : ITelemetryObserver<Reading>
    {
        private readonly ConcurrentQueue<TelemetryMessage<Reading>> messages = new();

        public IReadOnlyList<TelemetryMessage<Reading>> Messages => [.. messages];

        public Task OnTelemetryAsync(TelemetryMessage<Reading> message)
        {
            messages.Enqueue(message);
            return Task.CompletedTask;
        }
    }
}
