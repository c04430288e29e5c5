using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry;
using OpenTelemetry.Trace;
using OrleansAio.GrainsInterfaces.Rpc;
using OrleansAio.GrainsInterfaces.Telemetry;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Connection;
using OrleansAio.Protocol.Rpc;
using OrleansAio.Protocol.Serialization;
using OrleansAio.Protocol.Session;
using OrleansAio.Protocol.Telemetry;
using OrleansAio.Samples.Thermostat;
using OrleansAio.Silo.Hosting;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.AppHost;

/// <summary>
/// W3C trace context crosses the broker: an in-memory exporter sees one trace id on both sides of an RPC and of a telemetry
/// message, through the Thermostat sample's silo (the AppHost's silos), its command grain, its topic grain and an observer.
/// </summary>
public sealed class TraceContextTests : IAsyncLifetime
{
    private static readonly ActivitySource TestSource = new("OrleansAio.Tests.Trace");

    private readonly TempDirectory workingDirectory = new("trace-context");
    private readonly SiloPorts ports = new();
    private readonly SpanCollection spans = new();
    private readonly JsonPayloadSerializer json = new();
    private TracerProvider tracing = null!;
    private SiloApplication silo = null!;
    private MqttSessionClient device = null!;

    public async ValueTask InitializeAsync()
    {
        tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(TestSource.Name, "OrleansAio.Protocol", "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application")
            .SetSampler(new AlwaysOnSampler())
            .AddInMemoryExporter(spans)
            .Build();
        var settings = ports.ToConfiguration();
        settings["Silo:DataDirectory"] = Path.Combine(workingDirectory.Path, "data");
        settings["Logging:LogLevel:Default"] = "Warning";
        silo = await SiloApplication.StartAsync(
            [], configuration => configuration.AddInMemoryCollection(settings), TestContext.Current.CancellationToken, ThermostatSilo.Configure);
        device = new MqttSessionClient(new MqttSessionClientOptions(), NullLoggerFactory.Instance);
        await device.ConnectAsync(
            new MqttConnectionSettings { HostName = "127.0.0.1", TcpPort = ports.Broker, UseTls = false, ClientId = "trace-device" },
            TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await device.DisposeAsync();
        await silo.DisposeAsync();
        tracing.Dispose();
        workingDirectory.Dispose();
    }

    [Fact]
    public async Task ADeviceRequestAndTheSiloExecutorAndTheCommandGrainShareOneTrace()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var invoker = new CommandInvoker<SetTargetRequest, SetTargetResponse>(new ApplicationContext(), device, ThermostatTopics.SetTargetCommand, json)
        {
            RequestTopicPattern = ThermostatTopics.CommandPattern,
            TopicTokenMap = new Dictionary<string, string> { ["executorId"] = "trace-1", ["commandName"] = ThermostatTopics.SetTargetCommand },
            PropagateTraceContext = true,
        };

        ActivityTraceId traceId;
        using (var root = TestSource.StartActivity("device sets a target"))
        {
            Assert.NotNull(root);
            traceId = root.TraceId;
            var answer = await invoker.InvokeCommandAsync(new SetTargetRequest(21), cancellationToken: ct);
            Assert.Equal(21, answer.Response!.Celsius);
        }

        var client = await spans.WaitForAsync(
            s => s.Kind == ActivityKind.Client && s.DisplayName == "setTarget invoke" && s.TraceId == traceId, "setTarget invoke in the device's trace", ct);
        var server = await spans.WaitForAsync(
            s => s.Kind == ActivityKind.Server && s.DisplayName == "setTarget execute" && s.TraceId == traceId, "setTarget execute in the device's trace", ct);
        Assert.Equal(client.SpanId, server.ParentSpanId);
        await spans.WaitForAsync(
            s => s.Source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal) && s.TraceId == client.TraceId && s.DisplayName.Contains("ExecuteCommandAsync", StringComparison.Ordinal),
            "for the thermostat grain's ExecuteCommandAsync in the invoker's trace", ct);
    }

    [Fact]
    public async Task AnOrleansCallThroughTheInvokerGrainAndTheDevicesExecutorShareOneTrace()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var firmware = new CommandExecutor<FirmwareRequest, FirmwareResponse>(new ApplicationContext(), device, ThermostatTopics.GetFirmwareCommand, json)
        {
            RequestTopicPattern = ThermostatTopics.CommandPattern,
            TopicTokenMap = new Dictionary<string, string> { ["executorId"] = "trace-2", ["commandName"] = ThermostatTopics.GetFirmwareCommand },
            OnCommandReceived = (_, _) => Task.FromResult(ExtendedResponse<FirmwareResponse>.CreateFromResponse(new FirmwareResponse("9.9"))),
        };
        await firmware.StartAsync(cancellationToken: ct);
        var grains = silo.Services.GetRequiredService<IGrainFactory>();

        ActivityTraceId traceId;
        using (var root = TestSource.StartActivity("orleans client calls getFirmware"))
        {
            Assert.NotNull(root);
            traceId = root.TraceId;
            var version = await grains.GetGrain<ICommandInvokerGrain<FirmwareRequest, FirmwareResponse>>(ThermostatTopics.GetFirmwareCommand)
                .InvokeAsync(new FirmwareRequest(false), new Dictionary<string, string> { ["executorId"] = "trace-2" }, cancellationToken: ct);
            Assert.Equal("9.9", version.Response!.Version);
        }

        var client = await spans.WaitForAsync(
            s => s.Kind == ActivityKind.Client && s.DisplayName == "getFirmware invoke" && s.TraceId == traceId, "getFirmware invoke (in the invoker grain) in the caller's trace", ct);
        var server = await spans.WaitForAsync(
            s => s.Kind == ActivityKind.Server && s.DisplayName == "getFirmware execute" && s.TraceId == traceId, "getFirmware execute (the device) in the caller's trace", ct);
        Assert.Equal(client.SpanId, server.ParentSpanId);
    }

    [Fact]
    public async Task TelemetryFromADeviceReachesTheTopicGrainAndItsObserverInTheSendersTrace()
    {
        var ct = TestContext.Current.CancellationToken;
        var grains = silo.Services.GetRequiredService<IGrainFactory>();
        var topic = grains.GetGrain<ITelemetryTopicGrain<TemperatureReading>>(TelemetryTopicKey.Format(ThermostatTopics.TemperatureTelemetry, "trace-3"));
        var observer = new TraceRecordingObserver();
        var reference = grains.CreateObjectReference<ITelemetryObserver<TemperatureReading>>(observer);
        await topic.SubscribeAsync(reference);
        await using var sender = new TelemetrySender<TemperatureReading>(new ApplicationContext(), device, json)
        {
            TopicPattern = ThermostatTopics.TemperaturePattern,
            PropagateTraceContext = true,
        };

        ActivityTraceId traceId;
        using (var root = TestSource.StartActivity("device reports a temperature"))
        {
            Assert.NotNull(root);
            traceId = root.TraceId;
            await sender.SendTelemetryAsync(new TemperatureReading(18), new OutgoingTelemetryMetadata(), new Dictionary<string, string> { ["deviceId"] = "trace-3" }, cancellationToken: ct);
        }

        var observedTrace = await observer.NextAsync(ct);
        var producer = await spans.WaitForAsync(
            s => s.Kind == ActivityKind.Producer && s.DisplayName == "telemetry send thermostats/trace-3/temperature" && s.TraceId == traceId, "telemetry send in the device's trace", ct);
        var consumer = await spans.WaitForAsync(
            s => s.Kind == ActivityKind.Consumer && s.DisplayName == "telemetry receive thermostats/trace-3/temperature" && s.TraceId == producer.TraceId,
            "telemetry receive in the sender's trace", ct);
        Assert.Equal(producer.SpanId, consumer.ParentSpanId);
        Assert.Equal(producer.TraceId, observedTrace);
        await topic.UnsubscribeAsync(reference);
        grains.DeleteObjectReference<ITelemetryObserver<TemperatureReading>>(reference);
    }

    [Fact]
    public async Task ARequestWithAMalformedTraceparentIsAnsweredInANewTrace()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var plain = new CommandInvoker<SetTargetRequest, SetTargetResponse>(new ApplicationContext(), device, ThermostatTopics.SetTargetCommand, json)
        {
            RequestTopicPattern = ThermostatTopics.CommandPattern,
            TopicTokenMap = new Dictionary<string, string> { ["executorId"] = "trace-4", ["commandName"] = ThermostatTopics.SetTargetCommand },
        };
        // A peer that does not propagate but sends a user property of that name: the executor must not trust it.
        var metadata = new CommandRequestMetadata();
        metadata.UserData["traceparent"] = "00-not-a-trace-id-01";

        ActivityTraceId traceId;
        using (var root = TestSource.StartActivity("peer without trace context"))
        {
            Assert.NotNull(root);
            traceId = root.TraceId;
            var answer = await plain.InvokeCommandAsync(new SetTargetRequest(19), metadata, cancellationToken: ct);
            Assert.Equal(19, answer.Response!.Celsius);
        }

        var server = await spans.WaitForAsync(
            s => s.Kind == ActivityKind.Server && s.DisplayName == "setTarget execute" && Equals(s.GetTagItem("messaging.destination.name"), "thermostats/trace-4/command/setTarget"),
            "setTarget execute for trace-4", ct);
        Assert.NotEqual(traceId, server.TraceId);
        Assert.Equal(default, server.ParentSpanId);
    }

    private sealed class TraceRecordingObserver : ITelemetryObserver<TemperatureReading>
    {
        private readonly ConcurrentQueue<ActivityTraceId> traces = new();
        private readonly SemaphoreSlim arrived = new(0);

        public Task OnTelemetryAsync(TelemetryMessage<TemperatureReading> message)
        {
            traces.Enqueue(Activity.Current?.TraceId ?? default);
            arrived.Release();
            return Task.CompletedTask;
        }

        public async Task<ActivityTraceId> NextAsync(CancellationToken cancellationToken)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            await arrived.WaitAsync(timeout.Token);
            Assert.True(traces.TryDequeue(out var trace));
            return trace;
        }
    }
}
