using System.Collections.Concurrent;
using MQTTnet.Protocol;
using OrleansAio.Abstractions.Common;
using OrleansAio.Protocol.CloudEvents;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Serialization;
using OrleansAio.Protocol.Telemetry;

namespace OrleansAio.Tests.Protocol.Telemetry;

public sealed class TelemetryTests
{
    private readonly RecordingMqttClient client = new("telemetry-client");
    private readonly ApplicationContext context = new();
    private readonly ConcurrentQueue<(string SenderId, string? Value, IncomingTelemetryMetadata Metadata)> received = new();

    [Fact]
    public async Task Sender_rounds_the_timeout_up_applies_qos_retain_persistence_and_transient_tokens()
    {
        var sender = new TelemetrySender<string>(context, client, new JsonPayloadSerializer())
        {
            TopicPattern = "telemetry/{ex:resident}/{ex:transient}",
            TopicTokenMap = new Dictionary<string, string> { ["ex:resident"] = "MyRes" },
        };
        var metadata = new OutgoingTelemetryMetadata { PersistTelemetry = true, Retain = true };

        await sender.SendTelemetryAsync(
            "Test_Telemetry", metadata, new Dictionary<string, string> { ["ex:transient"] = "MyTrans" }, MqttQualityOfServiceLevel.AtMostOnce, TimeSpan.FromMilliseconds(2500), TestContext.Current.CancellationToken);

        var message = Assert.Single(client.Published);
        Assert.Equal("telemetry/MyRes/MyTrans", message.Topic);
        Assert.Equal(3u, message.MessageExpiryInterval);
        Assert.Equal(MqttQualityOfServiceLevel.AtMostOnce, message.QualityOfServiceLevel);
        Assert.True(message.Retain);
        Assert.Equal("true", message.Property("aio-persistence"));
        Assert.Null(message.Property("$high_priority"));
        Assert.NotNull(metadata.Timestamp);
    }

    [Fact]
    public async Task Sender_errors_name_the_token_the_timeout_and_the_cloud_event()
    {
        var sender = new TelemetrySender<string>(context, client, new JsonPayloadSerializer()) { TopicPattern = "telemetry/{ex:custom}/test" };
        var plain = new TelemetrySender<string>(context, client, new JsonPayloadSerializer()) { TopicPattern = "mock/test" };
        var ct = TestContext.Current.CancellationToken;

        var token = await Assert.ThrowsAsync<AioProtocolException>(() => sender.SendTelemetryAsync("x", cancellationToken: ct));
        var timeout = await Assert.ThrowsAsync<AioProtocolException>(() => plain.SendTelemetryAsync("x", telemetryTimeout: TimeSpan.Zero, cancellationToken: ct));
        var cloudEvent = await Assert.ThrowsAsync<AioProtocolException>(() => plain.SendTelemetryAsync(
            "x", new OutgoingTelemetryMetadata { CloudEvent = new CloudEvent("::::") }, cancellationToken: ct));
        client.PublishReasonCode = MQTTnet.MqttClientPublishReasonCode.UnspecifiedError;
        var puback = await Assert.ThrowsAsync<AioProtocolException>(() => plain.SendTelemetryAsync("x", cancellationToken: ct));

        Assert.Equal(("ex:custom", true), (token.PropertyName, token.IsShallow));
        Assert.Equal("messageExpiryInterval", timeout.PropertyName);
        Assert.Equal(("CloudEvent", AioErrorKind.ConfigurationInvalid), (cloudEvent.PropertyName, cloudEvent.Kind));
        Assert.Equal((AioErrorKind.MqttError, false), (puback.Kind, puback.IsShallow));
        Assert.Single(client.Published);
    }

    [Fact]
    public async Task Receiver_delivers_in_order_with_metadata_tokens_and_cloud_event_and_acks_after_the_callback()
    {
        await using var receiver = await StartReceiverAsync("mock/{modelId}/{ex:foobar}", topicNamespace: "ns");
        var packets = new List<ushort>();
        for (var i = 0; i < 5; i++)
        {
            packets.Add(await client.ReceiveAsync(TestMessages.Create(
                "ns/mock/dtmi:test:MyModel;1/MyValue",
                $"\"Telemetry{i}\"",
                userProperties: [("__srcId", "sender-1"), ("__ts", "001700000000000:00000:other"), ("telemHeader", "telemValue"),
                    ("specversion", "1.0"), ("id", "e1"), ("source", "src"), ("type", "t")])));
        }

        await client.WaitForAcknowledgementsAsync(5);

        Assert.Equal(["Telemetry0", "Telemetry1", "Telemetry2", "Telemetry3", "Telemetry4"], received.Select(r => r.Value));
        var first = received.First();
        Assert.Equal("sender-1", first.SenderId);
        Assert.Equal("telemValue", first.Metadata.UserData["telemHeader"]);
        Assert.Equal("1.0", first.Metadata.UserData["specversion"]);
        Assert.False(first.Metadata.UserData.ContainsKey("__srcId"));
        Assert.Equal("dtmi:test:MyModel;1", first.Metadata.TopicTokens["modelId"]);
        Assert.Equal("MyValue", first.Metadata.TopicTokens["ex:foobar"]);
        Assert.Equal("e1", first.Metadata.CloudEvent!.Id);
        Assert.Equal("other", first.Metadata.Timestamp!.NodeId);
        Assert.Equal(packets, client.Acknowledged);
        Assert.Equal(["ns/mock/+/+"], client.Subscribed);
    }

