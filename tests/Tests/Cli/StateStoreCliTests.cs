using OrleansAio.Cli.Common;

namespace OrleansAio.Tests.Cli;

/// <summary><c>aio state ...</c> against the embedded broker and a silo: output, <c>--json</c> shape and exit codes.</summary>
[Collection(CliCollection.Name)]
public sealed class StateStoreCliTests(CliClusterFixture fixture)
{
    private readonly CliRunner cli = new(fixture.Broker.Port);

    private static string NewKey() => $"cli-{Guid.NewGuid():N}"[..16];

    [Fact]
    public async Task SetGetDeleteShowTablesAndJsonWithExitCodes()
    {
        var key = NewKey();
        var set = await cli.RunAsync("state", "set", key, "hello world");
        Assert.True(set.ExitCode == ExitCodes.Success, set.ToString());
        Assert.Contains("OK", set.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", set.Out, StringComparison.Ordinal);

        var get = await cli.RunAsync("state", "get", key);
        Assert.Equal(ExitCodes.Success, get.ExitCode);
        Assert.Matches(@"Value\s+hello world", get.Out);
        Assert.Matches(@"Version\s+\d+:\d+:\S+", get.Out);

        var json = (await cli.RunAsync("state", "get", key, "--json")).Json;
        Assert.Equal(key, (string?)json["key"]);
        Assert.True((bool?)json["found"]);
        Assert.Equal("hello world", (string?)json["value"]);
        Assert.Matches(@"^\d+:\d+:\S+$", (string?)json["version"]);

        var delete = await cli.RunAsync("state", "del", key, "--json");
        Assert.Equal(ExitCodes.Success, delete.ExitCode);
        Assert.Equal(1, (int?)delete.Json["deleted"]);

        var missing = await cli.RunAsync("state", "get", key);
        Assert.Equal(ExitCodes.NotFound, missing.ExitCode);
        Assert.Contains("not found", missing.Out, StringComparison.Ordinal);
        var missingJson = await cli.RunAsync("state", "get", key, "--json");
        Assert.Equal(ExitCodes.NotFound, missingJson.ExitCode);
        Assert.False((bool?)missingJson.Json["found"]);
        Assert.Null(missingJson.Json["value"]);

        var deleteAgain = await cli.RunAsync("state", "del", key, "--json");
        Assert.Equal(ExitCodes.NotFound, deleteAgain.ExitCode);
        Assert.Equal(0, (int?)deleteAgain.Json["deleted"]);
    }

    [Fact]
    public async Task ConditionsDecideWhetherASetApplies()
    {
        var key = NewKey();
        Assert.Equal(ExitCodes.Success, (await cli.RunAsync("state", "set", key, "first", "--nx")).ExitCode);

        var refused = await cli.RunAsync("state", "set", key, "second", "--nx", "--json");
        Assert.Equal(ExitCodes.NotFound, refused.ExitCode);
        Assert.False((bool?)refused.Json["applied"]);
        Assert.Equal("first", (string?)(await cli.RunAsync("state", "get", key, "--json")).Json["value"]);

        var sameValue = await cli.RunAsync("state", "set", key, "first", "--nex", "--json");
        Assert.Equal(ExitCodes.Success, sameValue.ExitCode);
        Assert.True((bool?)sameValue.Json["applied"]);
        Assert.Equal(ExitCodes.NotFound, (await cli.RunAsync("state", "set", key, "other", "--nex")).ExitCode);
    }

    [Fact]
    public async Task AKeySetWithPxExpires()
    {
        var key = NewKey();
        var permanent = NewKey();
        Assert.Equal(ExitCodes.Success, (await cli.RunAsync("state", "set", key, "short-lived", "--px", "200ms")).ExitCode);
        Assert.Equal(ExitCodes.Success, (await cli.RunAsync("state", "set", permanent, "stays")).ExitCode);
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        guard.CancelAfter(TimeSpan.FromSeconds(30));
        while ((await cli.RunAsync("state", "get", key)).ExitCode == ExitCodes.Success)
        {
            await Task.Delay(100, guard.Token);
        }

        Assert.Equal(ExitCodes.NotFound, (await cli.RunAsync("state", "get", key)).ExitCode);
        Assert.Equal(ExitCodes.Success, (await cli.RunAsync("state", "get", permanent)).ExitCode);
    }

    [Fact]
    public async Task ValueDeleteOnlyDeletesTheGivenValue()
    {
        var key = NewKey();
        await cli.RunAsync("state", "set", key, "mine");

        var mismatch = await cli.RunAsync("state", "vdel", key, "yours", "--json");
        Assert.Equal(ExitCodes.NotFound, mismatch.ExitCode);
        Assert.Equal(-1, (int?)mismatch.Json["deleted"]);
        Assert.Contains("different value", (await cli.RunAsync("state", "vdel", key, "yours")).Out, StringComparison.Ordinal);

        var match = await cli.RunAsync("state", "vdel", key, "mine");
        Assert.Equal(ExitCodes.Success, match.ExitCode);
        Assert.Contains("deleted", match.Out, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.NotFound, (await cli.RunAsync("state", "get", key)).ExitCode);
    }

    [Fact]
    public async Task ValuesComeFromFilesAndStandardInput()
    {
        var key = NewKey();
        var file = Path.Combine(Path.GetTempPath(), $"{key}.bin");
        await File.WriteAllBytesAsync(file, [0xff, 0x00, 0x41], TestContext.Current.CancellationToken);
        try
        {
            Assert.Equal(ExitCodes.Success, (await cli.RunAsync("state", "set", key, "@" + file)).ExitCode);
            var binary = (await cli.RunAsync("state", "get", key, "--json")).Json;
            Assert.Null(binary["value"]);
            Assert.Equal(Convert.ToBase64String(new byte[] { 0xff, 0x00, 0x41 }), (string?)binary["valueBase64"]);
            Assert.Contains("base64:", (await cli.RunAsync("state", "get", key)).Out, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }

        Assert.Equal(ExitCodes.Success, (await cli.RunAsync(["state", "set", key, "-"], stdin: "from stdin")).ExitCode);
        Assert.Equal("from stdin", (string?)(await cli.RunAsync("state", "get", key, "--json")).Json["value"]);
        Assert.Equal(ExitCodes.Success, (await cli.RunAsync("state", "set", key, "@@at")).ExitCode);
        Assert.Equal("@at", (string?)(await cli.RunAsync("state", "get", key, "--json")).Json["value"]);
    }

    [Fact]
    public async Task AWriteWithAnOlderFencingTokenIsAServiceError()
    {
        var lease = NewKey();
        var key = NewKey();
        var first = (await cli.RunAsync("lease", "acquire", lease, "--holder", "h1", "--term", "1m", "--json")).Json;
        var older = (string)first["fencingToken"]!;
        Assert.Equal(ExitCodes.Success, (await cli.RunAsync("state", "set", key, "v1", "--fencing-token", older)).ExitCode);
        var newer = (string)(await cli.RunAsync("lease", "acquire", lease, "--holder", "h1", "--term", "1m", "--json")).Json["fencingToken"]!;
        Assert.Equal(ExitCodes.Success, (await cli.RunAsync("state", "set", key, "v2", "--fencing-token", newer)).ExitCode);

        var stale = await cli.RunAsync("state", "set", key, "v3", "--fencing-token", older);
        Assert.True(stale.ExitCode == ExitCodes.ServiceError, stale.ToString());
        Assert.Contains("state store refused", stale.Error, StringComparison.Ordinal);
        Assert.Equal("v2", (string?)(await cli.RunAsync("state", "get", key, "--json")).Json["value"]);
        Assert.Equal(ExitCodes.ServiceError, (await cli.RunAsync("state", "del", key, "--fencing-token", older)).ExitCode);
    }

    [Fact]
    public async Task WatchPrintsEachChangeUntilTheCount()
    {
        var key = NewKey();
        using var watch = cli.Start("state", "watch", key, "--count", "2", "--json");
        await watch.WaitUntilWatchingAsync();
        await cli.RunAsync("state", "set", key, "v1");
        await cli.RunAsync("state", "del", key);

        var result = await watch.WaitAsync();
        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        var changes = result.Lines.Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!).ToList();
        Assert.Equal(["updated", "deleted"], changes.Select(c => (string?)c["state"]));
        Assert.Equal("v1", (string?)changes[0]["value"]);
        Assert.Null(changes[1]["value"]);
        Assert.All(changes, c => Assert.Equal(key, (string?)c["key"]));
    }

    [Fact]
    public async Task WatchWithoutACountEndsCleanlyOnInterrupt()
    {
        var key = NewKey();
        using var watch = cli.Start("state", "watch", key);
        await watch.WaitUntilWatchingAsync();
        await cli.RunAsync("state", "set", key, "seen");
        using (var guard = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
        {
            guard.CancelAfter(TimeSpan.FromSeconds(30));
            while (!watch.Out.Contains("seen", StringComparison.Ordinal))
            {
                await Task.Delay(20, guard.Token);
            }
        }

        var result = await watch.InterruptAsync();
        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Matches($@"{key}\s+UPDATED\s+seen", result.Out);
    }
}
