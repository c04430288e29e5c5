using System.Collections.Concurrent;
using System.Text;
using OrleansAio.Abstractions.Common;
using OrleansAio.Abstractions.StateStore;
using OrleansAio.GrainsInterfaces.Leasing;
using OrleansAio.GrainsInterfaces.StateStore;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Leasing;
using OrleansAio.Protocol.StateStore;

namespace OrleansAio.Tests.Leasing;

/// <summary>
/// Contenders in three silos (grain path) and on three wire clients take turns on one lease with a 1 s term and write a guarded
/// state-store key with their fencing token. Some holders stall past their term until a newer holder has written the key, then
/// write again with their stale token: each such write must be refused. Sorted by the state store's own order (the write's
/// version), the accepted writes must carry strictly increasing tokens (a holder writes once per tenure).
/// </summary>
public sealed class MutualExclusionTests(LeasingClusterFixture fixture) : IClassFixture<LeasingClusterFixture>
{
    private const int RoundsPerContender = 50;
    private const int StallEvery = 25;
    private static readonly TimeSpan Term = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan AcquireTimeout = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task Accepted_guarded_writes_carry_strictly_increasing_fencing_tokens()
    {
        var ct = TestContext.Current.CancellationToken;
        var lease = "mutex-" + Guid.NewGuid().ToString("N")[..8];
        var guard = lease + "-guarded";
        var wires = new List<WireClient>();
        var contenders = new List<IContender>();
        for (var silo = 0; silo < 3; silo++)
        {
            contenders.Add(new GrainContender($"silo{silo}-holder", fixture.GrainsOf(silo), lease, guard));
        }

        for (var i = 0; i < 3; i++)
        {
            var wire = await fixture.ConnectWireClientAsync($"mutex-wire{i}");
            wires.Add(wire);
            contenders.Add(new WireContender($"wire{i}-holder", wire.StateStore, lease, guard));
        }

        var accepted = new ConcurrentBag<GuardedWrite>();
        var rejected = new ConcurrentBag<GuardedWrite>();
        var tenures = new ConcurrentBag<HlcTimestamp>();
        var staleAttempts = 0;
        try
        {
            await Task.WhenAll(contenders.Select((c, index) => Task.Run(
                async () =>
                {
                    for (var round = 0; round < RoundsPerContender; round++)
                    {
                        var token = await c.AcquireAsync(ct);
                        tenures.Add(token);
                        var tenure = $"{c.Name}#{round}";
                        var write = await c.WriteGuardedAsync(token, tenure, ct);
                        (write.Accepted ? accepted : rejected).Add(write);
                        // Stalls fall in the middle of each block of StallEvery rounds, never in a contender's last rounds: a holder
                        // that stalls in its last round could wait for a newer write after every other contender has finished.
                        if ((round + (index * 2)) % StallEvery == StallEvery / 2)
                        {
                            // A holder that stalls (GC pause, partition) past its term, until a newer holder has written the
                            // guarded key, and then writes with its old token: the store must refuse it. Contenders stall in
                            // different rounds, so others are active meanwhile.
                            await WaitUntilOverwrittenAsync(c, tenure, ct);
                            Interlocked.Increment(ref staleAttempts);
                            var stale = await c.WriteGuardedAsync(token, tenure, ct);
                            (stale.Accepted ? accepted : rejected).Add(stale);
                            Assert.False(stale.Accepted, $"the stale write of {tenure} was accepted after a newer holder wrote");
                        }
                        else
                        {
                            await c.ReleaseAsync(ct);
                        }
                    }
                },
                ct)));
        }
        finally
        {
            foreach (var wire in wires)
            {
                await wire.DisposeAsync();
            }
        }

        // Every tenure got its own token: the lease was never granted twice at one version.
        Assert.Equal(contenders.Count * RoundsPerContender, tenures.Count);
        Assert.Equal(tenures.Count, tenures.Distinct().Count());
        Assert.Equal(contenders.Count * (RoundsPerContender / StallEvery), staleAttempts);

        var ordered = accepted.OrderBy(w => w.Version).ToList();
        Assert.NotEmpty(ordered);
        for (var i = 1; i < ordered.Count; i++)
        {
            var (before, after) = (ordered[i - 1], ordered[i]);
            var sameTenure = after.Tenure == before.Tenure && after.Token == before.Token;
            Assert.True(
                after.Token > before.Token || sameTenure,
                $"write {after.Tenure} with token {after.Token} was accepted after {before.Tenure} with token {before.Token}");
        }

        // Every rejection is the store's fencing check, never anything else.
        Assert.All(rejected, w => Assert.Equal(StateStoreServiceError.FencingTokenLowerVersion, w.Error));
        TestContext.Current.SendDiagnosticMessage(
            $"{tenures.Count} tenures, {accepted.Count} accepted writes, {rejected.Count} rejected (of {staleAttempts} stale attempts)");
    }

