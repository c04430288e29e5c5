using OrleansAio.Tests.Conformance.Infrastructure;
using OrleansAio.Tests.Conformance.Model;
using OrleansAio.Tests.Conformance.Runners;

namespace OrleansAio.Tests.Conformance;

/// <summary>
/// In-memory cases for language features the shipped case files do not use (<c>correlation-id</c>, <c>token-metadata-prefix</c>,
/// <c>execution-counts</c> over several executors, receiver <c>raise-error</c>, <c>telemetry-counts</c>, QoS 0 telemetry, explicit
/// response keys such as <c>status-message</c>, request metadata), proving the runner interprets them; each also has a mutation
/// that must fail.
/// </summary>
public sealed class MetlLanguageCoverageTests
{
    private const string ExecutorDefaults = """
        [prologue.executor]
        request-topic = "mock/test"
        request-responses-map = { "Test_Request" = [ "Test_Response0", "Test_Response1" ] }

        [actions.receive-request]
        topic = "mock/test"
        payload = "Test_Request"
        content-type = "application/json"
        format-indicator = 1
        correlation-index = 0
        message-expiry = { seconds = 10 }
        response-topic = "response/mock/test"
        source-index = 0
        """;

    private const string InvalidCorrelationData = """
        test-name: InvalidCorrelationData
        description: { condition: "correlation data is 7 bytes", expect: "400 echoing the bytes" }
        prologue:
          executors:
          - { }
        actions:
        - action: receive request
          correlation-index: 0
          correlation-id: "NotGuid"
          packet-index: 0
        - action: await acknowledgement
          packet-index: 0
        epilogue:
          execution-count: 0
          published-messages:
          - correlation-index: 0
            command-status: 400
            is-application-error: false
            metadata:
              "__propName": "Correlation Data"
              "__propVal":
        """;

    private const string ExpiryPropagated = """
        test-name: ExpiryPropagated
        description: { condition: "frozen clock, request expiry 3 s, no source ID", expect: "response expiry 3" }
        prologue:
          executors:
          - { }
        actions:
        - action: freeze time
        - action: receive request
          message-expiry: { seconds: 3 }
          source-index:
        - action: await publish
          correlation-index: 0
        - action: unfreeze time
        epilogue:
          published-messages:
          - correlation-index: 0
            command-status: 200
            payload: "Test_Response0"
            expiry: 3
        """;

    private const string TokensToMetadata = """
        test-name: TokensToMetadata
        description: { condition: "namespace and tokens", expect: "tokens copied into the response" }
        prologue:
          executors:
          - request-topic: "mock/{modelId}/test/{ex:foobar}"
            topic-namespace: "some/namespace"
            topic-token-map: { "modelId": "dtmi:test:MyModel;1" }
            token-metadata-prefix: "token_"
            response-metadata:
              "fixed": "value"
              "copied":
        actions:
        - action: receive request
          topic: "some/namespace/mock/dtmi:test:MyModel;1/test/MyValue"
          metadata: { "copied": "fromRequest" }
        - action: await acknowledgement
        epilogue:
          subscribed-topics: [ "some/namespace/mock/dtmi:test:MyModel;1/test/+" ]
          published-messages:
          - correlation-index: 0
            metadata:
              "token_modelId": "dtmi:test:MyModel;1"
              "token_ex:foobar": "MyValue"
              "fixed": "value"
              "copied": "fromRequest"
        """;

    private const string DuplicateFromCache = """
        test-name: DuplicateFromCache
        description: { condition: "same request twice, clock frozen", expect: "one execution, cached response" }
        prologue:
          executors:
          - { }
        actions:
        - action: freeze time
        - action: receive request
          packet-index: 0
        - action: await publish
          correlation-index: 0
        - action: receive request
          packet-index: 1
        - action: await publish
          correlation-index: 0
        - action: await acknowledgement
          packet-index: 0
        - action: await acknowledgement
          packet-index: 1
        epilogue:
          publication-count: 2
          acknowledgement-count: 2
          execution-count: 1
          published-messages:
          - correlation-index: 0
            payload: "Test_Response0"
        """;