    [Theory]
    [InlineData("__protVer", "123456.0", "application/json")]
    [InlineData("__protVer", "NotAVersion", "application/json")]
    [InlineData("__ts", "NotValid", "application/json")]
    [InlineData("x", "y", "raw/0")]
    public async Task Receiver_drops_bad_messages_but_acks_them(string name, string value, string contentType)
    {
        await using var receiver = await StartReceiverAsync("mock/test");

        await client.ReceiveAsync(TestMessages.Create("mock/test", "\"Test_Telemetry\"", contentType, userProperties: [(name, value)]));
        await client.WaitForAcknowledgementsAsync(1);

        Assert.Empty(received);
    }

    [Fact]
    public async Task A_throwing_callback_never_reaches_the_wire_and_the_message_is_acked()
    {
        var calls = 0;
        await using var receiver = new TelemetryReceiver<string>(context, client, new JsonPayloadSerializer())
        {
            TopicPattern = "mock/test",
            OnTelemetryReceived = (_, _, _) =>
            {
                Interlocked.Increment(ref calls);
                throw new InvalidOperationException("user bug");
            },
        };
        await receiver.StartAsync(TestContext.Current.CancellationToken);

        await client.ReceiveAsync(TestMessages.Create("mock/test", "\"a\""));
        await client.ReceiveAsync(TestMessages.Create("mock/test", "\"a\""));
        await client.WaitForAcknowledgementsAsync(2);

        Assert.Equal(2, calls);
        Assert.Empty(client.Published);
    }

    [Fact]
    public async Task Receiver_with_service_group_subscribes_shared_and_stop_unsubscribes()
    {
        var receiver = await StartReceiverAsync("mock/test", serviceGroupId: "group1");

        await receiver.StopAsync(TestContext.Current.CancellationToken);
        await client.ReceiveAsync(TestMessages.Create("mock/test", "\"after stop\""));

        Assert.Equal(["$share/group1/mock/test"], client.Subscribed);
        Assert.Equal(["$share/group1/mock/test"], client.Unsubscribed);
        Assert.Empty(received);
    }

    [Fact]
    public async Task Receiver_refuses_a_bad_pattern_or_namespace_naming_them()
    {
        var noPattern = new TelemetryReceiver<string>(context, client, new JsonPayloadSerializer()) { OnTelemetryReceived = (_, _, _) => Task.CompletedTask };
        var badNamespace = new TelemetryReceiver<string>(context, client, new JsonPayloadSerializer())
        {
            TopicPattern = "mock/test",
            TopicNamespace = "invalid/{modelId}",
            OnTelemetryReceived = (_, _, _) => Task.CompletedTask,
        };

        var patternError = await Assert.ThrowsAsync<AioProtocolException>(() => noPattern.StartAsync(TestContext.Current.CancellationToken));
        var namespaceError = await Assert.ThrowsAsync<AioProtocolException>(() => badNamespace.StartAsync(TestContext.Current.CancellationToken));

        Assert.Equal("TopicPattern", patternError.PropertyName);
        Assert.Equal("TopicNamespace", namespaceError.PropertyName);
    }

    private async Task<TelemetryReceiver<string>> StartReceiverAsync(string pattern, string? topicNamespace = null, string? serviceGroupId = null)
    {
        var receiver = new TelemetryReceiver<string>(context, client, new JsonPayloadSerializer())
        {
            TopicPattern = pattern,
            TopicNamespace = topicNamespace,
            ServiceGroupId = serviceGroupId,
            OnTelemetryReceived = (senderId, value, metadata) =>
            {
                received.Enqueue((senderId, value, metadata));
                return Task.CompletedTask;
            },
        };
        await receiver.StartAsync(TestContext.Current.CancellationToken);
        return receiver;
    }
}
