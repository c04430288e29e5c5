using MQTTnet;
using OrleansAio.Abstractions.Common;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Rpc;
using OrleansAio.Protocol.Serialization;

namespace OrleansAio.Tests.Protocol.Rpc;

public sealed class CommandInvokerTests
{
    private readonly RecordingMqttClient client = new("ThisInvokerId");
    private readonly ApplicationContext context = new();

    public static TheoryData<string, string?, string?, string?, string?, AioErrorKind> RemoteStatuses => new()
    {
        { "400", null, "requestHeader", "requestValue", null, AioErrorKind.HeaderInvalid },
        { "400", null, "requestHeader", null, null, AioErrorKind.HeaderMissing },
        { "400", null, null, null, null, AioErrorKind.PayloadInvalid },
        { "408", null, "ExecutionTimeout", "PT1S", null, AioErrorKind.Timeout },
        { "415", null, "Content Type", "raw/0", null, AioErrorKind.HeaderInvalid },
        { "500", "true", "requestHeader", "requestValue", null, AioErrorKind.ExecutionException },
        { "500", "false", "internalLogicErrorProperty", null, null, AioErrorKind.InternalLogicError },
        { "500", null, null, null, null, AioErrorKind.UnknownError },
        { "503", null, "MaxClockDrift", null, null, AioErrorKind.StateInvalid },
        { "505", null, null, null, "2.0", AioErrorKind.UnsupportedVersion },
        { "422", "true", "requestHeader", "requestValue", null, AioErrorKind.UnknownError },
        { "418", null, null, null, null, AioErrorKind.UnknownError },
    };

    [Fact]
    public async Task Default_response_topic_is_clients_client_id_and_is_subscribed_once_per_filter()
    {
        await using var invoker = Create(prefix: null);

        var first = Invoke(invoker);
        var request = await client.NextPublishAsync();
        await Respond(request, "\"Test_Response\"");
        var response = await first;
        var second = Invoke(invoker);
        await Respond(await client.NextPublishAsync(), "\"Again\"");
        await second;

        Assert.Equal("Test_Response", response.Response);
        Assert.Equal("clients/ThisInvokerId/mock/test", request.ResponseTopic);
        Assert.Equal(["clients/ThisInvokerId/mock/test"], client.Subscribed);
    }

    [Fact]
    public async Task Prefix_suffix_pattern_namespace_and_transient_tokens_shape_the_response_topic()
    {
        await using var prefixed = Create(pattern: "mock/{executorId}/test", prefix: "response", topicNamespace: "this/is/a/namespace");
        _ = Invoke(prefixed, new Dictionary<string, string> { ["executorId"] = "someExecutor" });
        var request = await client.NextPublishAsync();

        Assert.Equal("this/is/a/namespace/mock/someExecutor/test", request.Topic);
        Assert.Equal("this/is/a/namespace/response/mock/someExecutor/test", request.ResponseTopic);
        Assert.Contains("this/is/a/namespace/response/mock/+/test", client.Subscribed);

        await using var suffixed = new CommandInvoker<string, string>(context, client, "test", new JsonPayloadSerializer())
        {
            RequestTopicPattern = "mock/test",
            ResponseTopicSuffix = "response",
        };
        _ = Invoke(suffixed);
        Assert.Equal("mock/test/response", (await client.NextPublishAsync()).ResponseTopic);

        await using var custom = new CommandInvoker<string, string>(context, client, "test", new JsonPayloadSerializer())
        {
            RequestTopicPattern = "mock/test",
            ResponseTopicPattern = "my/response/topic/{ex:foo}",
        };
        _ = Invoke(custom, new Dictionary<string, string> { ["ex:foo"] = "someCustomValue" });
        Assert.Equal("my/response/topic/someCustomValue", (await client.NextPublishAsync()).ResponseTopic);
        Assert.Contains("my/response/topic/+", client.Subscribed);
    }

