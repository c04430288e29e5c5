using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Diagnostics;
using OrleansAio.Protocol.Rpc;
using OrleansAio.Protocol.Serialization;
using OrleansAio.Protocol.Telemetry;

namespace OrleansAio.Tests.Protocol;

public sealed class DiagnosticsTests
{
    [Fact]
    public async Task Envoys_count_requests_responses_telemetry_errors_and_record_durations()
    {
        var measurements = new ConcurrentDictionary<string, double>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == ProtocolDiagnostics.Name)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => measurements.AddOrUpdate(instrument.Name, value, (_, old) => old + value));
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => measurements.AddOrUpdate(instrument.Name, 1, (_, old) => old + 1));
        listener.Start();

        var context = new ApplicationContext();
        var hub = new LoopbackHub();
        var invokerClient = new RecordingMqttClient("diag-invoker", hub);
        var executorClient = new RecordingMqttClient("diag-executor", hub);
        await using var executor = new CommandExecutor<string, string>(context, executorClient, "diag", new JsonPayloadSerializer())
        {
            RequestTopicPattern = "diag/test",
            OnCommandReceived = (_, _) => Task.FromResult(ExtendedResponse<string>.CreateFromResponse("ok")),
        };
        await executor.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        await using var invoker = new CommandInvoker<string, string>(context, invokerClient, "diag", new JsonPayloadSerializer()) { RequestTopicPattern = "diag/test" };
        var sender = new TelemetrySender<string>(context, invokerClient, new JsonPayloadSerializer()) { TopicPattern = "diag/telemetry" };

        await invoker.InvokeCommandAsync("x", cancellationToken: TestContext.Current.CancellationToken);
        await sender.SendTelemetryAsync("t", cancellationToken: TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<AioProtocolException>(() => sender.SendTelemetryAsync("t", telemetryTimeout: TimeSpan.Zero, cancellationToken: TestContext.Current.CancellationToken));
        await executorClient.WaitForAcknowledgementsAsync(1);
        listener.RecordObservableInstruments();

        Assert.True(measurements.GetValueOrDefault("aio.rpc.requests.sent") >= 1);
        Assert.True(measurements.GetValueOrDefault("aio.rpc.requests.received") >= 1);
        Assert.True(measurements.GetValueOrDefault("aio.rpc.responses.sent") >= 1);
        Assert.True(measurements.GetValueOrDefault("aio.rpc.invocation.duration") >= 1);
        Assert.True(measurements.GetValueOrDefault("aio.rpc.execution.duration") >= 1);
        Assert.True(measurements.GetValueOrDefault("aio.telemetry.sent") >= 1);
        Assert.True(measurements.GetValueOrDefault("aio.protocol.errors") >= 1);
    }
}