    private const string TwoExecutors = """
        test-name: TwoExecutors
        description: { condition: "two executors, requests for the second", expect: "per-executor counts" }
        prologue:
          executors:
          - command-name: "first"
            request-topic: "mock/first"
          - command-name: "second"
            request-topic: "mock/second"
            raise-error: true
        actions:
        - action: receive request
          topic: "mock/second"
          correlation-index: 0
        - action: receive request
          topic: "mock/second"
          correlation-index: 1
        - action: await acknowledgement
        - action: await acknowledgement
        epilogue:
          subscribed-topics: [ "mock/first", "mock/second" ]
          execution-count: 0
          execution-counts: { 0: 0, 1: 2 }
          published-messages:
          - correlation-index: 1
            command-status: 500
            is-application-error: true
        """;

    private const string ReceiverRaiseError = """
        test-name: ReceiverRaiseError
        description: { condition: "two receivers, the second's callback throws", expect: "counted, not delivered, acked" }
        prologue:
          receivers:
          - telemetry-topic: "mock/first"
          - telemetry-topic: "mock/second"
            raise-error: true
        actions:
        - action: receive telemetry
          topic: "mock/second"
          payload: "Boom"
        - action: receive telemetry
          topic: "mock/first"
          payload: "Fine"
          source-index: 3
        - action: await acknowledgement
        - action: await acknowledgement
        - action: freeze time
        - action: sleep
          duration: { milliseconds: 0 }
        - action: unfreeze time
        - action: sleep
          duration: { milliseconds: 10 }
        epilogue:
          acknowledgement-count: 2
          telemetry-count: 1
          telemetry-counts: { 0: 1, 1: 1 }
          received-telemetries:
          - telemetry-value: "Fine"
            source-index: 3
        """;

    private const string SenderQos0 = """
        test-name: SenderQos0
        description: { condition: "QoS 0 send with metadata and transient token", expect: "published" }
        prologue:
          senders:
          - telemetry-name: "named"
            telemetry-topic: "telemetry/{ex:t}"
        actions:
        - action: send telemetry
          telemetry-name: "named"
          qos: 0
          topic-token-map: { "ex:t": "value" }
          telemetry-value:
          metadata: { "header": "headerValue" }
        - action: await publish
        - action: await send
        epilogue:
          publication-count: 1
          published-messages:
          - topic: "telemetry/value"
            payload:
            content-type:
            format-indicator: 0
            metadata: { "header": "headerValue", "__protVer": "1.0" }
        """;

    private const string InvokerExplicitKeys = """
        test-name: InvokerExplicitKeys
        description: { condition: "response with explicit status keys; request metadata", expect: "execution error" }
        prologue:
          invokers:
          - command-name: "cmd"
            request-topic: "mock/{executorId}/cmd"
        actions:
        - action: invoke command
          command-name: "cmd"
          invocation-index: 7
          topic-token-map: { "executorId": "exec1" }
          request-value:
          metadata: { "requestHeader": "requestValue" }
        - action: await publish
          correlation-index: 3
        - action: receive response
          topic: "response/mock/exec1/cmd"
          correlation-index: 3
          status: "500"
          status-message: "handler failed"
          is-application-error: "true"
          invalid-property-name: "someProperty"
          invalid-property-value: "someValue"
          payload:
          content-type:
        - action: await invocation
          invocation-index: 7
          catch:
            error-kind: execution error
            is-remote: !!bool true
            message: "handler failed"
            supplemental:
              property-name: 'someproperty'
              property-value: "someValue"
        epilogue:
          subscribed-topics: [ "response/mock/+/cmd" ]
          acknowledgement-count: 1
          published-messages:
          - correlation-index: 3
            topic: "mock/exec1/cmd"
            payload:
            content-type:
            metadata:
              "requestHeader": "requestValue"
              "__protVer": "1.0"
        """;

    private const string InvokerDefaults = """
        [prologue.invoker]
        response-topic-prefix = "response"

        [actions.invoke-command]
        request-value = "Test_Request"
        timeout = { minutes = 1 }

        [actions.receive-response]
        payload = "Test_Response"
        content-type = "application/json"
        format-indicator = 1
        correlation-index = 0
        message-expiry = { seconds = 10 }
        status = "200"
        """;

