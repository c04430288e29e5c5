using OrleansAio.Tests.Conformance.Infrastructure;
using OrleansAio.Tests.Conformance.Model;
using OrleansAio.Tests.Conformance.Runners;

namespace OrleansAio.Tests.Conformance;

/// <summary>
/// Proves the runner can fail: small in-memory cases, each first as a canary that must pass and then mutated so that exactly one
/// expectation is wrong, which must fail with a message naming that expectation (the idea of upstream's SanityCheck tree).
/// </summary>
public sealed class MetlRunnerSanityTests
{
    private const string ExecutorDefaults = """
        [prologue.executor]
        command-name = "test"
        request-topic = "mock/test"
        execution-timeout = { seconds = 10 }
        request-responses-map = { "Test_Request" = [ "Test_Response" ] }

        [actions.receive-request]
        topic = "mock/test"
        payload = "Test_Request"
        content-type = "application/json"
        format-indicator = 1
        correlation-index = 0
        qos = 1
        message-expiry = { seconds = 10 }
        response-topic = "response/mock/test"
        source-index = 0
        """;

    private const string InvokerDefaults = """
        [prologue.invoker]
        command-name = "test"
        request-topic = "mock/test"
        response-topic-prefix = "response"

        [actions.invoke-command]
        request-value = "Test_Request"
        timeout = { minutes = 1 }

        [actions.receive-response]
        topic = "response/mock/test"
        payload = "Test_Response"
        content-type = "application/json"
        format-indicator = 1
        correlation-index = 0
        qos = 1
        message-expiry = { seconds = 10 }
        status = "200"
        """;

    private const string ReceiverDefaults = """
        [prologue.receiver]
        telemetry-topic = "mock/test"

        [actions.receive-telemetry]
        topic = "mock/test"
        payload = "Test_Telemetry"
        content-type = "application/json"
        format-indicator = 1
        qos = 1
        message-expiry = { seconds = 10 }
        source-index = 0
        """;

    private const string SenderDefaults = """
        [prologue.sender]
        telemetry-topic = "mock/test"

        [actions.send-telemetry]
        telemetry-value = "Test_Telemetry"
        timeout = { minutes = 1 }
        """;

    private const string ExecutorBasic = """
        test-name: ExecutorBasic
        description: { condition: "basic request", expect: "response" }
        prologue:
          executors:
          - { }
        actions:
        - action: freeze time
        - action: receive request
          correlation-index: 0
          packet-index: 0
        - action: await publish
          correlation-index: 0
        - action: await acknowledgement
          packet-index: 0
        - action: unfreeze time
        epilogue:
          subscribed-topics: [ "mock/test" ]
          publication-count: 1
          acknowledgement-count: 1
          execution-count: 1
          execution-counts: { 0: 1 }
          published-messages:
          - correlation-index: 0
            topic: "response/mock/test"
            command-status: 200
            is-application-error: false
            payload: "Test_Response"
            content-type: "application/json"
            format-indicator: 1
            expiry: 10
            metadata:
              "__protVer": "1.0"
              "__apErr":
        """;

    private const string ExecutorZeroTimeout = """
        test-name: ExecutorZeroTimeout
        description: { condition: "zero timeout", expect: "error" }
        prologue:
          executors:
          - execution-timeout: { seconds: 0 }
          catch:
            error-kind: invalid configuration
            is-shallow: !!bool true
            is-remote: !!bool false
            supplemental:
              property-name: 'executiontimeout'
        """;

    private const string ExecutorUnsubFailure = """
        test-name: ExecutorUnsubFailure
        description: { condition: "UNSUBACK fails", expect: "mqtt error" }
        prologue:
          push-acks:
            unsubscribe: [ fail ]
          executors:
          - { }
        epilogue:
          catch:
            error-kind: mqtt error
            supplemental:
              command-name: "test"
        """;

