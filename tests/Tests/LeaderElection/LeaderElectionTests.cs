using System.Text;
using OrleansAio.GrainsInterfaces.Leasing;
using OrleansAio.GrainsInterfaces.StateStore;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.LeaderElection;
using OrleansAio.Protocol.StateStore;
using OrleansAio.Tests.Leasing;
using GrainElection = OrleansAio.Client.LeaderElection.LeaderElection;
using OrleansAio.Abstractions.StateStore;

namespace OrleansAio.Tests.LeaderElection;

/// <summary>One election with a candidate in a silo (grain path) and one on a wire client.</summary>
public sealed class LeaderElectionTests(LeasingClusterFixture fixture) : IClassFixture<LeasingClusterFixture>
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Term = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task Resigning_hands_leadership_over_and_fences_the_old_leader()
    {
        var ct = TestContext.Current.CancellationToken;
        var election = "election-" + Guid.NewGuid().ToString("N")[..8];
        var resource = election + "-config";
        await using var inSilo = new GrainElection(fixture.GrainsOf(1), election, "silo-candidate");
        await using var wire = await fixture.ConnectWireClientAsync("elect-wire");
        await using var onWire = new LeaderElectionClient(wire.StateStore, election, "wire-candidate");

        var seen = new List<LeaseChange>();
        var threeChanges = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        inSilo.LeadershipChanged += c =>
        {
            lock (seen)
            {
                // Renewals are changes too; keep the changes of leader.
                if (seen.Count == 0 || seen[^1].Holder != c.Holder)
                {
                    seen.Add(c);
                }

                if (seen.Count == 3)
                {
                    threeChanges.TrySetResult();
                }
            }
        };
        await inSilo.ObserveLeadershipChangesAsync();

        Assert.True(await inSilo.TryCampaignAsync(Term));
        Assert.True(inSilo.IsLeader);
        var siloToken = inSilo.FencingToken!;
        var first = await inSilo.SetFencedAsync(resource, "v1"u8.ToArray());
        Assert.True(first.Applied);
        Assert.Null(first.Error);

        var refused = await onWire.TryCampaignAsync(Term, ct);
        Assert.False(refused.IsLeader);
        Assert.Equal("silo-candidate", refused.Leader);
        await Assert.ThrowsAsync<AioProtocolException>(() => onWire.SetFencedAsync(resource, "not-leader", cancellationToken: ct));

        var campaign = onWire.CampaignAsync(Term, TimeSpan.FromSeconds(60), ct);
        Assert.True(await inSilo.ResignAsync());
        Assert.False(inSilo.IsLeader);
        var elected = await campaign.WaitAsync(HangGuard, ct);
        Assert.True(elected.IsLeader);
        Assert.True(onWire.IsLeader);
        Assert.Equal("wire-candidate", (await onWire.GetCurrentLeaderAsync(ct))!.Holder);
        Assert.Equal("wire-candidate", (await inSilo.GetCurrentLeaderAsync())!.Holder);

        var second = await onWire.SetFencedAsync(resource, "v2", cancellationToken: ct);
        Assert.True(second.Success);

        // The old leader has no token to offer; a write with its old token is refused by the store.
        await Assert.ThrowsAsync<LeaseException>(() => inSilo.SetFencedAsync(resource, "stale"u8.ToArray()));
        var stale = await fixture.Client.GetGrain<IStateStoreKeyGrain>(StateStoreGrainKey.ToGrainKey(resource))
            .SetAsync(new StateStoreSetRequest("stale"u8.ToArray(), FencingToken: siloToken));
        Assert.Equal(StateStoreServiceError.FencingTokenLowerVersion, stale.Error);
        var stored = await wire.StateStore.GetAsync(resource, cancellationToken: ct);
        Assert.Equal("v2", stored.Value!.GetString());

        await threeChanges.Task.WaitAsync(HangGuard, ct);
        lock (seen)
        {
            Assert.Equal(["silo-candidate", null, "wire-candidate"], seen.Take(3).Select(c => c.Holder));
            Assert.Equal(LeaseChangeKind.Released, seen[1].Kind);
        }

        Assert.True(await onWire.ResignAsync(ct));
        Assert.Null(await onWire.GetCurrentLeaderAsync(ct));
    }

    [Fact]
    public async Task A_leader_keeps_its_term_by_renewing_and_observers_see_changes_on_the_wire()
    {
        var ct = TestContext.Current.CancellationToken;
        var election = "renew-" + Guid.NewGuid().ToString("N")[..8];
        await using var wire = await fixture.ConnectWireClientAsync("renew-wire");
        await using var leader = new LeaderElectionClient(wire.StateStore, election, "wire-leader");
        await using var watcherWire = await fixture.ConnectWireClientAsync("watch-wire");
        await using var watcher = new LeaderElectionClient(watcherWire.StateStore, election, "watcher");
        var changes = new List<LeadershipChangedEventArgs>();
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        watcher.LeadershipChangedAsync += c =>
        {
            lock (changes)
            {
                changes.Add(c);
            }

            if (c.Leader is null)
            {
                released.TrySetResult();
            }

            return Task.CompletedTask;
        };
        await watcher.ObserveLeadershipChangesAsync(ct);

        var term = TimeSpan.FromSeconds(1);
        var won = await leader.TryCampaignAsync(term, ct);
        Assert.True(won.IsLeader);

        // Several terms pass; renewals (SET NEX PX) keep it, each with a higher token.
        var lastVersion = won.FencingToken!;
        for (var i = 0; i < 3; i++)
        {
            var current = await WaitForNewerLeaderVersionAsync(watcher, lastVersion, ct);
            Assert.Equal("wire-leader", current.Holder);
            lastVersion = current.Version;
        }

        Assert.True(leader.IsLeader);
        Assert.False((await watcher.TryCampaignAsync(term, ct)).IsLeader);
        Assert.True(await leader.ResignAsync(ct));
        await released.Task.WaitAsync(HangGuard, ct);
        lock (changes)
        {
            Assert.All(changes.SkipLast(1), c => Assert.Equal("wire-leader", c.Leader));
            Assert.Null(changes[^1].Leader);
        }
    }

    private static async Task<global::OrleansAio.Protocol.Leasing.LeaseHolderInfo> WaitForNewerLeaderVersionAsync(
        LeaderElectionClient client, HybridLogicalClock version, CancellationToken ct)
    {
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(ct);
        guard.CancelAfter(HangGuard);
        while (true)
        {
            var current = await client.GetCurrentLeaderAsync(guard.Token);
            if (current is not null && current.Version.CompareTo(version) > 0)
            {
                return current;
            }

            await Task.Delay(100, guard.Token);
        }
    }
}
