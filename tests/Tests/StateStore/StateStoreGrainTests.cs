using OrleansAio.Abstractions.Common;
using OrleansAio.Abstractions.StateStore;
using OrleansAio.GrainsInterfaces.StateStore;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.StateStore;

/// <summary>The key grain directly: idle collection keeps the data, and write results carry what the wire needs.</summary>
public sealed class StateStoreGrainTests(AioClusterFixture fixture) : IClassFixture<AioClusterFixture>
{
    [Fact]
    public async Task AnIdleKeysActivationIsCollectedAndItsDataStaysInStorage()
    {
        var grain = fixture.Client.GetGrain<IStateStoreKeyGrain>(StateStoreGrainKey.ToGrainKey($"idle-{Guid.NewGuid():N}"));
        var set = await grain.SetAsync(new StateStoreSetRequest("kept"u8.ToArray()));
        Assert.True(set.Applied);
        var management = fixture.Client.GetGrain<IManagementGrain>(0);
        Assert.Equal(1, await management.GetGrainActivationCount((GrainReference)grain, TestContext.Current.CancellationToken));

        await management.ForceActivationCollection(TimeSpan.Zero, TestContext.Current.CancellationToken);
        Assert.Equal(0, await management.GetGrainActivationCount((GrainReference)grain, TestContext.Current.CancellationToken));

        var read = await grain.GetAsync();
        Assert.Equal("kept"u8.ToArray(), read.Value);
        Assert.Equal(set.Version, read.Version);
    }

    [Fact]
    public async Task AKeyWrittenWithAnExpiryIsCollectedWhenIdleLikeAnyOther()
    {
        var ct = TestContext.Current.CancellationToken;
        var grain = fixture.Client.GetGrain<IStateStoreKeyGrain>(StateStoreGrainKey.ToGrainKey($"px-idle-{Guid.NewGuid():N}"));
        Assert.True((await grain.SetAsync(new StateStoreSetRequest("kept"u8.ToArray(), ExpiryMilliseconds: 600_000))).Applied);
        var management = fixture.Client.GetGrain<IManagementGrain>(0);
        Assert.Equal(1, await management.GetGrainActivationCount((GrainReference)grain, ct));

        await management.ForceActivationCollection(TimeSpan.Zero, ct);

        Assert.Equal(0, await management.GetGrainActivationCount((GrainReference)grain, ct));
        Assert.Equal("kept"u8.ToArray(), (await grain.GetAsync()).Value);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AnObservedKeyWithAnExpiryIsNotCollectedBeforeItExpires(bool observedFirst)
    {
        // Its expiry timer sends the DELETE notification on time; a collected activation would leave it to the expiry index's
        // next reclaim (up to a minute late). Longer than the idle collection age, and observed before or after the SET.
        var ct = TestContext.Current.CancellationToken;
        var grain = fixture.Client.GetGrain<IStateStoreKeyGrain>(StateStoreGrainKey.ToGrainKey($"px-observed-{Guid.NewGuid():N}"));
        if (observedFirst)
        {
            await grain.ObserveClientAsync("observer-1");
        }

        Assert.True((await grain.SetAsync(new StateStoreSetRequest("watched"u8.ToArray(), ExpiryMilliseconds: 600_000))).Applied);
        if (!observedFirst)
        {
            await grain.ObserveClientAsync("observer-1");
        }

        var management = fixture.Client.GetGrain<IManagementGrain>(0);
        await management.ForceActivationCollection(TimeSpan.Zero, ct);

        Assert.Equal(1, await management.GetGrainActivationCount((GrainReference)grain, ct));
    }

    [Fact]
    public async Task AnExpiredKeyNobodyReadsAgainIsDeletedFromStorageByTheExpiryIndex()
    {
        var ct = TestContext.Current.CancellationToken;
        var grainKey = StateStoreGrainKey.ToGrainKey($"write-once-{Guid.NewGuid():N}");
        var grain = fixture.Client.GetGrain<IStateStoreKeyGrain>(grainKey);
        // 2 s, connected first: with 300 ms a slow connect or SET on a loaded machine let the expiry timer delete the key before the check.
        using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(fixture.StorageConnectionString);
        Assert.True((await grain.SetAsync(new StateStoreSetRequest("short-lived"u8.ToArray(), ExpiryMilliseconds: 2_000))).Applied);
        Assert.NotEmpty(StorageKeysOf(redis, grainKey));

        // The activation goes away before the expiry fires (its timer keeps nothing alive without observers): before the
        // index, the record stayed in storage until the key was read again.
        await fixture.Cluster.DeactivateAsync(grain);
        var management = fixture.Client.GetGrain<IManagementGrain>(0);
        Assert.Equal(0, await management.GetGrainActivationCount((GrainReference)grain, ct));
        await Task.Delay(TimeSpan.FromMilliseconds(2_100), TimeProvider.System, ct);
        Assert.NotEmpty(StorageKeysOf(redis, grainKey));

        var bucket = fixture.Client.GetGrain<IStateStoreExpiryIndexGrain>(IStateStoreExpiryIndexGrain.BucketOf(grainKey));
        Assert.True(await bucket.ReclaimAsync() >= 1);

        Assert.Empty(StorageKeysOf(redis, grainKey));
        Assert.Null((await grain.GetAsync()).Value);
    }

    // The Redis storage provider keys a grain's record by its grain id, which holds the grain key (matched literally, not as a
    // glob pattern: grain keys hold ':' and other pattern characters).
    private static List<string> StorageKeysOf(StackExchange.Redis.ConnectionMultiplexer redis, string grainKey)
    {
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        return [.. server.Keys(pattern: "*").Select(k => k.ToString()).Where(k => k.Contains(grainKey, StringComparison.Ordinal))];
    }

    [Fact]
    public async Task FencingAndSkewFailuresAreResultsNotExceptionsAndWriteNothing()
    {
        var grain = fixture.Client.GetGrain<IStateStoreKeyGrain>(StateStoreGrainKey.ToGrainKey($"fenced-{Guid.NewGuid():N}"));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var token = new HlcTimestamp(now, 5, "lock");
        Assert.True((await grain.SetAsync(new StateStoreSetRequest("a"u8.ToArray(), FencingToken: token))).Applied);

        var missing = await grain.SetAsync(new StateStoreSetRequest("b"u8.ToArray()));
        Assert.Equal((false, StateStoreServiceError.MissingFencingToken), (missing.Applied, missing.Error));
        var lower = await grain.DeleteAsync(new StateStoreDeleteRequest(token with { Counter = 4 }));
        Assert.Equal((0, StateStoreServiceError.FencingTokenLowerVersion), (lower.DeletedCount, lower.Error));
        var skew = await grain.SetAsync(new StateStoreSetRequest("c"u8.ToArray(), RequestTimestamp: new HlcTimestamp(now + 600_000, 0, "client")));
        Assert.Equal(StateStoreServiceError.TimestampSkew, skew.Error);
        Assert.Equal("a"u8.ToArray(), (await grain.GetAsync()).Value);

        var equal = await grain.SetAsync(new StateStoreSetRequest("d"u8.ToArray(), FencingToken: token));
        Assert.True(equal.Applied);
        Assert.True(equal.Version > token);
    }
}
