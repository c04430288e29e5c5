using System.Collections;
using System.CommandLine;
using OrleansAio.Cli;
using OrleansAio.Cli.Common;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Cli;

/// <summary>Exit codes and messages for a refused connection, a timeout and bad input; help with examples; connection settings.</summary>
[Collection(CliCollection.Name)]
public sealed class CliErrorTests(CliClusterFixture fixture)
{
    [Fact]
    public async Task ARefusedConnectionHasItsOwnExitCode()
    {
        var port = FreePort.Get();
        var result = await new CliRunner(port).RunAsync("state", "get", "k");
        Assert.Equal(ExitCodes.ConnectionFailed, result.ExitCode);
        Assert.Contains($"cannot connect to 127.0.0.1:{port}", result.Error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Out);
    }

    [Fact]
    public async Task ARunIsTracedAndVerboseShowsTheProtocolLog()
    {
        var activities = new System.Collections.Concurrent.ConcurrentQueue<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == CliDiagnostics.Name,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllData,
            ActivityStopped = activities.Enqueue,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);

        var result = await new CliRunner(FreePort.Get()).RunAsync("lease", "holder", "door", "--verbose");
        Assert.Equal(ExitCodes.ConnectionFailed, result.ExitCode);
        Assert.Contains("OrleansAio.Protocol.Session.MqttSessionClient", result.Error, StringComparison.Ordinal);
        Assert.Contains(activities, a => a.DisplayName == "aio lease holder" && Equals(a.GetTagItem("aio.exit_code"), ExitCodes.ConnectionFailed));
    }

    [Fact]
    public async Task AStateStoreThatDoesNotAnswerIsATimeout()
    {
        // A broker with no silo behind it, where something subscribes to the state store's requests but never answers.
        await using var bare = new EmbeddedBrokerFixture();
        await bare.InitializeAsync();
        var cli = new CliRunner(bare.Port);
        var absent = await cli.RunAsync("state", "get", "k", "--timeout", "1s");
        Assert.True(absent.ExitCode == ExitCodes.ServiceError, absent.ToString());
        Assert.Contains("no service is listening", absent.Error, StringComparison.Ordinal);

        using var silent = cli.Start("telemetry", "watch", OrleansAio.Protocol.StateStore.StateStoreTopics.RequestTopic);
        await silent.WaitUntilWatchingAsync();
        var result = await cli.RunAsync("state", "get", "k", "--timeout", "1s");
        Assert.True(result.ExitCode == ExitCodes.Timeout, result.ToString());
        Assert.StartsWith("aio: error: timed out", result.Error, StringComparison.Ordinal);
        await silent.InterruptAsync();
    }

    [Theory]
    [InlineData("stat get k", "Unrecognized command or argument 'stat'")]
    [InlineData("state get", "Required argument 'key' missing for command: 'get'")]
    [InlineData("state set k v --nx --nex", "--nx and --nex exclude each other")]
    [InlineData("state get k --timeout soon", "--timeout: 'soon' is not a duration")]
    [InlineData("state set k v --px soon", "--px: 'soon' is not a duration")]
    [InlineData("state set k v --fencing-token nonsense", "--fencing-token: 'nonsense' is not a fencing token")]
    [InlineData("state set k @/no/such/file", "value: file '/no/such/file' not found")]
    [InlineData("lease acquire door", "Option '--holder' is required")]
    [InlineData("state watch k --count 0", "--count must be at least 1")]
    [InlineData("rpc invoke a/b {} --token nope", "--token: 'nope' is not name=value")]
    [InlineData("telemetry send a/b x --content-type application/json", "payload: not valid JSON")]
    [InlineData("telemetry send a/b {} --cloud-event-type t", "need --cloud-event-source")]
    [InlineData("state get k --port 0", "--port: must be a whole number from 1 to 65535")]
    [InlineData("state get k --connection-string HostName=x;Color=red", "--connection-string: Color: is not a connection setting")]
    [InlineData("state get k --ca /no/such/ca.pem", "connection settings: --ca: file not found")]
    [InlineData("state get k --password-file /etc/hostname", "connection settings: --password-file: requires AIO_MQTT_USERNAME")]
    public async Task BadInputIsNamedAndExitsWithTwo(string commandLine, string message)
    {
        var result = await new CliRunner(0).RunAsync(commandLine.Split(' '));
        Assert.True(result.ExitCode == ExitCodes.BadInput, result.ToString());
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Out);
    }

    [Fact]
    public async Task EveryCommandHasHelpWithAnExample()
    {
        var root = AioCli.CreateRootCommand(new CliConsole(TextWriter.Null, TextWriter.Null, TextReader.Null, new Hashtable(), false));
        var paths = new List<string[]>();
        void Walk(Command command, string[] path)
        {
            paths.Add(path);
            foreach (var sub in command.Subcommands)
            {
                Walk(sub, [.. path, sub.Name]);
            }
        }

        Walk(root, []);
        Assert.True(paths.Count >= 20, $"only {paths.Count} commands");
        foreach (var path in paths)
        {
            var result = await new CliRunner(0).RunAsync([.. path, "--help"]);
            Assert.True(result.ExitCode == ExitCodes.Success, $"{string.Join(' ', path)}: {result}");
            Assert.Contains("Usage:", result.Out, StringComparison.Ordinal);
            Assert.Contains("Examples:\n  aio ", result.Out.Replace("\r", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AioEnvironmentVariablesAndConnectionStringsSelectTheBroker()
    {
        var key = $"env-{Guid.NewGuid():N}"[..12];
        var environment = new Hashtable
        {
            ["AIO_BROKER_HOSTNAME"] = "127.0.0.1",
            ["AIO_BROKER_TCP_PORT"] = fixture.Broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AIO_MQTT_USE_TLS"] = "false",
        };
        var fromEnvironment = new CliRunner(0, environment);
        Assert.Equal(ExitCodes.Success, (await fromEnvironment.RunAsync("state", "set", key, "v")).ExitCode);

        var connectionString = $"HostName=127.0.0.1;TcpPort={fixture.Broker.Port};UseTls=false;ClientId=cli-test-{key}";
        var viaString = await new CliRunner(0).RunAsync("state", "get", key, "--json", "--connection-string", connectionString);
        Assert.True(viaString.ExitCode == ExitCodes.Success, viaString.ToString());
        Assert.Equal("v", (string?)viaString.Json["value"]);

        // An option wins over the variable it overrides; the error names the variable the bad value came from.
        var refused = await fromEnvironment.RunAsync("state", "get", key, "--port", FreePort.Get().ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(ExitCodes.ConnectionFailed, refused.ExitCode);
        var badVariable = await new CliRunner(0, new Hashtable { ["AIO_BROKER_TCP_PORT"] = "x" }).RunAsync("state", "get", key);
        Assert.Equal(ExitCodes.BadInput, badVariable.ExitCode);
        Assert.Contains("AIO_BROKER_TCP_PORT: must be a whole number", badVariable.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ColoursOnlyOnATerminal()
    {
        var key = $"colour-{Guid.NewGuid():N}"[..14];
        var runner = new CliRunner(fixture.Broker.Port);
        await runner.RunAsync("state", "set", key, "v");
        var output = new CapturedWriter();
        var args = new[] { "state", "get", key, "--host", "127.0.0.1", "--port", fixture.Broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        var terminal = new CliConsole(output, TextWriter.Null, TextReader.Null, new Hashtable(), IsTerminal: true);
        Assert.Equal(ExitCodes.Success, await AioCli.RunAsync(args, terminal, TestContext.Current.CancellationToken));
        Assert.Contains("\u001b[1mValue", output.Text, StringComparison.Ordinal);

        var noColour = new CapturedWriter();
        var optedOut = new CliConsole(noColour, TextWriter.Null, TextReader.Null, new Hashtable { ["NO_COLOR"] = "1" }, IsTerminal: true);
        Assert.Equal(ExitCodes.Success, await AioCli.RunAsync(args, optedOut, TestContext.Current.CancellationToken));
        Assert.DoesNotContain("\u001b[", noColour.Text, StringComparison.Ordinal);
    }
}
