using OrleansAio.GrainsInterfaces.Rpc;

namespace OrleansAio.Tests.Rpc;

/// <summary>The cluster-wide dedup entry on its own.</summary>
public sealed class CommandResponseCacheGrainTests(RpcClusterFixture fixture) : IClassFixture<RpcClusterFixture>
{
    private static readonly CachedResponse Response = new([1, 2, 3], "application/json", 1, [new("__stat", "200"), new("unit", "C")]);

    [Fact]
    public async Task ACompletedEntrySurvivesDeactivation()
    {
        var grain = fixture.Client.GetGrain<ICommandResponseCacheGrain>($"entry-{Guid.NewGuid():N}");
        var expiresAt = DateTimeOffset.UtcNow.AddMinutes(1);

        Assert.Equal(CacheEntryState.New, (await grain.TryAddAsync(expiresAt)).State);
        Assert.Equal(CacheEntryState.Pending, (await grain.TryAddAsync(expiresAt)).State);
        await grain.CompleteAsync(Response);
        await fixture.Cluster.DeactivateAsync(grain);

        var lookup = await grain.TryAddAsync(expiresAt);
        Assert.Equal(CacheEntryState.Completed, lookup.State);
        Assert.Equal(Response.Payload, lookup.Response!.Payload);
        Assert.Equal(Response.UserProperties, lookup.Response.UserProperties);
    }

    [Fact]
    public async Task AWaitingDuplicateGetsTheFirstExecutionsResponse()
    {
        var grain = fixture.Client.GetGrain<ICommandResponseCacheGrain>($"entry-{Guid.NewGuid():N}");
        await grain.TryAddAsync(DateTimeOffset.UtcNow.AddMinutes(1));

        var waiting = grain.WaitAsync(TestContext.Current.CancellationToken);
        await grain.CompleteAsync(Response);

        Assert.Equal(Response.Payload, (await waiting)!.Payload);
    }
}
