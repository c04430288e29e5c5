using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using OrleansAio.Abstractions.Common;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Rpc;
using OrleansAio.Protocol.Serialization;

namespace OrleansAio.Tests.Protocol.Rpc;

public sealed class CommandExecutorTests
{
    private const string RequestTopic = "mock/test";
    private const string ResponseTopic = "response/mock/test";

    private readonly RecordingMqttClient client = new("executor-client");
    private readonly ApplicationContext context = new();
    private int executions;

    [Fact]
    public async Task A_valid_request_gets_200_with_the_response_and_is_acked_after_the_publish()
    {
        await using var executor = await StartAsync();
        var correlation = Guid.NewGuid().ToByteArray();

        await client.ReceiveAsync(Request(correlation));
        var response = await client.NextPublishAsync();
        await client.WaitForAcknowledgementsAsync(1);

        Assert.Equal(ResponseTopic, response.Topic);
        Assert.Equal(correlation, response.CorrelationData);
        Assert.Equal("200", response.Property("__stat"));
        Assert.Null(response.Property("__apErr"));
        Assert.Equal("\"Test_Response\"", response.PayloadText());
        Assert.Equal("1.0", response.Property("__protVer"));
        Assert.Equal(string.Empty, response.Property("$high_priority"));
        Assert.Equal(1, executions);
    }

    [Fact]
    public async Task An_empty_response_payload_is_204_without_content_type()
    {
        await using var executor = new CommandExecutor<string, byte[]>(context, client, "test", new RawRequestsBytesResponses())
        {
            RequestTopicPattern = RequestTopic,
            OnCommandReceived = (_, _) => Task.FromResult(ExtendedResponse<byte[]>.CreateFromResponse(null)),
        };
        await executor.StartAsync(cancellationToken: TestContext.Current.CancellationToken);

        await client.ReceiveAsync(Request(Guid.NewGuid().ToByteArray()));
        var response = await client.NextPublishAsync();

        Assert.Equal("204", response.Property("__stat"));
        Assert.True(response.Payload.IsEmpty);
        Assert.Null(response.ContentType);
    }

    [Fact]
    public async Task A_null_json_response_is_200_with_the_json_literal_null_as_the_sdk_executor_sends_it()
    {
        // The public .NET SDK's executor answers a null response with 200, application/json and the payload "null"; its invoker
        // refuses a 204's empty body with its JSON deserializer, so an application error on a null response must travel this way.
        await using var executor = await StartAsync(handler: (_, _) =>
            Task.FromResult(ExtendedResponse<string>.CreateFromResponse(null).WithApplicationError("OutOfRange")));

        await client.ReceiveAsync(Request(Guid.NewGuid().ToByteArray()));
        var response = await client.NextPublishAsync();

        Assert.Equal("200", response.Property("__stat"));
        Assert.Equal("null", response.PayloadText());
        Assert.Equal("application/json", response.ContentType);
        Assert.Equal(MqttPayloadFormatIndicator.CharacterData, response.PayloadFormatIndicator);
        Assert.Equal("OutOfRange", response.Property("AppErrCode"));
    }

    /// <summary>JSON requests, raw byte responses (an empty response is an empty payload).</summary>
    private sealed class RawRequestsBytesResponses : IPayloadSerializer
    {
        private readonly JsonPayloadSerializer json = new();
        private readonly RawPayloadSerializer raw = new();

        public SerializedPayloadContext ToBytes<T>(T? payload) => raw.ToBytes(payload);

        public T? FromBytes<T>(System.Buffers.ReadOnlySequence<byte> payload, string? contentType, MqttPayloadFormatIndicator formatIndicator) =>
            json.FromBytes<T>(payload, contentType, formatIndicator);
    }

    [Fact]
    public async Task Missing_message_expiry_is_400_naming_Message_Expiry_with_the_execution_timeout_as_expiry()
    {
        await using var executor = await StartAsync();

        await client.ReceiveAsync(Request(Guid.NewGuid().ToByteArray(), expiry: 0));
        var response = await client.NextPublishAsync();

        Assert.Equal("400", response.Property("__stat"));
        Assert.Equal("false", response.Property("__apErr"));
        Assert.Equal("Message Expiry", response.Property("__propName"));
        Assert.Null(response.Property("__propVal"));
        Assert.Equal(10u, response.MessageExpiryInterval);
        Assert.Equal(0, executions);
    }

    [Fact]
    public async Task Missing_correlation_data_is_400_without_correlation_on_the_response()
    {
        await using var executor = await StartAsync();

        await client.ReceiveAsync(Request(null));
        var response = await client.NextPublishAsync();

        Assert.Equal("400", response.Property("__stat"));
        Assert.Equal("Correlation Data", response.Property("__propName"));
        Assert.Null(response.CorrelationData);
    }

