namespace OrleansAio.GrainsInterfaces.Security;

/// <summary>The quota limits a <see cref="IStateStoreQuotaGrain"/> checks against.</summary>
/// <param name="MaxKeys">The most keys one client may hold (0: no limit).</param>
/// <param name="MaxTotalBytes">The most key and value bytes one client may hold (0: no limit).</param>
[GenerateSerializer]
[Immutable]
public sealed record StateStoreQuotaLimits([property: Id(0)] int MaxKeys, [property: Id(1)] long MaxTotalBytes);

/// <summary>
/// The state-store keys one client (keyed by its MQTT client id) has written and their sizes, for the per-client quotas: a SET
/// that would pass the key count or the total bytes is refused before it runs. A key leaves the account when this client
/// deletes it or when its expiry (PX) has passed; a key another client deletes stays counted until this client writes or
/// deletes it again (see docs/security.md).
/// </summary>
public interface IStateStoreQuotaGrain : IGrainWithStringKey
{
    /// <summary>Whether a SET of <paramref name="grainKey"/> with <paramref name="bytes"/> (key plus value) fits the quotas.</summary>
    /// <param name="grainKey">The key grain's key.</param>
    /// <param name="bytes">The key and value bytes.</param>
    /// <param name="limits">The limits.</param>
    /// <returns>Whether it fits.</returns>
    Task<bool> FitsAsync(string grainKey, long bytes, StateStoreQuotaLimits limits);

    /// <summary>Records a SET that was applied.</summary>
    /// <param name="grainKey">The key grain's key.</param>
    /// <param name="bytes">The key and value bytes.</param>
    /// <param name="expiresAt">When the key expires (PX), if it does.</param>
    /// <returns>A task that completes when stored.</returns>
    Task RecordSetAsync(string grainKey, long bytes, DateTimeOffset? expiresAt);

    /// <summary>Records that the client deleted a key.</summary>
    /// <param name="grainKey">The key grain's key.</param>
    /// <returns>A task that completes when stored.</returns>
    Task RecordDeleteAsync(string grainKey);

    /// <summary>The keys and bytes the client holds now.</summary>
    /// <returns>The count and total.</returns>
    Task<(int Keys, long Bytes)> GetUsageAsync();
}
