namespace OrleansAio.Protocol.Rpc;

/// <summary>
/// The default <see cref="ICommandResponseCache"/>: an in-memory map owned by one executor instance, expiring entries at their
/// request's expiry time as read from a <see cref="TimeProvider"/> (so a frozen test clock keeps every entry).
/// </summary>
/// <remarks>
/// Expiry costs O(1) amortized per request: each entry is filed in the bucket of the whole second its request expires in, and a
/// request purges only the buckets whose second has passed (a min-heap orders the buckets, not the entries, so its work is per
/// distinct expiry second, not per entry). An entry whose request expires while it is still executing is removed when it
/// completes. A lookup never returns an expired entry: the same key after its request's expiry is a new request.
/// </remarks>
public sealed class InMemoryCommandResponseCache : ICommandResponseCache
{
    private readonly TimeProvider timeProvider;
    private readonly Lock gate = new();
    private readonly Dictionary<CommandCacheKey, Entry> entries = [];
    private readonly Dictionary<long, List<CommandCacheKey>> buckets = [];
    private readonly PriorityQueue<long, long> bucketOrder = new();

    /// <summary>Creates a cache.</summary>
    /// <param name="timeProvider">The clock for expiry.</param>
    public InMemoryCommandResponseCache(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        this.timeProvider = timeProvider;
    }

    /// <summary>The number of entries held (pending and complete, expired ones not yet purged included).</summary>
    public int Count
    {
        get
        {
            lock (gate)
            {
                return entries.Count;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<CommandCacheLookup> TryAddAsync(CommandCacheKey key, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        lock (gate)
        {
            Purge(now);
            if (entries.TryGetValue(key, out var existing) && !(existing.ExpiresAt <= now && existing.Response.Task.IsCompleted))
            {
                return ValueTask.FromResult(new CommandCacheLookup(false, existing.Response.Task));
            }

            var entry = new Entry(expiresAt);
            entries[key] = entry;
            File(key, expiresAt);
            return ValueTask.FromResult(new CommandCacheLookup(true, entry.Response.Task));
        }
    }

    /// <inheritdoc />
    public ValueTask CompleteAsync(CommandCacheKey key, CachedCommandResponse? response, CancellationToken cancellationToken = default)
    {
        Entry? entry;
        lock (gate)
        {
            if (entries.TryGetValue(key, out entry) && entry.ExpiresAt <= timeProvider.GetUtcNow())
            {
                // Its bucket may already be purged (the entry was pending then): nothing else would remove it.
                entries.Remove(key);
            }
        }

        entry?.Response.TrySetResult(response);
        return ValueTask.CompletedTask;
    }

    private void File(CommandCacheKey key, DateTimeOffset expiresAt)
    {
        // The whole second at or after the expiry: once that second has passed, every entry in the bucket has expired.
        var second = (expiresAt.UtcTicks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond;
        if (!buckets.TryGetValue(second, out var bucket))
        {
            bucket = [];
            buckets[second] = bucket;
            bucketOrder.Enqueue(second, second);
        }

        bucket.Add(key);
    }

    private void Purge(DateTimeOffset now)
    {
        var nowSecond = now.UtcTicks / TimeSpan.TicksPerSecond;
        while (bucketOrder.TryPeek(out var second, out _) && second <= nowSecond)
        {
            bucketOrder.Dequeue();
            if (!buckets.Remove(second, out var bucket))
            {
                continue;
            }

            foreach (var key in bucket)
            {
                // A key added again later has a new entry (and another bucket); a pending entry is removed when it completes.
                if (entries.TryGetValue(key, out var entry) && entry.ExpiresAt <= now && entry.Response.Task.IsCompleted)
                {
                    entries.Remove(key);
                }
            }
        }
    }

    private sealed class Entry(DateTimeOffset expiresAt)
    {
        public DateTimeOffset ExpiresAt { get; } = expiresAt;

        public TaskCompletionSource<CachedCommandResponse?> Response { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
