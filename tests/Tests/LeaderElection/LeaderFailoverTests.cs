using MQTTnet.Protocol;
using MQTTnet.Server;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.LeaderElection;
using OrleansAio.Protocol.Leasing;
using OrleansAio.Tests.Leasing;
using GrainElection = OrleansAio.Client.LeaderElection.LeaderElection;
using OrleansAio.Abstractions.Common;

namespace OrleansAio.Tests.LeaderElection;

/// <summary>The leader's silo is killed: another candidate is elected once the term runs out, and the old leader learns it lost.</summary>
public sealed class LeaderSiloKilledTests(LeasingClusterFixture fixture) : IClassFixture<LeasingClusterFixture>
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_new_leader_is_elected_after_the_leaders_silo_dies()
    {
        var ct = TestContext.Current.CancellationToken;
        var election = "failover-" + Guid.NewGuid().ToString("N")[..8];
        var term = TimeSpan.FromSeconds(2);
        await using var leader = new GrainElection(fixture.GrainsOf(1), election, "silo1-candidate");
        await using var survivor = new GrainElection(fixture.GrainsOf(2), election, "silo2-candidate");
        await using var wire = await fixture.ConnectWireClientAsync("failover-wire");
        await using var wireCandidate = new LeaderElectionClient(wire.StateStore, election, "wire-candidate");
        var lost = new TaskCompletionSource<LeaseLostEventArgs<HlcTimestamp>>(TaskCreationOptions.RunContinuationsAsynchronously);
        leader.LeadershipLost += e => lost.TrySetResult(e);

        Assert.True(await leader.TryCampaignAsync(term));
        var oldToken = leader.FencingToken!;
        using var stopLosers = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var siloCampaign = survivor.CampaignAsync(term, TimeSpan.FromSeconds(80), stopLosers.Token);
        var wireCampaign = wireCandidate.CampaignAsync(term, TimeSpan.FromSeconds(80), stopLosers.Token);

        await fixture.Cluster.KillSiloAsync(fixture.Cluster.Silos[1], ct);

        // The dead silo's candidate cannot renew (its grain factory is gone): it reports the loss once its term has run out.
        var loss = await lost.Task.WaitAsync(HangGuard, ct);
        Assert.Equal(LeaseLossReason.RenewalFailed, loss.Reason);
        Assert.Equal(oldToken, loss.LastToken);
        Assert.False(leader.IsLeader);

        var winner = await Task.WhenAny(siloCampaign.ContinueWith(t => t.Result ? "silo2-candidate" : null, ct), wireCampaign.ContinueWith(t => t.Result.IsLeader ? "wire-candidate" : null, ct))
            .Unwrap().WaitAsync(HangGuard, ct);
        Assert.NotNull(winner);
        await stopLosers.CancelAsync();
        await Task.WhenAll(siloCampaign, wireCampaign).ContinueWith(_ => { }, CancellationToken.None);

        var current = await wireCandidate.GetCurrentLeaderAsync(ct);
        Assert.Equal(winner, current!.Holder);
        Assert.True(HlcTimestamp.Parse(current.Version.EncodeToString()) > oldToken);
        Assert.Equal(winner == "silo2-candidate", survivor.IsLeader);
        Assert.Equal(winner == "wire-candidate", wireCandidate.IsLeader);
    }
}

/// <summary>The leader's MQTT connection is dropped for good: another candidate is elected, and the old leader learns it lost.</summary>
public sealed class LeaderConnectionDroppedTests(LeasingClusterFixture fixture) : IClassFixture<LeasingClusterFixture>
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_new_leader_is_elected_after_the_leaders_connection_drops()
    {
        var ct = TestContext.Current.CancellationToken;
        var election = "dropped-" + Guid.NewGuid().ToString("N")[..8];
        var term = TimeSpan.FromSeconds(2);
        await using var wire = await fixture.ConnectWireClientAsync("dropped-leader");
        await using var leader = new LeaderElectionClient(wire.StateStore, election, "wire-leader");
        await using var inSilo = new GrainElection(fixture.GrainsOf(1), election, "silo-candidate");
        var lost = new TaskCompletionSource<LeaseLostEventArgs<HybridLogicalClock>>(TaskCreationOptions.RunContinuationsAsynchronously);
        leader.LeadershipLost += e => lost.TrySetResult(e);

        var won = await leader.TryCampaignAsync(term, ct);
        Assert.True(won.IsLeader);
        var campaign = inSilo.CampaignAsync(term, TimeSpan.FromSeconds(50), ct);

        // "Session taken over" is fatal for the session client: the leader stays disconnected and its renewals fail.
        await fixture.Broker.Broker.Server.DisconnectClientAsync(
            wire.ClientId, new MqttServerClientDisconnectOptions { ReasonCode = MqttDisconnectReasonCode.SessionTakenOver });

        Assert.True(await campaign.WaitAsync(HangGuard, ct));
        Assert.True(inSilo.IsLeader);
        Assert.Equal("silo-candidate", (await inSilo.GetCurrentLeaderAsync())!.Holder);

        var loss = await lost.Task.WaitAsync(HangGuard, ct);
        Assert.Equal(LeaseLossReason.RenewalFailed, loss.Reason);
        Assert.False(leader.IsLeader);
        Assert.Null(leader.FencingToken);
        var notLeader = await Assert.ThrowsAsync<AioProtocolException>(() => leader.SetFencedAsync(election + "-data", "x", cancellationToken: ct));
        Assert.Equal(AioErrorKind.StateInvalid, notLeader.Kind);
        Assert.True(inSilo.FencingToken! > won.FencingToken!.ToTimestamp());
    }
}
