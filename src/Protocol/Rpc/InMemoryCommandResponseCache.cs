namespace OrleansAio.Protocol.Rpc;

/// <summary>
/// The default <see cref="ICommandResponseCache"/>: an in-memory map owned by one executor instance, expiring entries at their
/// request's expiry time as read from a <see cref="TimeProvider"/> (so a frozen test clock keeps every entry).
/// </summary>
public sealed class InMemoryCommandResponseCache : ICommandResponseCache
{
    private readonly TimeProvider timeProvider;
    private readonly Lock gate = new();
    private readonly Dictionary<CommandCacheKey, Entry> entries = [];

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
            if (entries.TryGetValue(key, out var existing))
            {
                return ValueTask.FromResult(new CommandCacheLookup(false, existing.Response.Task));
            }

            var entry = new Entry(expiresAt);
            entries[key] = entry;
            return ValueTask.FromResult(new CommandCacheLookup(true, entry.Response.Task));
        }
    }

    /// <inheritdoc />
    public ValueTask CompleteAsync(CommandCacheKey key, CachedCommandResponse? response, CancellationToken cancellationToken = default)
    {
        Entry? entry;
        lock (gate)
        {
            entries.TryGetValue(key, out entry);
        }

        entry?.Response.TrySetResult(response);
        return ValueTask.CompletedTask;
    }

    private void Purge(DateTimeOffset now)
    {
        List<CommandCacheKey>? expired = null;
        foreach (var (key, entry) in entries)
        {
            if (entry.ExpiresAt <= now && entry.Response.Task.IsCompleted)
            {
                (expired ??= []).Add(key);
            }
        }

        if (expired is not null)
        {
            foreach (var key in expired)
            {
                entries.Remove(key);
            }
        }
    }

    private sealed class Entry(DateTimeOffset expiresAt)
    {
        public DateTimeOffset ExpiresAt { get; } = expiresAt;

        public TaskCompletionSource<CachedCommandResponse?> Response { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
