using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using OrleansAio.Cli.Common;
using OrleansAio.Silo.Hosting;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Cli;

/// <summary>Mosquitto with a silo behind it (the silo's state store over a shared subscription); skipped without Mosquitto.</summary>
public sealed class MosquittoSiloFixture : IAsyncLifetime
{
    private readonly TempDirectory workingDirectory = new("cli-mosquitto");
    private MosquittoBroker? mosquitto;
    private SiloApplication? silo;

    /// <summary>Mosquitto's port, or a skip of the current test when Mosquitto is not installed.</summary>
    public int RequirePort()
    {
        if (mosquitto is null)
        {
            Assert.Skip(MosquittoBroker.SkipMessage);
        }

        return mosquitto.Port;
    }

    public async ValueTask InitializeAsync()
    {
        if (!MosquittoBroker.IsInstalled)
        {
            return;
        }

        var ct = TestContext.Current.CancellationToken;
        mosquitto = await MosquittoBroker.StartAsync(ct);
        var settings = new SiloPorts().ToConfiguration();
        settings["Silo:DataDirectory"] = Path.Combine(workingDirectory.Path, "data");
        settings["Logging:LogLevel:Default"] = "Warning";
        settings["ConnectionStrings:Mqtt"] = $"HostName=127.0.0.1;TcpPort={mosquitto.Port};UseTls=false";
        silo = await SiloApplication.StartAsync([], configuration => configuration.AddInMemoryCollection(settings), ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (silo is not null)
        {
            await silo.DisposeAsync();
        }

        if (mosquitto is not null)
        {
            await mosquitto.DisposeAsync();
        }

        workingDirectory.Dispose();
    }
}

/// <summary><c>aio state ...</c> against Mosquitto, a third-party broker, with a silo serving the state store behind it.</summary>
public sealed class CliMosquittoTests(MosquittoSiloFixture fixture) : IClassFixture<MosquittoSiloFixture>
{
    [Fact]
    public async Task StateCommandsWorkThroughMosquitto()
    {
        var cli = new CliRunner(fixture.RequirePort());
        var key = $"mq-{Guid.NewGuid():N}"[..12];
        using var watch = cli.Start("state", "watch", key, "--count", "2", "--json");
        await watch.WaitUntilWatchingAsync();

        var set = await cli.RunAsync("state", "set", key, "through mosquitto", "--json");
        Assert.True(set.ExitCode == ExitCodes.Success, set.ToString());
        Assert.True((bool?)set.Json["applied"]);
        Assert.Equal(ExitCodes.NotFound, (await cli.RunAsync("state", "set", key, "again", "--nx")).ExitCode);

        var get = await cli.RunAsync("state", "get", key, "--json");
        Assert.Equal(ExitCodes.Success, get.ExitCode);
        Assert.Equal("through mosquitto", (string?)get.Json["value"]);
        Assert.Equal((string?)set.Json["version"], (string?)get.Json["version"]);

        Assert.Equal(-1, (int?)(await cli.RunAsync("state", "vdel", key, "other", "--json")).Json["deleted"]);
        var delete = await cli.RunAsync("state", "del", key);
        Assert.Equal(ExitCodes.Success, delete.ExitCode);
        Assert.Contains("deleted", delete.Out, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.NotFound, (await cli.RunAsync("state", "get", key)).ExitCode);

        var changes = (await watch.WaitAsync()).Lines.Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(["updated", "deleted"], changes.Select(c => (string?)c["state"]));
        Assert.Equal((string?)set.Json["version"], (string?)changes[0]["version"]);
    }

    [Fact]
    public async Task ATimeoutAndBadInputThroughMosquitto()
    {
        var cli = new CliRunner(fixture.RequirePort());
        var topic = $"test/cli/silent-{Guid.NewGuid():N}/x";
        var nobody = await cli.RunAsync("rpc", "invoke", topic, "{}", "--timeout", "1s");
        Assert.True(nobody.ExitCode == ExitCodes.ServiceError, nobody.ToString());
        Assert.Contains("no service is listening", nobody.Error, StringComparison.Ordinal);

        // A subscriber that never answers: the request is delivered, no response comes.
        using var silent = cli.Start("telemetry", "watch", topic);
        await silent.WaitUntilWatchingAsync();
        var noAnswer = await cli.RunAsync("rpc", "invoke", topic, "{}", "--timeout", "1s");
        Assert.True(noAnswer.ExitCode == ExitCodes.Timeout, noAnswer.ToString());
        await silent.InterruptAsync();
        var bad = await cli.RunAsync("state", "set", "k", "v", "--fencing-token", "1:2");
        Assert.Equal(ExitCodes.BadInput, bad.ExitCode);
    }
}
