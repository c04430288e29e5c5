using System.Buffers.Binary;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Persistence;
using Orleans.Providers;
using OrleansAio.Grains.Rpc;
using StackExchange.Redis;

namespace OrleansAio.Silo.Rpc;

/// <summary>
/// The durable command dedup records in the Redis (or Garnet) of the default grain storage, one hash per handler grain
/// (<c>{ServiceId}/aio-dedup/{grainId}</c>) with one field per record: a durable request costs one <c>HSET</c> of its own
/// record, in one script with the <c>HDEL</c> of the records that expired since the last write and a <c>PEXPIREAT</c> that only
/// ever moves the hash's expiry later, instead of a rewrite of every unexpired record.
/// </summary>
/// <remarks>
/// A field's value is the record's expiry (UTC ticks, 8 bytes little-endian) followed by the response as Orleans serialized it.
/// Two activations of one grain during a membership change add fields to the same hash, so neither loses the other's records
/// (the grain-storage layout needed an ETag check and a re-read for that). The connection is the default grain storage's own
/// configuration (<see cref="RedisStorageOptions.CreateMultiplexer"/>, so TLS and passwords apply), opened on first use.
/// </remarks>
public sealed class RedisCommandDedupStore : ICommandDedupStore, IAsyncDisposable
{
    // One atomic step: delete the expired fields, set the new ones, and move the hash's expiry later, never earlier (another
    // activation of the grain may know of records that live longer). ARGV: keep-until and now (Unix ms), the number of fields to
    // delete, those fields, then field/value pairs.
    private const string WriteScript = """
        local key = KEYS[1]
        local removed = tonumber(ARGV[3])
        for i = 4, 3 + removed do
          redis.call('HDEL', key, ARGV[i])
        end
        local first = 4 + removed
        if #ARGV >= first then
          for i = first, #ARGV, 2 do
            redis.call('HSET', key, ARGV[i], ARGV[i + 1])
          end
          local keepUntil = tonumber(ARGV[1])
          local ttl = redis.call('PTTL', key)
          if ttl < 0 or tonumber(ARGV[2]) + ttl < keepUntil then
            redis.call('PEXPIREAT', key, keepUntil)
          end
        end
        return 0
        """;

    private readonly RedisStorageOptions options;
    private readonly TimeProvider timeProvider;
    private readonly string prefix;
    private readonly SemaphoreSlim connecting = new(1, 1);
    private IConnectionMultiplexer? connection;
    private bool shared;

    /// <summary>Creates the store; nothing connects before the first read or write.</summary>
    /// <param name="options">The default grain storage's Redis options.</param>
    /// <param name="serviceId">The Orleans service id, the first part of each key.</param>
    /// <param name="timeProvider">The clock (the script compares the hash's remaining lifetime with it).</param>
    public RedisCommandDedupStore(RedisStorageOptions options, string serviceId, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options;
        this.timeProvider = timeProvider;
        prefix = $"{serviceId}/aio-dedup/";
    }

    /// <summary>
    /// The store for a silo whose default grain storage is Redis, or <see langword="null"/> when it is something else (the
    /// dedup records then go to the grain storage as one state per grain).
    /// </summary>
    /// <param name="services">The silo's services.</param>
    /// <returns>The store, or <see langword="null"/>.</returns>
    public static RedisCommandDedupStore? Create(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.GetKeyedService<Orleans.Storage.IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME) is null)
        {
            return null;
        }

        var redis = services.GetRequiredService<IOptionsMonitor<RedisStorageOptions>>().Get(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME);
        return redis.ConfigurationOptions is null
            ? null
            : new RedisCommandDedupStore(redis, services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId, services.GetService<TimeProvider>() ?? TimeProvider.System);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CommandDedupRecord>> ReadAsync(GrainId grainId)
    {
        var database = await DatabaseAsync().ConfigureAwait(false);
        var fields = await database.HashGetAllAsync(KeyOf(grainId)).ConfigureAwait(false);
        var records = new List<CommandDedupRecord>(fields.Length);
        foreach (var field in fields)
        {
            var value = (byte[]?)field.Value;
            if (value is not { Length: >= sizeof(long) })
            {
                continue;
            }

            records.Add(new CommandDedupRecord
            {
                Key = field.Name.ToString(),
                ExpiresAtTicks = BinaryPrimitives.ReadInt64LittleEndian(value),
                Response = value[sizeof(long)..],
            });
        }

        return records;
    }

    /// <inheritdoc />
    public async Task WriteAsync(GrainId grainId, IReadOnlyList<CommandDedupRecord> added, IReadOnlyList<string> removed, long keepUntilTicks)
    {
        ArgumentNullException.ThrowIfNull(added);
        ArgumentNullException.ThrowIfNull(removed);
        var database = await DatabaseAsync().ConfigureAwait(false);
        var values = new RedisValue[3 + removed.Count + (2 * added.Count)];
        values[0] = new DateTimeOffset(keepUntilTicks, TimeSpan.Zero).ToUnixTimeMilliseconds();
        values[1] = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        values[2] = removed.Count;
        var n = 3;
        foreach (var key in removed)
        {
            values[n++] = key;
        }

        foreach (var record in added)
        {
            var value = new byte[sizeof(long) + record.Response.Length];
            BinaryPrimitives.WriteInt64LittleEndian(value, record.ExpiresAtTicks);
            record.Response.CopyTo(value, sizeof(long));
            values[n++] = record.Key;
            values[n++] = value;
        }

        await database.ScriptEvaluateAsync(WriteScript, [KeyOf(grainId)], values).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (connection is { } open && !shared)
        {
            await open.DisposeAsync().ConfigureAwait(false);
        }

        connecting.Dispose();
    }

    private RedisKey KeyOf(GrainId grainId) => prefix + grainId.ToString();

    private async ValueTask<IDatabase> DatabaseAsync()
    {
        if (connection is { } open)
        {
            return open.GetDatabase();
        }

        await connecting.WaitAsync().ConfigureAwait(false);
        try
        {
            if (connection is null)
            {
                (connection, shared) = await options.CreateMultiplexer(options).ConfigureAwait(false);
            }

            return connection.GetDatabase();
        }
        finally
        {
            connecting.Release();
        }
    }
}
