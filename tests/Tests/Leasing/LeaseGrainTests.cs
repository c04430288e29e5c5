using System.Text;
using OrleansAio.Abstractions.Common;
using OrleansAio.Client.Leasing;
using OrleansAio.Grains.Leasing;
using OrleansAio.GrainsInterfaces.Leasing;
using OrleansAio.GrainsInterfaces.StateStore;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Leasing;
using OrleansAio.Protocol.StateStore;

namespace OrleansAio.Tests.Leasing;

/// <summary>The lease grain and the wire lease client on one cluster, alone and contending for the same lease key.</summary>
public sealed class LeaseGrainTests(LeasingClusterFixture fixture) : IClassFixture<LeasingClusterFixture>
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LongTerm = TimeSpan.FromSeconds(60);

    private static string NewLeaseName() => "lease-" + Guid.NewGuid().ToString("N")[..12];

    private static HlcTimestamp ToHlc(HybridLogicalClock clock) => HlcTimestamp.Parse(clock.EncodeToString());

    [Fact]
    public async Task Acquire_renew_and_release_follow_the_state_store_key()
    {
        var name = NewLeaseName();
        var lease = fixture.GrainsOf(1).GetGrain<ILeaseGrain>(name);

        var first = await lease.TryAcquireAsync("alice", LongTerm);
        Assert.True(first.Acquired);
        Assert.NotNull(first.FencingToken);

        var other = await lease.TryAcquireAsync("bob", LongTerm);
        Assert.False(other.Acquired);
        Assert.Null(other.FencingToken);
        Assert.Equal("alice", other.Holder);

        var renewed = await lease.RenewAsync("alice", LongTerm);
        Assert.True(renewed.Acquired);
        Assert.True(renewed.FencingToken! > first.FencingToken!, "a renewal returns a higher token");

        // The truth is the state-store key of the same name: the holder is its value, the token its version.
        var key = await fixture.Client.GetGrain<IStateStoreKeyGrain>(StateStoreGrainKey.ToGrainKey(name)).GetAsync();
        Assert.Equal("alice", Encoding.UTF8.GetString(key.Value!));
        Assert.Equal(renewed.FencingToken, key.Version);
        var holder = await lease.GetHolderAsync();
        Assert.Equal(new LeaseHolder("alice", renewed.FencingToken!), holder);

        Assert.False(await lease.ReleaseAsync("bob"));
        Assert.True(await lease.ReleaseAsync("alice"));
        Assert.Null(await lease.GetHolderAsync());
        Assert.False(await lease.ReleaseAsync("alice"));
    }

    [Fact]
    public async Task Bad_arguments_name_the_argument()
    {
        var lease = fixture.Client.GetGrain<ILeaseGrain>(NewLeaseName());
        var empty = await Assert.ThrowsAsync<LeaseException>(() => lease.TryAcquireAsync("", LongTerm));
        Assert.Equal(LeaseErrorKind.ArgumentInvalid, empty.Kind);
        Assert.Contains("holder", empty.Message, StringComparison.Ordinal);
        var term = await Assert.ThrowsAsync<LeaseException>(() => lease.TryAcquireAsync("alice", TimeSpan.FromTicks(5)));
        Assert.Contains("term", term.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Release_wakes_a_waiting_grain_acquire_before_the_term_expires()
    {
        var lease = fixture.GrainsOf(2).GetGrain<ILeaseGrain>(NewLeaseName());
        var first = await lease.TryAcquireAsync("alice", LongTerm);
        Assert.True(first.Acquired);

        var waiting = fixture.GrainsOf(0).GetGrain<ILeaseGrain>(lease.GetPrimaryKeyString())
            .AcquireAsync("bob", LongTerm, TimeSpan.FromSeconds(45), TestContext.Current.CancellationToken);
        var unacquired = await lease.TryAcquireAsync("carol", LongTerm);
        Assert.False(unacquired.Acquired);
        Assert.False(waiting.IsCompleted, "bob must still be waiting while alice holds a 60 s lease");

        Assert.True(await lease.ReleaseAsync("alice"));

        // Alice's term had about 60 s left: only the release can have let bob in within the guard.
        var result = await waiting.WaitAsync(HangGuard, TestContext.Current.CancellationToken);
        Assert.True(result.Acquired);
        Assert.True(result.FencingToken! > first.FencingToken!);
        Assert.Equal("bob", (await lease.GetHolderAsync())!.Holder);
    }

    [Fact]
    public async Task A_waiting_acquire_times_out_and_can_be_cancelled()
    {
        var lease = fixture.Client.GetGrain<ILeaseGrain>(NewLeaseName());
        Assert.True((await lease.TryAcquireAsync("alice", LongTerm)).Acquired);

        var timedOut = await lease.AcquireAsync("bob", LongTerm, TimeSpan.FromMilliseconds(300), TestContext.Current.CancellationToken);
        Assert.False(timedOut.Acquired);
        Assert.Equal("alice", timedOut.Holder);

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var waiting = lease.AcquireAsync("bob", LongTerm, TimeSpan.FromSeconds(60), cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(HangGuard, TestContext.Current.CancellationToken));
        Assert.Equal("alice", (await lease.GetHolderAsync())!.Holder);
    }

    [Fact]
    public async Task Observers_see_acquire_and_release()
    {
        var name = NewLeaseName();
        var lease = fixture.Client.GetGrain<ILeaseGrain>(name);
        var observer = new RecordingObserver();
        var reference = fixture.Client.CreateObjectReference<ILeaseObserver>(observer);
        await lease.ObserveAsync(reference);

        var acquired = await lease.TryAcquireAsync("alice", LongTerm);
        Assert.True(await lease.ReleaseAsync("alice"));

        var changes = await observer.WaitForAsync(2);
        Assert.Equal(new LeaseChange(name, LeaseChangeKind.Acquired, "alice", acquired.FencingToken!), changes[0]);
        Assert.Equal(LeaseChangeKind.Released, changes[1].Kind);
        Assert.Null(changes[1].Holder);
        Assert.True(changes[1].Version > acquired.FencingToken!);
        Assert.True(await lease.UnobserveAsync(reference));
    }

    [Fact]
    public async Task A_wire_client_and_a_grain_contend_for_the_same_lease()
    {
        var name = NewLeaseName();
        var lease = fixture.GrainsOf(1).GetGrain<ILeaseGrain>(name);
        await using var wire = await fixture.ConnectWireClientAsync("wire-lease");
        await using var client = new LeaseLockClient(wire.StateStore, name, "wire-holder") { LostNotificationRetry = LeasingClusterFixture.SafetyNetRetry };

        var wireHeld = await client.TryAcquireAsync(LongTerm, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(wireHeld.Success);
        var refused = await lease.TryAcquireAsync("grain-holder", LongTerm);
        Assert.False(refused.Acquired);
        Assert.Equal("wire-holder", refused.Holder);
        Assert.Equal(ToHlc(wireHeld.FencingToken!), (await lease.GetHolderAsync())!.FencingToken);

        // A grain waiting for the wire client's lease is woken by the wire release.
        var grainWaiting = lease.AcquireAsync("grain-holder", LongTerm, TimeSpan.FromSeconds(45), TestContext.Current.CancellationToken);
        Assert.True(await client.ReleaseAsync(TestContext.Current.CancellationToken));
        var grainHeld = await grainWaiting.WaitAsync(HangGuard, TestContext.Current.CancellationToken);
        Assert.True(grainHeld.Acquired);
        Assert.True(grainHeld.FencingToken! > ToHlc(wireHeld.FencingToken!));

        // A wire client waiting for the grain's lease (KEYNOTIFY, DELETE) is woken by the grain release.
        var wireRefused = await client.TryAcquireAsync(LongTerm, cancellationToken: TestContext.Current.CancellationToken);
        Assert.False(wireRefused.Success);
        Assert.Equal("grain-holder", wireRefused.Holder);
        var wireWaiting = client.AcquireAsync(LongTerm, timeout: TimeSpan.FromSeconds(45), cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(await lease.ReleaseAsync("grain-holder"));
        var wireAgain = await wireWaiting.WaitAsync(HangGuard, TestContext.Current.CancellationToken);
        Assert.True(wireAgain.Success);
        Assert.True(ToHlc(wireAgain.FencingToken!) > grainHeld.FencingToken!);
        Assert.Equal("wire-holder", (await lease.GetHolderAsync())!.Holder);
        Assert.Equal(wireAgain.FencingToken, client.CurrentFencingToken);
        Assert.True(await client.ReleaseAsync(TestContext.Current.CancellationToken));
        Assert.Null(client.CurrentFencingToken);
    }

    [Fact]
    public async Task Automatic_renewal_keeps_the_lease_and_reports_its_loss()
    {
        var name = NewLeaseName();
        var lease = fixture.GrainsOf(2).GetGrain<ILeaseGrain>(name);
        var term = TimeSpan.FromSeconds(1);
        await using var held = await AutoRenewingLease.TryAcquireAsync(lease, "alice", term);
        Assert.NotNull(held);
        var first = held.FencingToken;
        Assert.NotNull(first);
        var renewals = new List<HlcTimestamp>();
        var lost = new TaskCompletionSource<LeaseLostEventArgs<HlcTimestamp>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var renewedTwice = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        held.Renewed += t =>
        {
            lock (renewals)
            {
                renewals.Add(t);
                if (renewals.Count == 2)
                {
                    renewedTwice.TrySetResult();
                }
            }
        };
        held.Lost += e => lost.TrySetResult(e);

        // Several terms go by while renewals keep it: nobody else can take it.
        await renewedTwice.Task.WaitAsync(HangGuard, TestContext.Current.CancellationToken);
        Assert.False((await lease.TryAcquireAsync("bob", term)).Acquired);
        Assert.True(renewals[0] > first!);

        // An intruder deletes the key and takes the lease over the wire: the next renewal finds another holder.
        await using var wire = await fixture.ConnectWireClientAsync("intruder");
        await wire.StateStore.DeleteAsync(name, cancellationToken: TestContext.Current.CancellationToken);
        var intruder = await wire.StateStore.SetAsync(
            name, "mallory", new StateStoreSetRequestOptions { ExpiryTime = TimeSpan.FromSeconds(30) }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(intruder.Success);

        var loss = await lost.Task.WaitAsync(HangGuard, TestContext.Current.CancellationToken);
        Assert.Equal(LeaseLossReason.HeldByAnother, loss.Reason);
        Assert.Null(held.FencingToken);
        Assert.True(held.IsLost);
        Assert.Equal("mallory", (await lease.GetHolderAsync())!.Holder);
    }

    private sealed class RecordingObserver : ILeaseObserver
    {
        private readonly List<LeaseChange> changes = [];

        public Task OnLeaseChangedAsync(LeaseChange change)
        {
            lock (changes)
            {
                changes.Add(change);
            }

            return Task.CompletedTask;
        }

        public async Task<IReadOnlyList<LeaseChange>> WaitForAsync(int count)
        {
            using var guard = new CancellationTokenSource(HangGuard);
            while (true)
            {
                lock (changes)
                {
                    if (changes.Count >= count)
                    {
                        return [.. changes];
                    }
                }

                await Task.Delay(20, guard.Token);
            }
        }
    }
}
