using OrleansAio.Tests.Conformance.Model;

namespace OrleansAio.Tests.Conformance;

/// <summary>Tests of the METL model: parsing, defaults applied key by key, omitted vs null vs value, strict keys.</summary>
public sealed class MetlModelTests
{
    private const string Defaults = """
        [prologue.executor]
        command-name = "test"
        request-topic = "mock/test"
        execution-timeout = { seconds = 10 }

        [prologue.executor.serializer]
        out-content-type = "application/json"
        allow-character-data = true

        [actions.receive-request]
        topic = "mock/test"
        message-expiry = { seconds = 10 }
        correlation-index = 0
        """;

    [Fact]
    public void DefaultsApplyKeyByKeyAndNullStaysNull()
    {
        var c = MetlCaseSource.Parse(
            """
            test-name: T
            description: { condition: c, expect: e }
            prologue:
              executors:
              - command-name:
                execution-timeout: { milliseconds: 500 }
                serializer:
                  allow-character-data: false
            actions:
            - action: receive request
              message-expiry:
            - action: receive request
              topic: "other"
            """,
            MetlSuite.CommandExecutor,
            Defaults);

        var e = Assert.Single(c.Prologue.Executors);
        Assert.True(e.CommandName.IsNull);
        Assert.Equal("mock/test", e.RequestTopic.Value);
        Assert.Equal(TimeSpan.FromMilliseconds(500), e.ExecutionTimeout.Value);
        Assert.False(e.Serializer.AllowCharacterData.Value);
        Assert.Equal("application/json", e.Serializer.OutContentType.Value);
        Assert.True(e.TopicNamespace.IsOmitted);

        var first = Assert.IsType<ReceiveRequestAction>(c.Actions[0]);
        Assert.True(first.MessageExpiry.IsNull);
        Assert.Equal("mock/test", first.Topic.Value);
        var second = Assert.IsType<ReceiveRequestAction>(c.Actions[1]);
        Assert.Equal(TimeSpan.FromSeconds(10), second.MessageExpiry.Value);
        Assert.Equal("other", second.Topic.Value);
        Assert.Equal(0, second.CorrelationIndex.Value);
        Assert.True(second.PacketIndex.IsOmitted);
    }

    [Fact]
    public void DurationsSumAllUnits()
    {
        var c = MetlCaseSource.Parse(
            """
            test-name: T
            description: { condition: c, expect: e }
            prologue:
              executors:
              - execution-timeout: { hours: 1, minutes: 2, seconds: 3, milliseconds: 4, microseconds: 5 }
            """,
            MetlSuite.CommandExecutor,
            Defaults);
        Assert.Equal(new TimeSpan(0, 1, 2, 3, 4, 5), c.Prologue.Executors[0].ExecutionTimeout.Value);
    }

    [Fact]
    public void UnknownKeysAreRejectedWithTheirPath()
    {
        var ex = Assert.Throws<MetlFormatException>(() => MetlCaseSource.Parse(
            """
            test-name: T
            description: { condition: c, expect: e }
            prologue:
              executors:
              - request-topics: "typo"
            """,
            MetlSuite.CommandExecutor,
            Defaults));
        Assert.Contains("prologue.executors[0]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'request-topics'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ActionsOfAnotherSuiteAreRejected()
    {
        var ex = Assert.Throws<MetlFormatException>(() => MetlCaseSource.Parse(
            """
            test-name: T
            description: { condition: c, expect: e }
            prologue:
              senders:
              - { }
            actions:
            - action: sleep
              duration: { seconds: 1 }
            """,
            MetlSuite.TelemetrySender,
            string.Empty));
        Assert.Contains("'sleep' is not defined for TelemetrySender", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckKeysKeepOmittedNullAndValueApart()
    {
        var c = MetlCaseSource.Parse(
            """
            test-name: T
            description: { condition: c, expect: e }
            prologue:
              receivers:
              - { }
            epilogue:
              received-telemetries:
              - telemetry-value: "x"
                cloud-event:
              - telemetry-value:
                metadata:
                  "a": "b"
                  "c":
              - cloud-event:
                  time:
                  id: "1"
            """,
            MetlSuite.TelemetryReceiver,
            string.Empty);
        var t = c.Epilogue!.ReceivedTelemetries.Value;
        Assert.True(t[0].CloudEvent.IsNull);
        Assert.True(t[1].CloudEvent.IsOmitted);
        Assert.True(t[1].TelemetryValue.IsNull);
        Assert.Null(t[1].Metadata.Value[1].Value);
        Assert.True(t[2].CloudEvent.Value.Time.IsNull);
        Assert.True(t[2].CloudEvent.Value.Subject.IsOmitted);
        Assert.True(t[2].TelemetryValue.IsOmitted);
    }

    [Fact]
    [Trait("Category", "Metl")]
    public void EveryCaseParses()
    {
        var root = MetlCaseSource.CasesDirectory;
        if (root is null)
        {
            Assert.Skip(MetlCaseSource.MissingMessage);
        }

        var count = 0;
        foreach (var suite in Enum.GetValues<MetlSuite>())
        {
            foreach (var row in MetlCaseSource.Rows(suite))
            {
                var c = MetlCaseSource.Load((string)((ITheoryDataRow)row).GetData()[0]!, suite);
                Assert.Equal(suite, c.Suite);
                count++;
            }
        }

        Assert.True(count > 0, "no case found");
    }
}