    [Fact]
    public async Task Correlation_data_that_is_not_16_bytes_is_400_and_echoed()
    {
        await using var executor = await StartAsync();
        var notGuid = Encoding.UTF8.GetBytes("NotGuid");

        await client.ReceiveAsync(Request(notGuid));
        var response = await client.NextPublishAsync();

        Assert.Equal("400", response.Property("__stat"));
        Assert.Equal("Correlation Data", response.Property("__propName"));
        Assert.Equal(notGuid, response.CorrelationData);
    }

    [Fact]
    public async Task A_malformed_timestamp_is_400_naming_ts_with_the_raw_value()
    {
        await using var executor = await StartAsync();

        await client.ReceiveAsync(Request(Guid.NewGuid().ToByteArray(), properties: [("__ts", "NotValid")]));
        var response = await client.NextPublishAsync();

        Assert.Equal("400", response.Property("__stat"));
        Assert.Equal("__ts", response.Property("__propName"));
        Assert.Equal("NotValid", response.Property("__propVal"));
        Assert.Equal(0, executions);
    }

    [Fact]
    public async Task A_refused_content_type_is_415_naming_Content_Type()
    {
        await using var executor = await StartAsync();

        await client.ReceiveAsync(Request(Guid.NewGuid().ToByteArray(), contentType: "raw/0"));
        var response = await client.NextPublishAsync();

        Assert.Equal("415", response.Property("__stat"));
        Assert.Equal("Content Type", response.Property("__propName"));
        Assert.Equal("raw/0", response.Property("__propVal"));
    }

    [Fact]
    public async Task A_malformed_payload_is_400_without_property_name()
    {
        await using var executor = await StartAsync();

        await client.ReceiveAsync(TestMessages.Create(RequestTopic, "{not json", correlationData: Guid.NewGuid().ToByteArray(), responseTopic: ResponseTopic));
        var response = await client.NextPublishAsync();

        Assert.Equal("400", response.Property("__stat"));
        Assert.Null(response.Property("__propName"));
    }

    [Theory]
    [InlineData("123456.0")]
    [InlineData("NotAVersion")]
    public async Task An_unsupported_protocol_version_is_505_with_the_request_version_and_supported_majors(string version)
    {
        await using var executor = await StartAsync();

        await client.ReceiveAsync(Request(Guid.NewGuid().ToByteArray(), properties: [("__protVer", version)]));
        var response = await client.NextPublishAsync();

        Assert.Equal("505", response.Property("__stat"));
        Assert.Equal(version, response.Property("__requestProtVer"));
        Assert.Equal("1", response.Property("__supProtMajVer"));
        Assert.Equal("1.0", response.Property("__protVer"));
        Assert.Equal(0, executions);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("bad//topic")]
    [InlineData("bad/+/topic")]
    public async Task A_missing_or_invalid_response_topic_gets_no_response_but_an_ack(string? responseTopic)
    {
        await using var executor = await StartAsync();

        await client.ReceiveAsync(TestMessages.Create(RequestTopic, "\"Test_Request\"", correlationData: Guid.NewGuid().ToByteArray(), responseTopic: responseTopic));
        await client.WaitForAcknowledgementsAsync(1);

        Assert.Empty(client.Published);
        Assert.Equal(0, executions);
    }

    [Fact]
    public async Task A_message_off_the_filter_is_left_to_auto_ack()
    {
        await using var executor = await StartAsync();

        await client.ReceiveAsync(TestMessages.Create("mock/other", "\"Test_Request\"", correlationData: Guid.NewGuid().ToByteArray(), responseTopic: ResponseTopic));

        Assert.Single(client.Acknowledged);
        Assert.Empty(client.Published);
    }

    [Fact]
    public async Task A_throwing_handler_is_500_application_error_with_its_message()
    {
        await using var executor = await StartAsync(handler: (_, _) => throw new InvalidOperationException("This is an execution error"));

        await client.ReceiveAsync(Request(Guid.NewGuid().ToByteArray()));
        var response = await client.NextPublishAsync();

        Assert.Equal("500", response.Property("__stat"));
        Assert.Equal("true", response.Property("__apErr"));
        Assert.Equal("This is an execution error", response.Property("__stMsg"));
    }

