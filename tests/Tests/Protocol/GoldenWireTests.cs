using System.Buffers;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using MQTTnet.Protocol;
using OrleansAio.Abstractions.Common;
using OrleansAio.Protocol.CloudEvents;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Rpc;
using OrleansAio.Protocol.Serialization;
using OrleansAio.Protocol.Telemetry;

namespace OrleansAio.Tests.Protocol;

/// <summary>
/// Golden tests against wire-capture.md: the PUBLISH packets the public AIO .NET SDK put on the wire (B1-B5), field by field,
/// with user properties in wire order.
/// </summary>
public sealed partial class GoldenWireTests
{
    private static readonly DateTimeOffset CaptureTime = DateTimeOffset.FromUnixTimeMilliseconds(1_795_704_729_927);

    [Fact]
    public async Task Telemetry_matches_capture_B3()
    {
        var time = new ManualTimeProvider(CaptureTime);
        var context = new ApplicationContext(time, new HybridLogicalClock(time, CaptureTime.AddSeconds(-1), nodeId: "1dedf02c-7e11-43a4-b80d-dca39d80f67a"));
        var client = new RecordingMqttClient("probe-invoker");
        var sender = new TelemetrySender<Thermostat>(context, client, new JsonPayloadSerializer()) { TopicPattern = "probe/telemetry/thermostat" };
        var metadata = new OutgoingTelemetryMetadata();
        metadata.UserData["probe-user-key"] = "probe-user-value";

        await sender.SendTelemetryAsync(new Thermostat { Temperature = 21.5, Unit = "C" }, metadata, cancellationToken: TestContext.Current.CancellationToken);

        var message = Assert.Single(client.Published);
        Assert.Equal("probe/telemetry/thermostat", message.Topic);
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, message.QualityOfServiceLevel);
        Assert.False(message.Retain);
        Assert.Equal("application/json", message.ContentType);
        Assert.Equal(MqttPayloadFormatIndicator.CharacterData, message.PayloadFormatIndicator);
        Assert.Null(message.ResponseTopic);
        Assert.Null(message.CorrelationData);
        Assert.Equal(10u, message.MessageExpiryInterval);
        Assert.Equal(["__ts", "probe-user-key", "__protVer", "__srcId"], message.PropertyNames());
        Assert.Equal("001795704729927:00000:1dedf02c-7e11-43a4-b80d-dca39d80f67a", message.Property("__ts"));
        Assert.Equal("probe-user-value", message.Property("probe-user-key"));
        Assert.Equal("1.0", message.Property("__protVer"));
        Assert.Equal("probe-invoker", message.Property("__srcId"));
        Assert.Equal(Convert.FromHexString("7b2274656d7065726174757265223a32312e352c22756e6974223a2243227d"), message.Payload.ToArray());
    }

    [Fact]
    public async Task Telemetry_with_cloud_event_matches_capture_B4()
    {
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 11, 26, 14, 52, 10, 50, TimeSpan.Zero));
        var context = new ApplicationContext(time, new HybridLogicalClock(time, nodeId: "node"));
        var client = new RecordingMqttClient("probe-invoker");
        var sender = new TelemetrySender<Thermostat>(context, client, new JsonPayloadSerializer()) { TopicPattern = "probe/telemetry/thermostat" };
        var metadata = new OutgoingTelemetryMetadata { CloudEvent = new CloudEvent(new Uri("aio://probe/thermostat")) { Id = "8bec59be-b2af-4010-b218-9e16c39dbe75" } };

        await sender.SendTelemetryAsync(new Thermostat { Temperature = 22, Unit = "C" }, metadata, cancellationToken: TestContext.Current.CancellationToken);

        var message = Assert.Single(client.Published);
        Assert.Equal(["__ts", "specversion", "id", "type", "source", "time", "subject", "__protVer", "__srcId"], message.PropertyNames());
        Assert.Equal("1.0", message.Property("specversion"));
        Assert.Equal("8bec59be-b2af-4010-b218-9e16c39dbe75", message.Property("id"));
        Assert.Equal("ms.aio.telemetry", message.Property("type"));
        Assert.Equal("aio://probe/thermostat", message.Property("source"));
        Assert.Equal("2026-11-26T14:52:10Z", message.Property("time"));
        Assert.Equal("probe/telemetry/thermostat", message.Property("subject"));
        Assert.Equal(Convert.FromHexString("7b2274656d7065726174757265223a32322c22756e6974223a2243227d"), message.Payload.ToArray());
    }

    [Fact]
    public async Task Request_and_response_match_captures_B1_and_B2()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new ManualTimeProvider(CaptureTime);
        var hub = new LoopbackHub();
        var invokerClient = new RecordingMqttClient("probe-invoker", hub);
        var executorClient = new RecordingMqttClient("probe-executor", hub);
        var invokerContext = new ApplicationContext(time, new HybridLogicalClock(time, CaptureTime.AddSeconds(-1), nodeId: "84d68696-368e-4380-ba90-4da8e13fc82e"));
        var executorContext = new ApplicationContext(time, new HybridLogicalClock(time, CaptureTime.AddSeconds(-1), nodeId: "55100e2e-d203-4ec1-af62-0d335d0da578"));
        await using var executor = new CommandExecutor<IncrementRequest, IncrementResponse>(executorContext, executorClient, "increment", new JsonPayloadSerializer())
        {
            RequestTopicPattern = "probe/rpc/{commandName}",
            TopicTokenMap = new Dictionary<string, string> { ["commandName"] = "increment" },
            OnCommandReceived = (request, _) =>
            {
                time.Now += TimeSpan.FromSeconds(1);
                var metadata = new CommandResponseMetadata();
                metadata.UserData["probe-resp-key"] = "probe-resp-value";
                return Task.FromResult(new ExtendedResponse<IncrementResponse>
                {
                    Response = new IncrementResponse { CounterResponse = 42, Echo = request.Request!.Note },
                    ResponseMetadata = metadata,
                });
            },
        };
        await executor.StartAsync(cancellationToken: ct);
        await using var invoker = new CommandInvoker<IncrementRequest, IncrementResponse>(invokerContext, invokerClient, "increment", new JsonPayloadSerializer())
        {
            RequestTopicPattern = "probe/rpc/{commandName}",
            TopicTokenMap = new Dictionary<string, string> { ["commandName"] = "increment" },
        };
        var requestMetadata = new CommandRequestMetadata { CorrelationId = Guid.Parse("f1d8a9a1-b9db-43d2-b5b0-5e27ab91eeaf") };
        requestMetadata.UserData["probe-user-key"] = "probe-user-value";

        var response = await invoker.InvokeCommandAsync(new IncrementRequest { IncrementValue = 1, Note = "h\u00e9llo" }, requestMetadata, cancellationToken: ct);

        Assert.Equal(42, response.Response!.CounterResponse);
        Assert.Equal("h\u00e9llo", response.Response.Echo);
        Assert.Equal("probe-resp-value", response.ResponseMetadata!.UserData["probe-resp-key"]);
        Assert.Equal(["probe/rpc/increment"], executorClient.Subscribed);
        Assert.Equal(["clients/probe-invoker/probe/rpc/increment"], invokerClient.Subscribed);

        var request = Assert.Single(invokerClient.Published);
        Assert.Equal("probe/rpc/increment", request.Topic);
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, request.QualityOfServiceLevel);
        Assert.False(request.Retain);
        Assert.Equal("application/json", request.ContentType);
        Assert.Equal(MqttPayloadFormatIndicator.CharacterData, request.PayloadFormatIndicator);
        Assert.Equal("clients/probe-invoker/probe/rpc/increment", request.ResponseTopic);
        Assert.Equal(Convert.FromHexString("a1a9d8f1dbb9d243b5b05e27ab91eeaf"), request.CorrelationData);
        Assert.Equal(10u, request.MessageExpiryInterval);
        Assert.Equal(["__protVer", "$partition", "__srcId", "__invId", "__ts", "probe-user-key", "$high_priority"], request.PropertyNames());
        Assert.Equal("1.0", request.Property("__protVer"));
        Assert.Equal("probe-invoker", request.Property("$partition"));
        Assert.Equal("probe-invoker", request.Property("__srcId"));
        Assert.Equal("probe-invoker", request.Property("__invId"));
        Assert.Equal("001795704729927:00000:84d68696-368e-4380-ba90-4da8e13fc82e", request.Property("__ts"));
        Assert.Equal(string.Empty, request.Property("$high_priority"));
        Assert.Equal(Convert.FromHexString("7b22696e6372656d656e7456616c7565223a312c226e6f7465223a22685c75303045396c6c6f227d"), request.Payload.ToArray());

        var reply = Assert.Single(executorClient.Published);
        Assert.Equal("clients/probe-invoker/probe/rpc/increment", reply.Topic);
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, reply.QualityOfServiceLevel);
        Assert.Equal("application/json", reply.ContentType);
        Assert.Equal(MqttPayloadFormatIndicator.CharacterData, reply.PayloadFormatIndicator);
        Assert.Null(reply.ResponseTopic);
        Assert.Equal(request.CorrelationData, reply.CorrelationData);
        Assert.Equal(9u, reply.MessageExpiryInterval);
        Assert.Equal(["__stat", "__protVer", "__ts", "probe-resp-key", "$high_priority"], reply.PropertyNames());
        Assert.Equal("200", reply.Property("__stat"));
        Assert.Equal("001795704730927:00000:55100e2e-d203-4ec1-af62-0d335d0da578", reply.Property("__ts"));
        Assert.Equal(Convert.FromHexString("7b22636f756e746572526573706f6e7365223a34322c226563686f223a22685c75303045396c6c6f227d"), reply.Payload.ToArray());

        // The executor acknowledged the request only after publishing the response; the invoker acknowledged the response.
        await executorClient.WaitForAcknowledgementsAsync(1);
        await invokerClient.WaitForAcknowledgementsAsync(1);
    }

    [Fact]
    public async Task Raw_request_matches_capture_B5()
    {
        var time = new ManualTimeProvider(CaptureTime);
        var context = new ApplicationContext(time);
        var client = new RecordingMqttClient("probe-statestore");
        await using var invoker = new CommandInvoker<byte[], byte[]>(context, client, "invoke", new RawPayloadSerializer())
        {
            RequestTopicPattern = "statestore/v1/FA9AE35F-2F64-47CD-9BFF-08E2B32A0FE8/command/invoke",
        };
        var payload = Convert.FromHexString("2a330d0a24330d0a5345540d0a24380d0a70726f62654b65790d0a2431300d0a70726f626556616c75650d0a");

        var error = await Assert.ThrowsAsync<AioProtocolException>(() => invoker.InvokeCommandAsync(
            payload, commandTimeout: TimeSpan.FromMilliseconds(1500), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(AioErrorKind.Timeout, error.Kind);
        Assert.False(error.IsRemote);
        Assert.Equal("invoke", error.CommandName);
        Assert.Equal("commandTimeout", error.TimeoutName);
        var request = Assert.Single(client.Published);
        Assert.Equal("application/octet-stream", request.ContentType);
        Assert.Equal(MqttPayloadFormatIndicator.Unspecified, request.PayloadFormatIndicator);
        Assert.Equal("clients/probe-statestore/statestore/v1/FA9AE35F-2F64-47CD-9BFF-08E2B32A0FE8/command/invoke", request.ResponseTopic);
        Assert.Equal(2u, request.MessageExpiryInterval);
        Assert.Equal(16, request.CorrelationData.Length);
        Assert.Equal(error.CorrelationId, new Guid(request.CorrelationData));
        Assert.Equal(["__protVer", "$partition", "__srcId", "__invId", "__ts", "$high_priority"], request.PropertyNames());
        Assert.Matches(HlcText(), request.Property("__ts")!);
        Assert.Equal(payload, request.Payload.ToArray());
    }

    [GeneratedRegex(@"^\d{15}:\d{5}:[0-9a-f\-]{36}$")]
    private static partial Regex HlcText();

    internal sealed class Thermostat
    {
        [JsonPropertyName("temperature")]
        public double Temperature { get; set; }

        [JsonPropertyName("unit")]
        public string? Unit { get; set; }
    }

    internal sealed class IncrementRequest
    {
        [JsonPropertyName("incrementValue")]
        public int IncrementValue { get; set; }

        [JsonPropertyName("note")]
        public string? Note { get; set; }
    }

    internal sealed class IncrementResponse
    {
        [JsonPropertyName("counterResponse")]
        public int CounterResponse { get; set; }

        [JsonPropertyName("echo")]
        public string? Echo { get; set; }
    }
}