    /// <summary>Language-coverage cases: the canary must pass, the mutation must fail with the given message.</summary>
    public static TheoryData<string, string, string, string, string?> Cases => new()
    {
        { "correlation-id canary", nameof(MetlSuite.CommandExecutor), InvalidCorrelationData, string.Empty, null },
        { "correlation-id mutated", nameof(MetlSuite.CommandExecutor), InvalidCorrelationData, "command-status: 400|command-status: 200", "command-status: expected '200', actual '400'" },
        { "expiry canary", nameof(MetlSuite.CommandExecutor), ExpiryPropagated, string.Empty, null },
        { "expiry mutated", nameof(MetlSuite.CommandExecutor), ExpiryPropagated, "expiry: 3|expiry: 10", "expiry: expected 10, actual 3" },
        { "token-metadata-prefix canary", nameof(MetlSuite.CommandExecutor), TokensToMetadata, string.Empty, null },
        { "token-metadata-prefix mutated", nameof(MetlSuite.CommandExecutor), TokensToMetadata, "      \"copied\": \"fromRequest\"|      \"copied\": \"other\"", "metadata 'copied': expected 'other', actual 'fromRequest'" },
        { "duplicate canary", nameof(MetlSuite.CommandExecutor), DuplicateFromCache, string.Empty, null },
        { "duplicate mutated", nameof(MetlSuite.CommandExecutor), DuplicateFromCache, "execution-count: 1|execution-count: 2", "execution-count: expected 2, actual 1" },
        { "execution-counts canary", nameof(MetlSuite.CommandExecutor), TwoExecutors, string.Empty, null },
        { "execution-counts mutated", nameof(MetlSuite.CommandExecutor), TwoExecutors, "execution-counts: { 0: 0, 1: 2 }|execution-counts: { 0: 1, 1: 2 }", "execution-counts[0]: expected 1, actual 0" },
        { "receiver raise-error canary", nameof(MetlSuite.TelemetryReceiver), ReceiverRaiseError, string.Empty, null },
        { "receiver raise-error mutated", nameof(MetlSuite.TelemetryReceiver), ReceiverRaiseError, "telemetry-value: \"Fine\"|telemetry-value: \"Boom\"", "telemetry-value: expected 'Boom', actual 'Fine'" },
        { "sender qos 0 canary", nameof(MetlSuite.TelemetrySender), SenderQos0, string.Empty, null },
        { "sender qos 0 mutated", nameof(MetlSuite.TelemetrySender), SenderQos0, "format-indicator: 0|format-indicator: 1", "format-indicator: expected 1, actual 0" },
        { "invoker explicit keys canary", nameof(MetlSuite.CommandInvoker), InvokerExplicitKeys, string.Empty, null },
        { "invoker explicit keys mutated", nameof(MetlSuite.CommandInvoker), InvokerExplicitKeys, "\n      property-value: \"someValue\"|\n      property-value: \"otherValue\"", "supplemental.property-value: expected 'otherValue', actual 'someValue'" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task LanguageFeatureIsInterpreted(string name, string suiteName, string yaml, string mutation, string? expectedFailure)
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
            _ => string.Empty,
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

/// <summary>When the METL cases are missing, the skip says where it looked and how to point at them.</summary>
public sealed class MetlCaseSourceTests
{
    [Fact]
    public void TheMissingCasesMessageNamesTheFoldersTriedAndTheVariable()
    {
        var message = MetlCaseSource.MissingMessage;

        var tried = Environment.GetEnvironmentVariable(MetlCaseSource.CasesDirVariable) is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.GetFullPath(Path.Combine(RepositoryRoot(), "..", "shared", "metl"));
        Assert.Contains($"'{tried}'", message, StringComparison.Ordinal);
        Assert.Contains("export METL_CASES_DIR=", message, StringComparison.Ordinal);
        Assert.Contains("CommandExecutor, CommandInvoker, TelemetryReceiver and TelemetrySender", message, StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "orleans-aio.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("no orleans-aio.sln above the test binaries");
    }
}