    [Fact]
    public async Task A_stalled_handler_gets_408_naming_ExecutionTimeout_with_iso_duration()
    {
        await using var executor = await StartAsync(
            handler: async (_, ct) =>
            {
                await Task.Delay(Timeout.Infinite, ct);
                return default;
            },
            executionTimeout: TimeSpan.FromSeconds(1));

        await client.ReceiveAsync(Request(Guid.NewGuid().ToByteArray()));
        var response = await client.NextPublishAsync();

        Assert.Equal("408", response.Property("__stat"));
        Assert.Equal("ExecutionTimeout", response.Property("__propName"));
        Assert.Equal("PT1S", response.Property("__propVal"));
    }

    [Fact]
    public async Task Unknown_reserved_headers_are_accepted_and_not_echoed_and_request_metadata_is_surfaced()
    {
        CommandRequestMetadata? seen = null;
        await using var executor = await StartAsync(handler: (request, _) =>
        {
            seen = request.RequestMetadata;
            return Task.FromResult(ExtendedResponse<string>.CreateFromResponse("ok"));
        });
        var correlation = Guid.NewGuid();

        await client.ReceiveAsync(Request(correlation.ToByteArray(), properties: [("__unexpected", "x"), ("__srcId", "the-invoker"), ("$partition", "the-invoker"), ("requestHeader", "requestValue")]));
        var response = await client.NextPublishAsync();

        Assert.Equal("200", response.Property("__stat"));
        Assert.Null(response.Property("__unexpected"));
        Assert.Equal(correlation, seen!.CorrelationId);
        Assert.Equal("the-invoker", seen.InvokerClientId);
        Assert.Equal("the-invoker", seen.Partition);
        Assert.Equal("requestValue", seen.UserData["requestHeader"]);
        Assert.False(seen.UserData.ContainsKey("__srcId"));
        Assert.Equal("application/json", seen.ContentType);
    }

    [Fact]
    public async Task A_duplicate_is_answered_from_the_cache_and_a_pseudo_duplicate_executes_again()
    {
        var counter = 0;
        await using var executor = await StartAsync(handler: (_, _) =>
            Task.FromResult(ExtendedResponse<string>.CreateFromResponse($"Test_Response{Interlocked.Increment(ref counter) - 1}")));
        var correlation = Guid.NewGuid().ToByteArray();

        await client.ReceiveAsync(Request(correlation));
        var first = await client.NextPublishAsync();
        await client.ReceiveAsync(Request(correlation));
        var duplicate = await client.NextPublishAsync();
        await client.ReceiveAsync(TestMessages.Create(RequestTopic, "\"Test_Request\"", correlationData: correlation, responseTopic: "other/response"));
        var pseudo = await client.NextPublishAsync();
        await client.WaitForAcknowledgementsAsync(3);

        Assert.Equal("\"Test_Response0\"", first.PayloadText());
        Assert.Equal("\"Test_Response0\"", duplicate.PayloadText());
        Assert.Equal(correlation, duplicate.CorrelationData);
        Assert.Equal("\"Test_Response1\"", pseudo.PayloadText());
        Assert.Equal("other/response", pseudo.Topic);
        Assert.Equal(2, counter);
    }

    [Fact]
    public async Task The_cache_belongs_to_one_executor_instance()
    {
        var otherClient = new RecordingMqttClient("other-executor");
        var otherExecutions = 0;
        await using var executor = await StartAsync();
        await using var other = new CommandExecutor<string, string>(context, otherClient, "test", new JsonPayloadSerializer())
        {
            RequestTopicPattern = RequestTopic,
            OnCommandReceived = (_, _) =>
            {
                Interlocked.Increment(ref otherExecutions);
                return Task.FromResult(ExtendedResponse<string>.CreateFromResponse("x"));
            },
        };
        await other.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        var correlation = Guid.NewGuid().ToByteArray();

        await client.ReceiveAsync(Request(correlation));
        await otherClient.ReceiveAsync(Request(correlation));
        await client.NextPublishAsync();
        await otherClient.NextPublishAsync();

        Assert.Equal(1, executions);
        Assert.Equal(1, otherExecutions);
    }

    [Fact]
    public async Task Start_refuses_a_zero_execution_timeout_and_a_bad_pattern_naming_them()
    {
        var zero = new CommandExecutor<string, string>(context, client, "test", new JsonPayloadSerializer())
        {
            RequestTopicPattern = RequestTopic,
            ExecutionTimeout = TimeSpan.Zero,
            OnCommandReceived = (_, _) => Task.FromResult(default(ExtendedResponse<string>)),
        };
        var noPattern = new CommandExecutor<string, string>(context, client, "test", new JsonPayloadSerializer())
        {
            OnCommandReceived = (_, _) => Task.FromResult(default(ExtendedResponse<string>)),
        };

        var zeroError = await Assert.ThrowsAsync<AioProtocolException>(() => zero.StartAsync(cancellationToken: TestContext.Current.CancellationToken));
        var patternError = await Assert.ThrowsAsync<AioProtocolException>(() => noPattern.StartAsync(cancellationToken: TestContext.Current.CancellationToken));
        var nameError = Assert.Throws<AioProtocolException>(() => new CommandExecutor<string, string>(context, client, null!, new JsonPayloadSerializer()));

        Assert.Equal(("ExecutionTimeout", true), (zeroError.PropertyName, zeroError.IsShallow));
        Assert.Equal(("RequestTopicPattern", ""), (patternError.PropertyName, patternError.PropertyValue));
        Assert.Equal(AioErrorKind.ConfigurationInvalid, nameError.Kind);
        Assert.Equal("commandName", nameError.PropertyName);
    }