    private static async Task WaitUntilOverwrittenAsync(IContender contender, string tenure, CancellationToken cancellationToken)
    {
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        guard.CancelAfter(AcquireTimeout);
        while (await contender.ReadGuardedAsync(guard.Token) == tenure)
        {
            await Task.Delay(50, guard.Token);
        }
    }

    private sealed record GuardedWrite(string Tenure, HlcTimestamp Token, bool Accepted, HlcTimestamp? Version, StateStoreServiceError? Error);

    private interface IContender
    {
        string Name { get; }

        Task<HlcTimestamp> AcquireAsync(CancellationToken cancellationToken);

        Task<GuardedWrite> WriteGuardedAsync(HlcTimestamp token, string tenure, CancellationToken cancellationToken);

        Task ReleaseAsync(CancellationToken cancellationToken);

        Task<string?> ReadGuardedAsync(CancellationToken cancellationToken);
    }

    private sealed class GrainContender(string name, IGrainFactory grains, string lease, string guard) : IContender
    {
        private readonly ILeaseGrain leaseGrain = grains.GetGrain<ILeaseGrain>(lease);
        private readonly IStateStoreKeyGrain guardGrain = grains.GetGrain<IStateStoreKeyGrain>(StateStoreGrainKey.ToGrainKey(guard));

        public string Name => name;

        public async Task<HlcTimestamp> AcquireAsync(CancellationToken cancellationToken)
        {
            var result = await leaseGrain.AcquireAsync(name, Term, AcquireTimeout, cancellationToken);
            Assert.True(result.Acquired, $"{name} did not get the lease within {AcquireTimeout}");
            return result.FencingToken!;
        }

        public async Task<GuardedWrite> WriteGuardedAsync(HlcTimestamp token, string tenure, CancellationToken cancellationToken)
        {
            var result = await guardGrain.SetAsync(new StateStoreSetRequest(Encoding.UTF8.GetBytes(tenure), FencingToken: token));
            return new GuardedWrite(tenure, token, result.Applied && result.Error is null, result.Version, result.Error);
        }

        public Task ReleaseAsync(CancellationToken cancellationToken) => leaseGrain.ReleaseAsync(name);

        public async Task<string?> ReadGuardedAsync(CancellationToken cancellationToken) =>
            (await guardGrain.GetAsync()).Value is { } value ? Encoding.UTF8.GetString(value) : null;
    }

    private sealed class WireContender(string name, StateStoreClient stateStore, string lease, string guard) : IContender
    {
        private readonly LeaseLockClient client = new(stateStore, lease, name);

        public string Name => name;

        public async Task<HlcTimestamp> AcquireAsync(CancellationToken cancellationToken)
        {
            var result = await client.AcquireAsync(Term, timeout: AcquireTimeout, cancellationToken: cancellationToken);
            Assert.True(result.Success, $"{name} did not get the lease within {AcquireTimeout}");
            return HlcTimestamp.Parse(result.FencingToken!.EncodeToString());
        }

        public async Task<GuardedWrite> WriteGuardedAsync(HlcTimestamp token, string tenure, CancellationToken cancellationToken)
        {
            var fencing = HybridLogicalClock.DecodeFromString("__ft", token.ToString());
            try
            {
                var response = await stateStore.SetAsync(
                    guard, tenure, new StateStoreSetRequestOptions { FencingToken = fencing }, cancellationToken: cancellationToken);
                return new GuardedWrite(
                    tenure, token, response.Success, response.Version is null ? null : HlcTimestamp.Parse(response.Version.EncodeToString()), null);
            }
            catch (AioProtocolException ex) when (ex.GetStateStoreError() is { } error)
            {
                return new GuardedWrite(tenure, token, false, null, Enum.TryParse<StateStoreServiceError>(error.ToString(), out var kind) ? kind : null);
            }
        }

        public Task ReleaseAsync(CancellationToken cancellationToken) => client.ReleaseAsync(cancellationToken);

        public async Task<string?> ReadGuardedAsync(CancellationToken cancellationToken) =>
            (await stateStore.GetAsync(guard, cancellationToken: cancellationToken)).Value?.GetString();
    }
}
