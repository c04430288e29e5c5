using System.Collections.Concurrent;
using OrleansAio.Abstractions.StateStore;
using OrleansAio.Client.StateStore;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.StateStore;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.StateStore;

/// <summary>The golden path, written once against <see cref="IStateStoreClient"/> and run on both access paths.</summary>
public abstract class StateStoreGoldenPathTests(AioClusterFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    private protected StateStoreConnections Connections { get; } = new(fixture);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <inheritdoc />
    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Connections.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task SetGetDeleteRoundTripWithIncreasingVersions()
    {
        var store = await CreateClientAsync("a");
        var key = Key();
        var first = await store.SetAsync(key, "v1", cancellationToken: Ct);
        Assert.True(first.Success);
        Assert.NotNull(first.Version);

        var read = await store.GetAsync(key, cancellationToken: Ct);
        Assert.Equal("v1", read.Value!.GetString());
        Assert.Equal(first.Version, read.Version);

        var second = await store.SetAsync(key, "v2", cancellationToken: Ct);
        Assert.True(second.Success);
        Assert.True(second.Version!.CompareTo(first.Version) > 0);
        Assert.Equal(first.Version!.NodeId, second.Version.NodeId);

        Assert.Equal(1, (await store.DeleteAsync(key, cancellationToken: Ct)).DeletedItemsCount);
        var gone = await store.GetAsync(key, cancellationToken: Ct);
        Assert.Null(gone.Value);
        Assert.Null(gone.Version);
        Assert.Equal(0, (await store.DeleteAsync(key, cancellationToken: Ct)).DeletedItemsCount);
    }

    [Fact]
    public async Task OnlyIfNotSetAppliesOnlyToAnAbsentKeyAndReportsTheStoredVersion()
    {
        var store = await CreateClientAsync("a");
        var key = Key();
        var nx = new StateStoreSetRequestOptions { Condition = SetCondition.OnlyIfDoesNotExist };
        var applied = await store.SetAsync(key, "v", nx, cancellationToken: Ct);
        Assert.True(applied.Success);

        var refused = await store.SetAsync(key, "v", nx, cancellationToken: Ct);
        Assert.False(refused.Success);
        Assert.Equal(applied.Version, refused.Version);
        Assert.Equal("v", (await store.GetAsync(key, cancellationToken: Ct)).Value!.GetString());
    }

    [Fact]
    public async Task OnlyIfEqualOrNotSetRenewsAnEqualValueWithANewVersionAndRefusesADifferentOne()
    {
        var store = await CreateClientAsync("a");
        var key = Key();
        var nex = new StateStoreSetRequestOptions { Condition = SetCondition.OnlyIfEqualOrDoesNotExist };
        var first = await store.SetAsync(key, "holder-a", nex, cancellationToken: Ct);
        Assert.True(first.Success);

        var renewed = await store.SetAsync(key, "holder-a", nex, cancellationToken: Ct);
        Assert.True(renewed.Success);
        Assert.True(renewed.Version!.CompareTo(first.Version) > 0);

        var refused = await store.SetAsync(key, "holder-b", nex, cancellationToken: Ct);
        Assert.False(refused.Success);
        Assert.Equal(renewed.Version, refused.Version);
        Assert.Equal("holder-a", (await store.GetAsync(key, cancellationToken: Ct)).Value!.GetString());
    }

    [Fact]
    public async Task ValueDeleteDeletesOnlyAnEqualValue()
    {
        var store = await CreateClientAsync("a");
        var key = Key();
        await store.SetAsync(key, "v", cancellationToken: Ct);
        Assert.Equal(-1, (await store.DeleteAsync(key, new() { OnlyDeleteIfValueEquals = "other" }, cancellationToken: Ct)).DeletedItemsCount);
        Assert.Equal(1, (await store.DeleteAsync(key, new() { OnlyDeleteIfValueEquals = "v" }, cancellationToken: Ct)).DeletedItemsCount);
        Assert.Equal(0, (await store.DeleteAsync(key, new() { OnlyDeleteIfValueEquals = "v" }, cancellationToken: Ct)).DeletedItemsCount);
    }

    [Fact]
    public async Task BinaryKeysLargeValuesAndEmptyValuesAreKept()
    {
        var store = await CreateClientAsync("a");
        var key = new StateStoreKey(new byte[6500]);
        var value = Enumerable.Range(0, 65000).Select(i => (byte)(i % 251)).ToArray();
        Assert.True((await store.SetAsync(key, value, cancellationToken: Ct)).Success);
        Assert.Equal(value, (await store.GetAsync(key, cancellationToken: Ct)).Value!.Bytes);

        var empty = Key();
        Assert.True((await store.SetAsync(empty, Array.Empty<byte>(), cancellationToken: Ct)).Success);
        var read = await store.GetAsync(empty, cancellationToken: Ct);
        Assert.Empty(read.Value!.Bytes);
        Assert.NotNull(read.Version);
        await store.DeleteAsync(key, cancellationToken: Ct);
    }

    [Fact]
    public async Task EmptyAndOversizedKeysAndValuesAreRefused()
    {
        var store = await CreateClientAsync("a");
        await AssertServiceErrorAsync(StateStoreServiceError.KeyLengthZero, () => store.GetAsync(Array.Empty<byte>(), cancellationToken: Ct));
        await AssertServiceErrorAsync(StateStoreServiceError.QuotaExceeded, () => store.SetAsync(new byte[16 * 1024 + 1], "v", cancellationToken: Ct));
        var key = Key();
        await AssertServiceErrorAsync(StateStoreServiceError.QuotaExceeded, () => store.SetAsync(key, new byte[(1024 * 1024) + 1], cancellationToken: Ct));
        Assert.Null((await store.GetAsync(key, cancellationToken: Ct)).Value);
    }

    [Fact]
    public async Task FencingTokensProtectAKeyOnceUsed()
    {
        var store = await CreateClientAsync("a");
        var lockKey = Key();
        var resource = Key();
        var older = (await store.SetAsync(lockKey, "holder", cancellationToken: Ct)).Version!;
        var token = (await store.SetAsync(lockKey, "holder", cancellationToken: Ct)).Version!;

        Assert.True((await store.SetAsync(resource, "r1", new() { FencingToken = token }, cancellationToken: Ct)).Success);
        await AssertServiceErrorAsync(StateStoreServiceError.MissingFencingToken, () => store.SetAsync(resource, "r2", cancellationToken: Ct));
        await AssertServiceErrorAsync(StateStoreServiceError.MissingFencingToken, () => store.DeleteAsync(resource, new() { OnlyDeleteIfValueEquals = "r1" }, cancellationToken: Ct));
        await AssertServiceErrorAsync(StateStoreServiceError.FencingTokenLowerVersion, () => store.SetAsync(resource, "r2", new() { FencingToken = older }, cancellationToken: Ct));
        await AssertServiceErrorAsync(StateStoreServiceError.FencingTokenLowerVersion, () => store.DeleteAsync(resource, new() { FencingToken = older }, cancellationToken: Ct));
        Assert.Equal("r1", (await store.GetAsync(resource, cancellationToken: Ct)).Value!.GetString());

        Assert.True((await store.SetAsync(resource, "r2", new() { FencingToken = token }, cancellationToken: Ct)).Success);
        Assert.Equal(-1, (await store.DeleteAsync(resource, new() { OnlyDeleteIfValueEquals = "x", FencingToken = token }, cancellationToken: Ct)).DeletedItemsCount);
        var newer = (await store.SetAsync(lockKey, "holder", cancellationToken: Ct)).Version!;
        Assert.True((await store.SetAsync(resource, "r3", new() { FencingToken = newer }, cancellationToken: Ct)).Success);
        await AssertServiceErrorAsync(StateStoreServiceError.FencingTokenLowerVersion, () => store.SetAsync(resource, "r4", new() { FencingToken = token }, cancellationToken: Ct));
        Assert.Equal(1, (await store.DeleteAsync(resource, new() { FencingToken = newer }, cancellationToken: Ct)).DeletedItemsCount);

        // The token went away with the key.
        Assert.True((await store.SetAsync(resource, "fresh", cancellationToken: Ct)).Success);
    }

    [Fact]
    public async Task AFencingTokenFarInTheFutureIsRefusedEvenOnAFreshKey()
    {
        var store = await CreateClientAsync("a");
        var future = new HybridLogicalClock(timestamp: DateTimeOffset.UtcNow.AddYears(10));
        await AssertServiceErrorAsync(StateStoreServiceError.FencingTokenSkew, () => store.SetAsync(Key(), "v", new() { FencingToken = future }, cancellationToken: Ct));
    }

    [Fact]
    public async Task AVersionIsAboveTheFencingTokenOfItsWrite()
    {
        var store = await CreateClientAsync("a");
        var ahead = new HybridLogicalClock(timestamp: DateTimeOffset.UtcNow.AddSeconds(20), counter: 7);
        var set = await store.SetAsync(Key(), "v", new() { FencingToken = ahead }, cancellationToken: Ct);
        Assert.True(set.Version!.Timestamp > ahead.Timestamp);
        Assert.Equal(0, set.Version.Counter);
    }

    [Fact]
    public async Task AnExpiredKeyReadsAsAbsentAndASetWithoutExpiryMakesItPermanent()
    {
        var store = await CreateClientAsync("a");
        var key = Key();
        Assert.True((await store.SetAsync(key, "v", new() { ExpiryTime = TimeSpan.FromMilliseconds(300) }, cancellationToken: Ct)).Success);
        await WaitUntilAsync(async () => (await store.GetAsync(key, cancellationToken: Ct)).Value is null);
        Assert.True((await store.SetAsync(key, "again", new() { Condition = SetCondition.OnlyIfDoesNotExist }, cancellationToken: Ct)).Success);

        var permanent = Key();
        await store.SetAsync(permanent, "v", new() { ExpiryTime = TimeSpan.FromMilliseconds(400) }, cancellationToken: Ct);
        await store.SetAsync(permanent, "kept", cancellationToken: Ct);
        var marker = Key();
        await store.SetAsync(marker, "m", new() { ExpiryTime = TimeSpan.FromMilliseconds(400) }, cancellationToken: Ct);
        await WaitUntilAsync(async () => (await store.GetAsync(marker, cancellationToken: Ct)).Value is null);
        Assert.Equal("kept", (await store.GetAsync(permanent, cancellationToken: Ct)).Value!.GetString());
    }

    [Fact]
    public async Task ObserversGetEveryChangeInOrderOnceUntilTheyStop()
    {
        var store = await CreateClientAsync("a");
        var changes = StateStoreConnections.RecordChanges(store);
        var key = Key();
        await store.ObserveAsync(key, cancellationToken: Ct);
        await store.ObserveAsync(key, cancellationToken: Ct);
        var v1 = (await store.SetAsync(key, "v1", cancellationToken: Ct)).Version;
        var v2 = (await store.SetAsync(key, "v2", cancellationToken: Ct)).Version;
        await store.SetAsync(key, "refused", new() { Condition = SetCondition.OnlyIfDoesNotExist }, cancellationToken: Ct);
        await store.DeleteAsync(key, cancellationToken: Ct);
        await WaitUntilAsync(() => Task.FromResult(changes.Count >= 3));

        Assert.True(await store.UnobserveAsync(key, cancellationToken: Ct));
        Assert.False(await store.UnobserveAsync(key, cancellationToken: Ct));

        // A barrier: a change of another observed key arrives after anything still in flight for the first key.
        var barrier = Key();
        await store.ObserveAsync(barrier, cancellationToken: Ct);
        await store.SetAsync(key, "after-stop", cancellationToken: Ct);
        await store.SetAsync(barrier, "b", cancellationToken: Ct);
        await WaitUntilAsync(() => Task.FromResult(changes.Any(c => c.ChangedKey.Equals(barrier))));

        var ofKey = changes.Where(c => c.ChangedKey.Equals(key)).ToArray();
        Assert.Equal(3, ofKey.Length);
        Assert.Equal((KeyState.Updated, "v1"), (ofKey[0].NewState, ofKey[0].NewValue!.GetString()));
        Assert.Equal(v1, ofKey[0].Version);
        Assert.Equal((KeyState.Updated, "v2"), (ofKey[1].NewState, ofKey[1].NewValue!.GetString()));
        Assert.Equal(v2, ofKey[1].Version);
        Assert.Equal(KeyState.Deleted, ofKey[2].NewState);
        Assert.True(ofKey[2].Version.CompareTo(v2) > 0);
    }

    [Fact]
    public async Task ObserversGetADeleteWhenTheKeyExpires()
    {
        var store = await CreateClientAsync("a");
        var changes = StateStoreConnections.RecordChanges(store);
        var key = Key();
        await store.ObserveAsync(key, cancellationToken: Ct);
        await store.SetAsync(key, "v", new() { ExpiryTime = TimeSpan.FromMilliseconds(500) }, cancellationToken: Ct);
        await WaitUntilAsync(() => Task.FromResult(changes.Count >= 2));
        Assert.Equal([KeyState.Updated, KeyState.Deleted], changes.Select(c => c.NewState));
        await store.UnobserveAsync(key, cancellationToken: Ct);
    }

    /// <summary>Creates a client of the access path under test.</summary>
    /// <param name="suffix">Tells clients of one test apart.</param>
    /// <returns>The client.</returns>
    private protected abstract Task<IStateStoreClient> CreateClientAsync(string suffix);

    private static StateStoreKey Key() => new($"{TestContext.Current.TestMethod?.MethodName}-{Guid.NewGuid():N}");

    private static async Task AssertServiceErrorAsync(StateStoreServiceError expected, Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<AioProtocolException>(call);
        Assert.Equal(expected, ex.GetStateStoreError());
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        guard.CancelAfter(HangGuard);
        while (!await condition())
        {
            await Task.Delay(50, guard.Token);
        }
    }
}

/// <summary>The golden path through grain calls (<c>ClusterStateStoreClient</c>).</summary>
public sealed class GrainStateStoreGoldenPathTests(AioClusterFixture fixture) : StateStoreGoldenPathTests(fixture), IClassFixture<AioClusterFixture>
{
    private protected override Task<IStateStoreClient> CreateClientAsync(string suffix) => Task.FromResult<IStateStoreClient>(Connections.Grain());
}

/// <summary>The golden path over MQTT (wire <c>StateStoreClient</c> through the silos' endpoint).</summary>
public sealed class WireStateStoreGoldenPathTests(AioClusterFixture fixture) : StateStoreGoldenPathTests(fixture), IClassFixture<AioClusterFixture>
{
    private protected override async Task<IStateStoreClient> CreateClientAsync(string suffix) => await Connections.WireAsync(suffix);
}