    [Fact]
    public async Task Mqtt_v3_and_missing_client_id_are_refused()
    {
        var v3 = new CommandExecutor<string, string>(context, new RecordingMqttClient("c", protocolVersion: MqttProtocolVersion.V311), "test", new JsonPayloadSerializer())
        {
            RequestTopicPattern = RequestTopic,
            OnCommandReceived = (_, _) => Task.FromResult(default(ExtendedResponse<string>)),
        };
        var noId = new CommandExecutor<string, string>(context, new RecordingMqttClient(null), "test", new JsonPayloadSerializer())
        {
            RequestTopicPattern = RequestTopic,
            OnCommandReceived = (_, _) => Task.FromResult(default(ExtendedResponse<string>)),
        };

        var v3Error = await Assert.ThrowsAsync<AioProtocolException>(() => v3.StartAsync(cancellationToken: TestContext.Current.CancellationToken));
        var idError = await Assert.ThrowsAsync<AioProtocolException>(() => noId.StartAsync(cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal("MQTTClient.ProtocolVersion", v3Error.PropertyName);
        Assert.Equal("MQTTClient.ClientId", idError.PropertyName);
    }

    [Fact]
    public async Task Shared_subscription_and_suback_or_unsuback_failure_carry_the_command_name()
    {
        var executor = new CommandExecutor<string, string>(context, client, "test", new JsonPayloadSerializer())
        {
            RequestTopicPattern = "mock/{commandName}/test",
            TopicNamespace = "ns",
            ServiceGroupId = "group1",
            OnCommandReceived = (_, _) => Task.FromResult(default(ExtendedResponse<string>)),
        };
        await executor.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        client.UnsubscribeResultCode = MQTTnet.MqttClientUnsubscribeResultCode.UnspecifiedError;

        var stopError = await Assert.ThrowsAsync<AioProtocolException>(() => executor.StopAsync(TestContext.Current.CancellationToken));

        Assert.Equal(["$share/group1/ns/mock/+/test"], client.Subscribed);
        Assert.Equal(["$share/group1/ns/mock/+/test"], client.Unsubscribed);
        Assert.Equal((AioErrorKind.MqttError, "test"), (stopError.Kind, stopError.CommandName));

        var failing = new RecordingMqttClient("x") { SubscribeResultCode = MQTTnet.MqttClientSubscribeResultCode.UnspecifiedError };
        var second = new CommandExecutor<string, string>(context, failing, "test", new JsonPayloadSerializer())
        {
            RequestTopicPattern = RequestTopic,
            OnCommandReceived = (_, _) => Task.FromResult(default(ExtendedResponse<string>)),
        };
        var startError = await Assert.ThrowsAsync<AioProtocolException>(() => second.StartAsync(cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal((AioErrorKind.MqttError, "test", false), (startError.Kind, startError.CommandName, startError.IsShallow));
    }

    private static MqttApplicationMessage Request(byte[]? correlation, uint expiry = 10, string? contentType = "application/json", params (string, string)[] properties) =>
        TestMessages.Create(RequestTopic, "\"Test_Request\"", contentType, correlation, ResponseTopic, expiry, properties);

    private async Task<CommandExecutor<string, string>> StartAsync(
        Func<ExtendedRequest<string>, CancellationToken, Task<ExtendedResponse<string>>>? handler = null,
        TimeSpan? executionTimeout = null)
    {
        var executor = new CommandExecutor<string, string>(context, client, "test", new JsonPayloadSerializer())
        {
            RequestTopicPattern = RequestTopic,
            ExecutionTimeout = executionTimeout ?? TimeSpan.FromSeconds(10),
            OnCommandReceived = (request, ct) =>
            {
                Interlocked.Increment(ref executions);
                return handler is null ? Task.FromResult(ExtendedResponse<string>.CreateFromResponse("Test_Response")) : handler(request, ct);
            },
        };
        await executor.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        return executor;
    }
}
