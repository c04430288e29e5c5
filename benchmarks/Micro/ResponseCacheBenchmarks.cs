using BenchmarkDotNet.Attributes;
using MQTTnet.Protocol;
using OrleansAio.Protocol.Rpc;

namespace OrleansAio.Micro;

/// <summary>
/// One request through the executor's dedup cache (register, complete) while <see cref="LiveEntries"/> other requests are
/// within their expiry: the cost must not grow with the number of live entries (it scanned them all before issue 13).
/// </summary>
[MemoryDiagnoser]
public class ResponseCacheBenchmarks
{
    private static readonly CachedCommandResponse Response = new(CommandStatusCode.OK, new byte[100], "application/json", MqttPayloadFormatIndicator.CharacterData, [new("__stat", "200")]);
    private readonly TimeProvider time = TimeProvider.System;
    private InMemoryCommandResponseCache cache = null!;

    /// <summary>Requests held by the cache (not yet expired) besides the measured one.</summary>
    [Params(0, 10_000, 50_000)]
    public int LiveEntries { get; set; }

    /// <summary>Fills the cache with entries expiring in 10 minutes.</summary>
    [GlobalSetup]
    public void Setup()
    {
        cache = new InMemoryCommandResponseCache(time);
        var expiry = time.GetUtcNow().AddMinutes(10);
        for (var i = 0; i < LiveEntries; i++)
        {
            var key = CommandCacheKey.Create("clients/bench/response", Guid.NewGuid().ToByteArray());
            cache.TryAddAsync(key, expiry).AsTask().GetAwaiter().GetResult();
            cache.CompleteAsync(key, Response).AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Registers and completes one new request (10 s expiry).</summary>
    /// <returns>Whether it was new.</returns>
    [Benchmark]
    public async Task<bool> RegisterAndComplete()
    {
        var key = CommandCacheKey.Create("clients/bench/response", Guid.NewGuid().ToByteArray());
        var lookup = await cache.TryAddAsync(key, time.GetUtcNow().AddSeconds(10));
        await cache.CompleteAsync(key, Response);
        return lookup.IsNew;
    }
}
