using MQTTnet.Protocol;
using OrleansAio.Protocol.Rpc;

namespace OrleansAio.Tests.Protocol.Rpc;

public sealed class CommandResponseCacheTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private static readonly CachedCommandResponse Response = new(CommandStatusCode.OK, new byte[] { 1 }, "application/json", MqttPayloadFormatIndicator.CharacterData, [new("__stat", "200")]);

    [Fact]
    public async Task The_first_lookup_registers_and_duplicates_get_the_completed_response()
    {
        var cache = new InMemoryCommandResponseCache(new ManualTimeProvider(Start));
        var key = CommandCacheKey.Create("response/mock/test", Guid.NewGuid().ToByteArray());
        var ct = TestContext.Current.CancellationToken;

        var first = await cache.TryAddAsync(key, Start.AddSeconds(10), ct);
        var duplicate = await cache.TryAddAsync(key, Start.AddSeconds(10), ct);
        Assert.True(first.IsNew);
        Assert.False(duplicate.IsNew);
        Assert.False(duplicate.Response.IsCompleted);

        await cache.CompleteAsync(key, Response, ct);

        Assert.Same(Response, await duplicate.Response);
    }

    [Fact]
    public async Task Keys_differ_by_response_topic_and_by_correlation_bytes()
    {
        var cache = new InMemoryCommandResponseCache(new ManualTimeProvider(Start));
        var correlation = Guid.NewGuid().ToByteArray();
        var ct = TestContext.Current.CancellationToken;

        Assert.True((await cache.TryAddAsync(CommandCacheKey.Create("a", correlation), Start.AddSeconds(10), ct)).IsNew);
        Assert.True((await cache.TryAddAsync(CommandCacheKey.Create("b", correlation), Start.AddSeconds(10), ct)).IsNew);
        Assert.True((await cache.TryAddAsync(CommandCacheKey.Create("a", Guid.NewGuid().ToByteArray()), Start.AddSeconds(10), ct)).IsNew);
    }

    [Fact]
    public async Task Entries_live_until_the_request_expiry_by_the_time_provider_and_pending_ones_are_never_evicted()
    {
        var time = new ManualTimeProvider(Start);
        var cache = new InMemoryCommandResponseCache(time);
        var completed = CommandCacheKey.Create("t", Guid.NewGuid().ToByteArray());
        var pending = CommandCacheKey.Create("t", Guid.NewGuid().ToByteArray());
        var ct = TestContext.Current.CancellationToken;
        await cache.TryAddAsync(completed, Start.AddSeconds(10), ct);
        await cache.CompleteAsync(completed, Response, ct);
        await cache.TryAddAsync(pending, Start.AddSeconds(10), ct);

        time.Now = Start.AddSeconds(9);
        Assert.False((await cache.TryAddAsync(completed, Start.AddSeconds(19), ct)).IsNew);

        time.Now = Start.AddSeconds(10);
        Assert.True((await cache.TryAddAsync(completed, Start.AddSeconds(20), ct)).IsNew);
        Assert.False((await cache.TryAddAsync(pending, Start.AddSeconds(20), ct)).IsNew);
    }

    [Fact]
    public async Task Expired_entries_are_purged_by_later_requests_and_a_pending_one_when_it_completes_late()
    {
        var time = new ManualTimeProvider(Start);
        var cache = new InMemoryCommandResponseCache(time);
        var ct = TestContext.Current.CancellationToken;
        for (var i = 0; i < 1_000; i++)
        {
            var key = CommandCacheKey.Create("t", Guid.NewGuid().ToByteArray());
            await cache.TryAddAsync(key, Start.AddMilliseconds(10 + (i * 3)), ct);
            await cache.CompleteAsync(key, Response, ct);
        }

        var late = CommandCacheKey.Create("t", Guid.NewGuid().ToByteArray());
        await cache.TryAddAsync(late, Start.AddSeconds(1), ct);
        time.Now = Start.AddSeconds(4);
        await cache.TryAddAsync(CommandCacheKey.Create("t", Guid.NewGuid().ToByteArray()), Start.AddSeconds(20), ct);
        Assert.Equal(2, cache.Count);

        await cache.CompleteAsync(late, Response, ct);
        Assert.Equal(1, cache.Count);
    }
}