    private const string InvokerBasic = """
        test-name: InvokerBasic
        description: { condition: "invoke", expect: "response" }
        prologue:
          mqtt-config: { client-id: "SanityInvoker" }
          invokers:
          - { }
        actions:
        - action: invoke command
          invocation-index: 0
          timeout: { seconds: 3 }
        - action: await publish
          correlation-index: 0
        - action: receive response
          correlation-index: 0
          packet-index: 0
          metadata:
            "responseHeader": "responseValue"
        - action: await invocation
          invocation-index: 0
          response-value: "Test_Response"
          metadata:
            "responseHeader": "responseValue"
        - action: await acknowledgement
          packet-index: 0
        epilogue:
          subscribed-topics: [ "response/mock/test" ]
          publication-count: 1
          acknowledgement-count: 1
          published-messages:
          - correlation-index: 0
            topic: "mock/test"
            payload: "Test_Request"
            source-id: "SanityInvoker"
            expiry: 3
        """;

    private const string InvokerVersionError = """
        test-name: InvokerVersionError
        description: { condition: "505", expect: "unsupported version" }
        prologue:
          invokers:
          - { }
        actions:
        - action: invoke command
          invocation-index: 0
        - action: await publish
          correlation-index: 0
        - action: receive response
          correlation-index: 0
          status: "505"
          metadata:
            "__supProtMajVer": "2 3"
            "__requestProtVer": "1.0"
            "__stMsg": "not supported"
        - action: await invocation
          invocation-index: 0
          catch:
            error-kind: unsupported version
            is-shallow: !!bool false
            is-remote: !!bool true
            message: "not supported"
            supplemental:
              protocol-version: '1.0'
              supported-protocols: "2 3"
        """;

    private const string InvokerBadRequest = """
        test-name: InvokerBadRequest
        description: { condition: "400 with name and value", expect: "invalid header" }
        prologue:
          invokers:
          - { }
        actions:
        - action: invoke command
          invocation-index: 0
        - action: await publish
          correlation-index: 0
        - action: receive response
          correlation-index: 0
          status: "400"
          invalid-property-name: "__srcId"
          invalid-property-value: "//invalid"
        - action: await invocation
          invocation-index: 0
          catch:
            error-kind: invalid header
            supplemental:
              header-name: "__srcId"
              header-value: "//invalid"
        """;

    private const string InvokerTimeout = """
        test-name: InvokerTimeout
        description: { condition: "no response", expect: "timeout" }
        prologue:
          invokers:
          - { }
        actions:
        - action: invoke command
          invocation-index: 0
          timeout: { seconds: 1 }
        - action: await publish
          correlation-index: 0
        - action: await invocation
          invocation-index: 0
          catch:
            error-kind: timeout
            is-remote: !!bool false
            supplemental:
              timeout-name: 'commandtimeout'
              timeout-value: "PT1S"
        """;

    private const string ReceiverBasic = """
        test-name: ReceiverBasic
        description: { condition: "telemetry with CloudEvent", expect: "delivered" }
        prologue:
          receivers:
          - telemetry-topic: "mock/{ex:token}/test"
        actions:
        - action: receive telemetry
          topic: "mock/tokenValue/test"
          packet-index: 0
          metadata:
            "id": "someId"
            "source": "dtmi:test:source;1"
            "type": "test-type"
            "specversion": "1.0"
            "time": "1955-11-12T22:04:00Z"
            "telemHeader": "telemValue"
        - action: await acknowledgement
          packet-index: 0
        epilogue:
          subscribed-topics: [ "mock/+/test" ]
          acknowledgement-count: 1
          telemetry-count: 1
          telemetry-counts: { 0: 1 }
          received-telemetries:
          - telemetry-value: "Test_Telemetry"
            source-index: 0
            metadata:
              "telemHeader": "telemValue"
              "absentHeader":
            topic-tokens:
              "ex:token": "tokenValue"
            cloud-event:
              source: "dtmi:test:source;1"
              type: "test-type"
              spec-version: "1.0"
              id: "someId"
              time: "1955-11-12T22:04:00Z"
              data-content-type: "application/json"
              data-schema:
        """;

