using System.Text.Json.Nodes;
using OrleansAio.Cli.Common;

namespace OrleansAio.Tests.Cli;

/// <summary><c>aio lease ...</c> and <c>aio leader ...</c> against the embedded broker and a silo.</summary>
[Collection(CliCollection.Name)]
public sealed class LeasingCliTests(CliClusterFixture fixture)
{
    private readonly CliRunner cli = new(fixture.Broker.Port);

    private static string NewName() => $"lease-{Guid.NewGuid():N}"[..16];

    [Fact]
    public async Task AcquireHolderReleaseAcrossTwoHolders()
    {
        var lease = NewName();
        var acquired = await cli.RunAsync("lease", "acquire", lease, "--holder", "alice", "--term", "1m", "--json");
        Assert.True(acquired.ExitCode == ExitCodes.Success, acquired.ToString());
        Assert.True((bool?)acquired.Json["acquired"]);
        Assert.Equal("alice", (string?)acquired.Json["currentHolder"]);
        Assert.Equal("60s", (string?)acquired.Json["term"]);
        var token = (string?)acquired.Json["fencingToken"];
        Assert.Matches(@"^\d+:\d+:\S+$", token);

        var refused = await cli.RunAsync("lease", "acquire", lease, "--holder", "bob");
        Assert.Equal(ExitCodes.NotFound, refused.ExitCode);
        Assert.Contains("held by alice", refused.Out, StringComparison.Ordinal);

        var holder = await cli.RunAsync("lease", "holder", lease);
        Assert.Equal(ExitCodes.Success, holder.ExitCode);
        Assert.Matches(@"Holder\s+alice", holder.Out);
        Assert.Equal(token, (string?)(await cli.RunAsync("lease", "holder", lease, "--json")).Json["fencingToken"]);

        var wrongRelease = await cli.RunAsync("lease", "release", lease, "--holder", "bob", "--json");
        Assert.Equal(ExitCodes.NotFound, wrongRelease.ExitCode);
        Assert.False((bool?)wrongRelease.Json["released"]);
        Assert.Equal(ExitCodes.Success, (await cli.RunAsync("lease", "release", lease, "--holder", "alice")).ExitCode);

        var free = await cli.RunAsync("lease", "holder", lease, "--json");
        Assert.Equal(ExitCodes.NotFound, free.ExitCode);
        Assert.False((bool?)free.Json["held"]);
        Assert.Null(free.Json["holder"]);
        Assert.Equal(ExitCodes.Success, (await cli.RunAsync("lease", "acquire", lease, "--holder", "bob")).ExitCode);
    }

    [Fact]
    public async Task AWaitingAcquireGetsTheLeaseWhenItIsReleased()
    {
        var lease = NewName();
        await cli.RunAsync("lease", "acquire", lease, "--holder", "first", "--term", "1m");
        using var waiting = cli.Start("lease", "acquire", lease, "--holder", "second", "--wait", "--wait-timeout", "1m", "--json");
        using (var guard = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
        {
            guard.CancelAfter(TimeSpan.FromSeconds(30));
            while (!waiting.Error.Contains("waiting for lease", StringComparison.Ordinal))
            {
                await Task.Delay(20, guard.Token);
            }
        }

        Assert.Contains("held by first", waiting.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Success, (await cli.RunAsync("lease", "release", lease, "--holder", "first")).ExitCode);

        var result = await waiting.WaitAsync();
        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        Assert.Equal("second", (string?)result.Json["currentHolder"]);
    }

    [Fact]
    public async Task WatchShowsAcquireAndRelease()
    {
        var lease = NewName();
        using var watch = cli.Start("lease", "watch", lease, "--count", "2", "--json");
        await watch.WaitUntilWatchingAsync();
        await cli.RunAsync("lease", "acquire", lease, "--holder", "carol");
        await cli.RunAsync("lease", "release", lease, "--holder", "carol");

        var result = await watch.WaitAsync();
        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        var changes = result.Lines.Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal([true, false], changes.Select(c => (bool)c["held"]!));
        Assert.Equal("carol", (string?)changes[0]["holder"]);
        Assert.Null(changes[1]["holder"]);
    }

    [Fact]
    public async Task CampaignLeaderResign()
    {
        var election = NewName();
        var won = await cli.RunAsync("leader", "campaign", election, "--candidate", "node-1", "--term", "1m", "--json");
        Assert.True(won.ExitCode == ExitCodes.Success, won.ToString());
        Assert.True((bool?)won.Json["elected"]);
        Assert.Matches(@"^\d+:\d+:\S+$", (string?)won.Json["fencingToken"]);

        var lost = await cli.RunAsync("leader", "campaign", election, "--candidate", "node-2");
        Assert.Equal(ExitCodes.NotFound, lost.ExitCode);
        Assert.Contains("node-1 leads", lost.Out, StringComparison.Ordinal);

        var leader = await cli.RunAsync("leader", "leader", election);
        Assert.Equal(ExitCodes.Success, leader.ExitCode);
        Assert.Matches(@"Leader\s+node-1", leader.Out);

        Assert.Equal(ExitCodes.NotFound, (await cli.RunAsync("leader", "resign", election, "--candidate", "node-2")).ExitCode);
        var resigned = await cli.RunAsync("leader", "resign", election, "--candidate", "node-1", "--json");
        Assert.Equal(ExitCodes.Success, resigned.ExitCode);
        Assert.True((bool?)resigned.Json["resigned"]);

        var nobody = await cli.RunAsync("leader", "leader", election, "--json");
        Assert.Equal(ExitCodes.NotFound, nobody.ExitCode);
        Assert.False((bool?)nobody.Json["hasLeader"]);
    }

    [Fact]
    public async Task HoldKeepsLeadingUntilInterruptedAndThenResigns()
    {
        var election = NewName();
        using var holding = cli.Start("leader", "campaign", election, "--candidate", "holder", "--term", "3s", "--hold");
        using (var guard = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
        {
            guard.CancelAfter(TimeSpan.FromSeconds(30));
            while (!holding.Error.Contains("Ctrl+C to resign", StringComparison.Ordinal))
            {
                await Task.Delay(20, guard.Token);
            }
        }

        Assert.Matches(@"Leader\s+holder", (await cli.RunAsync("leader", "leader", election)).Out);
        var result = await holding.InterruptAsync();
        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        Assert.Contains("resigned", result.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.NotFound, (await cli.RunAsync("leader", "leader", election)).ExitCode);
    }
}
