using System.Text.Json.Nodes;
using OrleansAio.Cli.Common;

namespace OrleansAio.Tests.Cli;

/// <summary><c>aio rpc invoke</c> against a silo's command and <c>aio telemetry send|watch</c> through the embedded broker.</summary>
[Collection(CliCollection.Name)]
public sealed class RpcTelemetryCliTests(CliClusterFixture fixture)
{
    private readonly CliRunner cli = new(fixture.Broker.Port);

    private static string NewId() => $"e{Guid.NewGuid():N}"[..10];

    [Fact]
    public async Task InvokeShowsStatusHeadersAndPayload()
    {
        var executor = NewId();
        var human = await cli.RunAsync(
            "rpc", "invoke", CliClusterFixture.CommandPattern, """{"Mode":"ok","Amount":5}""", "--token", $"executorId={executor}", "--command", "increment", "-H", "label=blue");
        Assert.True(human.ExitCode == ExitCodes.Success, human.ToString());
        Assert.Matches(@"Status\s+200 OK", human.Out);
        Assert.Contains($"test/cli/{executor}/increment", human.Out, StringComparison.Ordinal);
        Assert.Contains("\"Total\": 5", human.Out, StringComparison.Ordinal);
        Assert.Contains("__stat: 200", human.Out, StringComparison.Ordinal);

        var json = await cli.RunAsync(
            "rpc", "invoke", $"test/cli/{executor}/increment", """{"Mode":"ok","Amount":2}""", "-H", "label=green", "--json");
        Assert.True(json.ExitCode == ExitCodes.Success, json.ToString());
        var response = json.Json;
        Assert.Equal(200, (int?)response["status"]);
        Assert.Equal("increment", (string?)response["command"]);
        Assert.False((bool?)response["isApplicationError"]);
        Assert.StartsWith("application/json", (string?)response["contentType"], StringComparison.Ordinal);
        Assert.Equal("200", (string?)response["headers"]!["__stat"]);
        Assert.Equal(7, (int?)response["payload"]!["Total"]);
        Assert.Equal(2, (int?)response["payload"]!["Executions"]);
        Assert.Equal("green", (string?)response["payload"]!["Label"]);
        Assert.True(Guid.TryParse((string?)response["correlationId"], out _));
    }

    [Fact]
    public async Task ErrorStatusesAndApplicationErrorsAreServiceErrors()
    {
        var executor = NewId();
        var failed = await cli.RunAsync("rpc", "invoke", $"test/cli/{executor}/increment", """{"Mode":"throw","Amount":1}""", "--json");
        Assert.True(failed.ExitCode == ExitCodes.ServiceError, failed.ToString());
        Assert.Equal(500, (int?)failed.Json["status"]);
        Assert.Contains("status 500", failed.Error, StringComparison.Ordinal);

        var applicationError = await cli.RunAsync("rpc", "invoke", $"test/cli/{executor}/increment", """{"Mode":"appError","Amount":1}""");
        Assert.True(applicationError.ExitCode == ExitCodes.ServiceError, applicationError.ToString());
        Assert.Contains("AppErrCode: Overheated", applicationError.Out, StringComparison.Ordinal);
        Assert.Contains("application error Overheated", applicationError.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACommandThatIsNotAnsweredTimesOut()
    {
        var topic = $"test/cli/nobody-{NewId()}/increment";
        using var silent = cli.Start("telemetry", "watch", topic);
        await silent.WaitUntilWatchingAsync();
        var result = await cli.RunAsync("rpc", "invoke", topic, "{}", "--timeout", "1s");
        Assert.True(result.ExitCode == ExitCodes.Timeout, result.ToString());
        Assert.Contains("timed out", result.Error, StringComparison.Ordinal);
        await silent.InterruptAsync();
    }

    [Fact]
    public async Task MalformedJsonIsRefusedBeforeSending()
    {
        var result = await cli.RunAsync("rpc", "invoke", $"test/cli/{NewId()}/increment", "{\"Mode\":");
        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains("payload: not valid JSON", result.Error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Out);

        var token = await cli.RunAsync("rpc", "invoke", "test/cli/{executorId}/increment", "{}");
        Assert.Equal(ExitCodes.BadInput, token.ExitCode);
        Assert.Contains("executorId", token.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TelemetryWatchShowsWhatSendSentWithItsCloudEvent()
    {
        var device = NewId();
        using var watch = cli.Start("telemetry", "watch", "test/cli/telemetry/{deviceId}", "--count", "1", "--json");
        await watch.WaitUntilWatchingAsync();
        var sent = await cli.RunAsync(
            "telemetry", "send", "test/cli/telemetry/{deviceId}", """{"celsius":21.5}""", "--token", $"deviceId={device}",
            "--cloud-event-source", $"aio://thermostats/{device}", "--cloud-event-type", "reading", "-H", "site=north", "--json");
        Assert.True(sent.ExitCode == ExitCodes.Success, sent.ToString());
        Assert.Equal($"test/cli/telemetry/{device}", (string?)sent.Json["topic"]);

        var result = await watch.WaitAsync();
        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        var message = result.Json;
        Assert.Equal($"test/cli/telemetry/{device}", (string?)message["topic"]);
        Assert.Equal(device, (string?)message["tokens"]!["deviceId"]);
        Assert.Equal(21.5, (double?)message["payload"]!["celsius"]);
        Assert.Equal("north", (string?)message["headers"]!["site"]);
        Assert.Equal($"aio://thermostats/{device}", (string?)message["cloudEvent"]!["source"]);
        Assert.Equal("reading", (string?)message["cloudEvent"]!["type"]);
        Assert.False(string.IsNullOrEmpty((string?)message["senderId"]));
    }

    [Fact]
    public async Task TelemetryHumanOutputShowsTopicPayloadAndCloudEvent()
    {
        var device = NewId();
        using var watch = cli.Start("telemetry", "watch", $"test/cli/human/{device}", "--count", "1");
        await watch.WaitUntilWatchingAsync();
        var sent = await cli.RunAsync("telemetry", "send", $"test/cli/human/{device}", "hello", "--content-type", "text/plain", "--cloud-event-source", "aio://cli");
        Assert.True(sent.ExitCode == ExitCodes.Success, sent.ToString());
        Assert.Contains($"sent 5 bytes to test/cli/human/{device}", sent.Out, StringComparison.Ordinal);

        var result = await watch.WaitAsync();
        Assert.Matches($@"test/cli/human/{device}\s+from \S+\s+hello", result.Out);
        Assert.Contains("cloudevent: specversion=1.0 type=ms.aio.telemetry source=aio://cli", result.Out, StringComparison.Ordinal);
    }
}