    private const string SenderBasic = """
        test-name: SenderBasic
        description: { condition: "send", expect: "published" }
        prologue:
          mqtt-config: { client-id: "SanitySender" }
          senders:
          - { }
        actions:
        - action: send telemetry
          telemetry-value: "First"
          timeout: { seconds: 3 }
        - action: await publish
        - action: send telemetry
          cloud-event:
            source: "dtmi:test:source;1"
        - action: await publish
        - action: await send
        - action: await send
        epilogue:
          publication-count: 2
          published-messages:
          - topic: "mock/test"
            payload: "First"
            source-id: "SanitySender"
            expiry: 3
            metadata:
              "source":
          - topic: "mock/test"
            payload: "Test_Telemetry"
            metadata:
              "source": "dtmi:test:source;1"
              "type": "ms.aio.telemetry"
        """;

    private const string SenderCloudEventError = """
        test-name: SenderCloudEventError
        description: { condition: "bad source", expect: "invalid configuration" }
        prologue:
          senders:
          - { }
        actions:
        - action: send telemetry
          cloud-event:
            source: "::::"
        - action: await send
          catch:
            error-kind: invalid configuration
            is-shallow: !!bool true
            supplemental:
              property-name: 'cloudevent'
        """;

    /// <summary>Every sanity case: a canary (expected failure <see langword="null"/>) and mutations with the failure they must cause.</summary>
    public static TheoryData<string, string, string, string, string?> Cases => new()
    {
        // Executor: canary, then one wrong expectation per kind of check.
        { "executor canary", nameof(MetlSuite.CommandExecutor), ExecutorBasic, string.Empty, null },
        { "executor publication-count", nameof(MetlSuite.CommandExecutor), ExecutorBasic, "publication-count: 1|publication-count: 2", "publication-count: expected 2, actual 1" },
        { "executor command-status", nameof(MetlSuite.CommandExecutor), ExecutorBasic, "command-status: 200|command-status: 201", "command-status: expected '201', actual '200'" },
        { "executor metadata value", nameof(MetlSuite.CommandExecutor), ExecutorBasic, "\"__protVer\": \"1.0\"|\"__protVer\": \"2.0\"", "metadata '__protVer': expected '2.0'" },
        { "executor metadata absent", nameof(MetlSuite.CommandExecutor), ExecutorBasic, "\"__protVer\": \"1.0\"|\"__protVer\":", "metadata '__protVer': expected absent" },
        { "executor payload", nameof(MetlSuite.CommandExecutor), ExecutorBasic, "payload: \"Test_Response\"|payload: \"Other\"", "payload: expected 'Other', actual 'Test_Response'" },
        { "executor topic", nameof(MetlSuite.CommandExecutor), ExecutorBasic, "topic: \"response/mock/test\"|topic: \"response/other\"", "topic: expected 'response/other'" },
        { "executor content-type", nameof(MetlSuite.CommandExecutor), ExecutorBasic, "content-type: \"application/json\"|content-type:", "content-type: expected absent" },
        { "executor format-indicator", nameof(MetlSuite.CommandExecutor), ExecutorBasic, "format-indicator: 1|format-indicator: 0", "format-indicator: expected 0, actual 1" },
        { "executor expiry", nameof(MetlSuite.CommandExecutor), ExecutorBasic, "expiry: 10|expiry: 7", "expiry: expected 7" },
        { "executor is-application-error", nameof(MetlSuite.CommandExecutor), ExecutorBasic, "is-application-error: false|is-application-error: true", "is-application-error: expected True" },
        { "executor acknowledgement-count", nameof(MetlSuite.CommandExecutor), ExecutorBasic, "acknowledgement-count: 1|acknowledgement-count: 2", "acknowledgement-count: expected 2, actual 1" },
        { "executor execution-count", nameof(MetlSuite.CommandExecutor), ExecutorBasic, "execution-count: 1|execution-count: 0", "execution-count: expected 0, actual 1" },
        { "executor execution-counts", nameof(MetlSuite.CommandExecutor), ExecutorBasic, "execution-counts: { 0: 1 }|execution-counts: { 0: 3 }", "execution-counts[0]: expected 3, actual 1" },
        { "executor subscribed-topics", nameof(MetlSuite.CommandExecutor), ExecutorBasic, "subscribed-topics: [ \"mock/test\" ]|subscribed-topics: [ \"mock/other\" ]", "never subscribed to 'mock/other'" },
        { "executor await acknowledgement packet", nameof(MetlSuite.CommandExecutor), ExecutorBasic, "- action: await acknowledgement\n  packet-index: 0|- action: await acknowledgement\n  packet-index: 7", "packet-index 7 was never used" },
        { "executor await publish correlation", nameof(MetlSuite.CommandExecutor), ExecutorBasic, "- action: await publish\n  correlation-index: 0|- action: await publish\n  correlation-index:", "expected a publication with the correlation data of index null" },
        { "executor published correlation", nameof(MetlSuite.CommandExecutor), ExecutorBasic, "- correlation-index: 0\n    topic|- correlation-index:\n    topic", "no response was published with the correlation data of index null" },
        { "executor prologue catch canary", nameof(MetlSuite.CommandExecutor), ExecutorZeroTimeout, string.Empty, null },
        { "executor prologue error-kind", nameof(MetlSuite.CommandExecutor), ExecutorZeroTimeout, "error-kind: invalid configuration|error-kind: mqtt error", "error-kind: expected 'mqtt error'" },
        { "executor prologue property-name", nameof(MetlSuite.CommandExecutor), ExecutorZeroTimeout, "'executiontimeout'|'requesttopicpattern'", "supplemental.property-name: expected 'requesttopicpattern'" },
        { "executor prologue is-shallow", nameof(MetlSuite.CommandExecutor), ExecutorZeroTimeout, "is-shallow: !!bool true|is-shallow: !!bool false", "is-shallow: expected False, actual True" },
        { "executor prologue catch missing error", nameof(MetlSuite.CommandExecutor), ExecutorZeroTimeout, "seconds: 0|seconds: 5", "expected error 'invalid configuration' but the operation succeeded" },
        { "executor epilogue catch canary", nameof(MetlSuite.CommandExecutor), ExecutorUnsubFailure, string.Empty, null },
        { "executor epilogue command-name", nameof(MetlSuite.CommandExecutor), ExecutorUnsubFailure, "command-name: \"test\"|command-name: \"other\"", "supplemental.command-name: expected 'other', actual 'test'" },
        { "executor epilogue catch missing error", nameof(MetlSuite.CommandExecutor), ExecutorUnsubFailure, "unsubscribe: [ fail ]|unsubscribe: [ success ]", "expected error 'mqtt error' but the operation succeeded" },

        // Invoker.
        { "invoker canary", nameof(MetlSuite.CommandInvoker), InvokerBasic, string.Empty, null },
        { "invoker response-value", nameof(MetlSuite.CommandInvoker), InvokerBasic, "response-value: \"Test_Response\"|response-value: \"Other\"", "response-value: expected 'Other', actual 'Test_Response'" },
        { "invoker response metadata", nameof(MetlSuite.CommandInvoker), InvokerBasic, "  metadata:\n    \"responseHeader\": \"responseValue\"\n- action: await acknowledgement|  metadata:\n    \"responseHeader\": \"otherValue\"\n- action: await acknowledgement", "metadata 'responseHeader': expected 'otherValue'" },
        { "invoker source-id", nameof(MetlSuite.CommandInvoker), InvokerBasic, "source-id: \"SanityInvoker\"|source-id: \"Someone\"", "source-id: expected 'Someone', actual 'SanityInvoker'" },
        { "invoker request expiry", nameof(MetlSuite.CommandInvoker), InvokerBasic, "expiry: 3|expiry: 4", "expiry: expected 4, actual 3" },
        { "invoker catch expected but success", nameof(MetlSuite.CommandInvoker), InvokerBasic, "  response-value: \"Test_Response\"\n|  catch: { error-kind: timeout }\n", "expected error 'timeout' but the operation succeeded" },
        { "invoker version canary", nameof(MetlSuite.CommandInvoker), InvokerVersionError, string.Empty, null },
        { "invoker message", nameof(MetlSuite.CommandInvoker), InvokerVersionError, "message: \"not supported\"|message: \"other text\"", "message: expected 'other text', actual 'not supported'" },
        { "invoker is-remote", nameof(MetlSuite.CommandInvoker), InvokerVersionError, "is-remote: !!bool true|is-remote: !!bool false", "is-remote: expected False, actual True" },
        { "invoker protocol-version", nameof(MetlSuite.CommandInvoker), InvokerVersionError, "protocol-version: '1.0'|protocol-version: '9.0'", "supplemental.protocol-version: expected '9.0', actual '1.0'" },
        { "invoker supported-protocols", nameof(MetlSuite.CommandInvoker), InvokerVersionError, "supported-protocols: \"2 3\"|supported-protocols: \"2 4\"", "supplemental.supported-protocols: expected '2 4', actual '2 3'" },
        { "invoker header canary", nameof(MetlSuite.CommandInvoker), InvokerBadRequest, string.Empty, null },
        { "invoker header-name", nameof(MetlSuite.CommandInvoker), InvokerBadRequest, "header-name: \"__srcId\"|header-name: \"__ts\"", "supplemental.header-name: expected '__ts', actual '__srcId'" },
        { "invoker header-value", nameof(MetlSuite.CommandInvoker), InvokerBadRequest, "header-value: \"//invalid\"|header-value: \"valid\"", "supplemental.header-value: expected 'valid', actual '//invalid'" },
        { "invoker timeout canary", nameof(MetlSuite.CommandInvoker), InvokerTimeout, string.Empty, null },
        { "invoker timeout-value", nameof(MetlSuite.CommandInvoker), InvokerTimeout, "timeout-value: \"PT1S\"|timeout-value: \"PT2S\"", "supplemental.timeout-value: expected 'PT2S', actual 'PT1S'" },
        { "invoker timeout-name", nameof(MetlSuite.CommandInvoker), InvokerTimeout, "timeout-name: 'commandtimeout'|timeout-name: 'executiontimeout'", "supplemental.timeout-name: expected 'executiontimeout'" },

        // Receiver.
        { "receiver canary", nameof(MetlSuite.TelemetryReceiver), ReceiverBasic, string.Empty, null },
        { "receiver telemetry-count", nameof(MetlSuite.TelemetryReceiver), ReceiverBasic, "telemetry-count: 1|telemetry-count: 2", "telemetry-count: expected 2, actual 1" },
        { "receiver telemetry-counts", nameof(MetlSuite.TelemetryReceiver), ReceiverBasic, "telemetry-counts: { 0: 1 }|telemetry-counts: { 0: 0 }", "telemetry-counts[0]: expected 0, actual 1" },
        { "receiver telemetry-value", nameof(MetlSuite.TelemetryReceiver), ReceiverBasic, "telemetry-value: \"Test_Telemetry\"|telemetry-value: \"Other\"", "telemetry-value: expected 'Other', actual 'Test_Telemetry'" },
        { "receiver metadata", nameof(MetlSuite.TelemetryReceiver), ReceiverBasic, "\"absentHeader\":|\"id\":", "metadata 'id': expected absent, actual 'someId'" },
        { "receiver topic-tokens", nameof(MetlSuite.TelemetryReceiver), ReceiverBasic, "\"ex:token\": \"tokenValue\"|\"ex:token\": \"otherValue\"", "topic-tokens 'ex:token': expected 'otherValue', actual 'tokenValue'" },
        { "receiver source-index", nameof(MetlSuite.TelemetryReceiver), ReceiverBasic, "source-index: 0|source-index: 1", "source-index 1: expected sender ID" },
        { "receiver cloud-event time", nameof(MetlSuite.TelemetryReceiver), ReceiverBasic, "time: \"1955-11-12T22:04:00Z\"\n      data|time: \"1985-10-26T01:21:00Z\"\n      data", "cloud-event.time: expected '1985-10-26T01:21:00Z', actual '1955-11-12T22:04:00Z'" },
        { "receiver unknown key", nameof(MetlSuite.TelemetryReceiver), ReceiverBasic, "    cloud-event:\n      source: \"dtmi:test:source;1\"|    cloud-event:\n    ignored:\n      source: \"dtmi:test:source;1\"", "unknown key(s) 'ignored'" },
        {
            "receiver cloud-event expected none", nameof(MetlSuite.TelemetryReceiver), ReceiverBasic,
            "    cloud-event:\n      source: \"dtmi:test:source;1\"\n      type: \"test-type\"\n      spec-version: \"1.0\"\n      id: \"someId\"\n      time: \"1955-11-12T22:04:00Z\"\n      data-content-type: \"application/json\"\n      data-schema:|    cloud-event:",
            "cloud-event: expected none, actual source 'dtmi:test:source;1'"
        },
        { "receiver cloud-event none", nameof(MetlSuite.TelemetryReceiver), ReceiverBasic, "\"specversion\": \"1.0\"|\"specversion\": \"0.9\"", "cloud-event: expected one, actual none" },
        { "receiver acknowledgement-count", nameof(MetlSuite.TelemetryReceiver), ReceiverBasic, "acknowledgement-count: 1|acknowledgement-count: 0", "acknowledgement-count: expected 0, actual 1" },

        // Sender.
        { "sender canary", nameof(MetlSuite.TelemetrySender), SenderBasic, string.Empty, null },
        { "sender payload order", nameof(MetlSuite.TelemetrySender), SenderBasic, "payload: \"First\"|payload: \"Test_Telemetry\"", "publication #1): payload: expected 'Test_Telemetry', actual 'First'" },
        { "sender cloud-event metadata", nameof(MetlSuite.TelemetrySender), SenderBasic, "\"type\": \"ms.aio.telemetry\"|\"type\": \"other.type\"", "metadata 'type': expected 'other.type', actual 'ms.aio.telemetry'" },
        { "sender no cloud event", nameof(MetlSuite.TelemetrySender), SenderBasic, "    metadata:\n      \"source\":\n|    metadata:\n      \"source\": \"x\"\n", "metadata 'source': expected 'x', actual absent" },
        { "sender publication-count", nameof(MetlSuite.TelemetrySender), SenderBasic, "publication-count: 2|publication-count: 3", "publication-count: expected 3, actual 2" },
        { "sender source-id", nameof(MetlSuite.TelemetrySender), SenderBasic, "source-id: \"SanitySender\"|source-id:", "source-id: expected absent, actual 'SanitySender'" },
        { "sender catch canary", nameof(MetlSuite.TelemetrySender), SenderCloudEventError, string.Empty, null },
        { "sender catch but success", nameof(MetlSuite.TelemetrySender), SenderCloudEventError, "source: \"::::\"|source: \"valid\"", "expected error 'invalid configuration' but the operation succeeded" },
        { "sender catch property-name", nameof(MetlSuite.TelemetrySender), SenderCloudEventError, "property-name: 'cloudevent'|property-name: 'source'", "supplemental.property-name: expected 'source', actual 'cloudevent'" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task MutatedCaseFailsOnItsWrongExpectation(string name, string suiteName, string yaml, string mutation, string? expectedFailure)
    {
        var suite = Enum.Parse<MetlSuite>(suiteName);
        if (mutation.Length > 0)
        {
            var parts = mutation.Split('|');
            Assert.True(yaml.Contains(parts[0], StringComparison.Ordinal), $"{name}: the mutation's target '{parts[0]}' is not in the case");
            yaml = yaml.Replace(parts[0], parts[1], StringComparison.Ordinal);
        }

        var defaults = suite switch
        {
            MetlSuite.CommandExecutor => ExecutorDefaults,
            MetlSuite.CommandInvoker => InvokerDefaults,
            MetlSuite.TelemetryReceiver => ReceiverDefaults,
            _ => SenderDefaults,
        };

        Exception? failure = null;
        try
        {
            await MetlRunner.RunAsync(MetlCaseSource.Parse(yaml, suite, defaults), TestContext.Current.CancellationToken);
        }
        catch (Exception ex) when (ex is MetlCheckFailedException or MetlFormatException)
        {
            failure = ex;
        }

        if (expectedFailure is null)
        {
            Assert.True(failure is null, $"{name}: the canary must pass, but: {failure?.Message}");
        }
        else
        {
            Assert.True(failure is not null, $"{name}: the mutated case passed, so this check cannot fail");
            Assert.True(failure.Message.Contains(expectedFailure, StringComparison.Ordinal), $"{name}: expected a failure containing \"{expectedFailure}\", got: {failure.Message}");
        }
    }
}