    [Fact]
    public async Task Configuration_errors_are_shallow_and_name_the_token_or_option()
    {
        await using var missing = Create(pattern: "mock/{executorId}/test");
        await using var badPrefix = Create(prefix: "prefix/{in/valid}");
        await using var badNamespace = Create(topicNamespace: "invalid/{modelId}");
        await using var plain = Create();

        var missingError = await Assert.ThrowsAsync<AioProtocolException>(() => Invoke(missing));
        var prefixError = await Assert.ThrowsAsync<AioProtocolException>(() => Invoke(badPrefix));
        var namespaceError = await Assert.ThrowsAsync<AioProtocolException>(() => Invoke(badNamespace));
        var zeroError = await Assert.ThrowsAsync<AioProtocolException>(() => plain.InvokeCommandAsync("x", commandTimeout: TimeSpan.Zero, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(("executorId", true, "test"), (missingError.PropertyName, missingError.IsShallow, missingError.CommandName));
        Assert.Equal(("ResponseTopicPrefix", "prefix/{in/valid}"), (prefixError.PropertyName, prefixError.PropertyValue));
        Assert.Equal("TopicNamespace", namespaceError.PropertyName);
        Assert.Equal(("commandTimeout", AioErrorKind.ConfigurationInvalid), (zeroError.PropertyName, zeroError.Kind));
        Assert.Empty(client.Published);
    }

    [Fact]
    public async Task A_sub_millisecond_timeout_rounds_up_to_one_second_of_expiry()
    {
        await using var invoker = Create();

        _ = invoker.InvokeCommandAsync("x", commandTimeout: TimeSpan.FromTicks(5000), cancellationToken: TestContext.Current.CancellationToken);
        var request = await client.NextPublishAsync();

        Assert.Equal(1u, request.MessageExpiryInterval);
    }

    [Theory]
    [MemberData(nameof(RemoteStatuses))]
    public async Task Error_statuses_map_to_remote_errors_per_the_invoker_table(
        string status, string? applicationError, string? propertyName, string? propertyValue, string? requestVersion, AioErrorKind kind)
    {
        await using var invoker = Create();
        var call = Invoke(invoker);
        var request = await client.NextPublishAsync();
        var properties = new List<(string, string)> { ("__stat", status), ("__stMsg", "This is the message") };
        if (applicationError is not null)
        {
            properties.Add(("__apErr", applicationError));
        }

        if (propertyName is not null)
        {
            properties.Add(("__propName", propertyName));
        }

        if (propertyValue is not null)
        {
            properties.Add(("__propVal", propertyValue));
        }

        if (requestVersion is not null)
        {
            properties.Add(("__requestProtVer", requestVersion));
            properties.Add(("__supProtMajVer", "2 3 4"));
        }

        await client.ReceiveAsync(TestMessages.Create(request.ResponseTopic, null, null, request.CorrelationData, userProperties: [.. properties]));
        var error = await Assert.ThrowsAsync<AioProtocolException>(() => call);

        Assert.Equal(kind, error.Kind);
        Assert.True(error.IsRemote);
        Assert.False(error.IsShallow);
        Assert.Equal("This is the message", error.Message);
        Assert.Equal("test", error.CommandName);
        Assert.Equal(new Guid(request.CorrelationData), error.CorrelationId);
        switch (kind)
        {
            case AioErrorKind.HeaderInvalid:
                Assert.Equal((propertyName, propertyValue), (error.HeaderName, error.HeaderValue));
                break;
            case AioErrorKind.HeaderMissing:
                Assert.Equal(propertyName, error.HeaderName);
                break;
            case AioErrorKind.Timeout:
                Assert.Equal((propertyName, TimeSpan.FromSeconds(1)), (error.TimeoutName, error.TimeoutValue));
                break;
            case AioErrorKind.UnsupportedVersion:
                Assert.Equal(requestVersion, error.ProtocolVersion);
                Assert.Equal([2, 3, 4], error.SupportedMajorProtocolVersions!);
                break;
            case AioErrorKind.ExecutionException or AioErrorKind.InternalLogicError or AioErrorKind.StateInvalid or AioErrorKind.UnknownError:
                Assert.Equal(propertyName, error.PropertyName);
                Assert.Equal(propertyValue, error.PropertyValue);
                break;
        }
    }

    [Theory]
    [InlineData(null, null, AioErrorKind.HeaderMissing)]
    [InlineData("abc", null, AioErrorKind.HeaderInvalid)]
    [InlineData("200", "1234567.0", AioErrorKind.UnsupportedVersion)]
    [InlineData("200", "not.a.version", AioErrorKind.UnsupportedVersion)]
    public async Task Malformed_responses_fail_locally(string? status, string? version, AioErrorKind kind)
    {
        await using var invoker = Create();
        var call = Invoke(invoker);
        var request = await client.NextPublishAsync();
        var properties = new List<(string, string)>();
        if (status is not null)
        {
            properties.Add(("__stat", status));
        }

        if (version is not null)
        {
            properties.Add(("__protVer", version));
        }

        await client.ReceiveAsync(TestMessages.Create(request.ResponseTopic, "\"x\"", correlationData: request.CorrelationData, userProperties: [.. properties]));
        var error = await Assert.ThrowsAsync<AioProtocolException>(() => call);

        Assert.Equal(kind, error.Kind);
        Assert.False(error.IsRemote);
        if (kind == AioErrorKind.UnsupportedVersion)
        {
            Assert.Equal(version, error.ProtocolVersion);
            Assert.Equal([1], error.SupportedMajorProtocolVersions!);
        }
        else
        {
            Assert.Equal("__stat", error.HeaderName);
        }
    }

    [Fact]
    public async Task A_bad_timestamp_or_content_type_on_a_success_fails_locally_naming_the_header()
    {
        await using var invoker = Create();
        var first = Invoke(invoker);
        var request = await client.NextPublishAsync();
        await client.ReceiveAsync(TestMessages.Create(request.ResponseTopic, "\"x\"", correlationData: request.CorrelationData, userProperties: [("__stat", "200"), ("__ts", "NotValid")]));
        var tsError = await Assert.ThrowsAsync<AioProtocolException>(() => first);

        var second = Invoke(invoker);
        request = await client.NextPublishAsync();
        await client.ReceiveAsync(TestMessages.Create(request.ResponseTopic, "\"x\"", "raw/0", request.CorrelationData, userProperties: [("__stat", "200")]));
        var contentError = await Assert.ThrowsAsync<AioProtocolException>(() => second);

        Assert.Equal((AioErrorKind.HeaderInvalid, "__ts", "NotValid", false), (tsError.Kind, tsError.HeaderName, tsError.HeaderValue, tsError.IsRemote));
        Assert.Equal((AioErrorKind.HeaderInvalid, "Content Type", "raw/0"), (contentError.Kind, contentError.HeaderName, contentError.HeaderValue));
    }

    [Fact]
    public async Task Responses_on_the_wrong_topic_or_with_unknown_correlation_are_ignored_and_acked()
    {
        await using var invoker = Create();
        var call = Invoke(invoker);
        var request = await client.NextPublishAsync();

        await client.ReceiveAsync(TestMessages.Create(request.ResponseTopic, "\"stranger\"", correlationData: Guid.NewGuid().ToByteArray(), userProperties: [("__stat", "200")]));
        await client.ReceiveAsync(TestMessages.Create(request.ResponseTopic, "\"no correlation\"", userProperties: [("__stat", "200")]));
        await Respond(request, "\"mine\"");
        await Respond(request, "\"late duplicate\"");

        Assert.Equal("mine", (await call).Response);
        Assert.Equal(4, client.Acknowledged.Count);
    }

    [Fact]
    public async Task Puback_and_suback_failures_are_mqtt_errors_and_a_missing_response_times_out()
    {
        await using var invoker = Create();
        client.PublishReasonCode = MqttClientPublishReasonCode.UnspecifiedError;
        var pubackError = await Assert.ThrowsAsync<AioProtocolException>(() => Invoke(invoker));
        client.PublishReasonCode = MqttClientPublishReasonCode.Success;

        var failing = new RecordingMqttClient("x") { SubscribeResultCode = MqttClientSubscribeResultCode.UnspecifiedError };
        await using var subFailing = new CommandInvoker<string, string>(context, failing, "test", new JsonPayloadSerializer()) { RequestTopicPattern = "mock/test" };
        var subackError = await Assert.ThrowsAsync<AioProtocolException>(() => subFailing.InvokeCommandAsync("x", cancellationToken: TestContext.Current.CancellationToken));

        var timeoutError = await Assert.ThrowsAsync<AioProtocolException>(() => invoker.InvokeCommandAsync("x", commandTimeout: TimeSpan.FromSeconds(1), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal((AioErrorKind.MqttError, false, false), (pubackError.Kind, pubackError.IsShallow, pubackError.IsRemote));
        Assert.Equal((AioErrorKind.MqttError, false), (subackError.Kind, subackError.IsShallow));
        Assert.Equal((AioErrorKind.Timeout, false, "commandTimeout"), (timeoutError.Kind, timeoutError.IsRemote, timeoutError.TimeoutName));
    }

    [Fact]
    public async Task Caller_cancellation_is_a_cancellation_error_and_a_reused_correlation_id_is_refused()
    {
        await using var invoker = Create();
        using var cancellation = new CancellationTokenSource();
        var metadata = new CommandRequestMetadata();
        var call = invoker.InvokeCommandAsync("x", metadata, cancellationToken: cancellation.Token);
        await client.NextPublishAsync();

        var reuse = await Assert.ThrowsAsync<AioProtocolException>(() => invoker.InvokeCommandAsync("y", metadata, cancellationToken: TestContext.Current.CancellationToken));
        await cancellation.CancelAsync();
        var cancelled = await Assert.ThrowsAsync<AioProtocolException>(() => call);

        Assert.Equal((AioErrorKind.StateInvalid, true), (reuse.Kind, reuse.IsShallow));
        Assert.Equal(AioErrorKind.Cancellation, cancelled.Kind);
    }

    [Fact]
    public async Task Stop_unsubscribes_and_reports_unsuback_failure_with_the_command_name()
    {
        await using var invoker = Create();
        var call = Invoke(invoker);
        await Respond(await client.NextPublishAsync(), "\"x\"");
        await call;
        client.UnsubscribeResultCode = MqttClientUnsubscribeResultCode.UnspecifiedError;

        var error = await Assert.ThrowsAsync<AioProtocolException>(() => invoker.StopAsync(TestContext.Current.CancellationToken));

        Assert.Equal(["response/mock/test"], client.Unsubscribed);
        Assert.Equal((AioErrorKind.MqttError, "test"), (error.Kind, error.CommandName));
    }

    private CommandInvoker<string, string> Create(string pattern = "mock/test", string? prefix = "response", string? topicNamespace = null) =>
        new(context, client, "test", new JsonPayloadSerializer())
        {
            RequestTopicPattern = pattern,
            ResponseTopicPrefix = prefix,
            TopicNamespace = topicNamespace,
        };

    private static Task<ExtendedResponse<string>> Invoke(CommandInvoker<string, string> invoker, Dictionary<string, string>? tokens = null) =>
        invoker.InvokeCommandAsync("Test_Request", additionalTopicTokenMap: tokens, commandTimeout: TimeSpan.FromMinutes(1), cancellationToken: TestContext.Current.CancellationToken);

    private Task Respond(MqttApplicationMessage request, string payload) =>
        client.ReceiveAsync(TestMessages.Create(request.ResponseTopic, payload, correlationData: request.CorrelationData, userProperties: [("__stat", "200")]));
}
