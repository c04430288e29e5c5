using OrleansAio.Abstractions.Common;
using OrleansAio.Abstractions.StateStore;

namespace OrleansAio.GrainsInterfaces.StateStore;

/// <summary>
/// One state-store key: its value, version, expiry, fencing token and observers. One activation per key; the grain's key is
/// <see cref="StateStoreGrainKey.ToGrainKey(ReadOnlySpan{byte})"/> of the key bytes.
/// </summary>
/// <remarks>
/// Every applied write is persisted before the call returns and gets a version strictly higher than any earlier version of the
/// key, than the request's timestamp and than its fencing token. Failures the state store defines (fencing, clock skew) come back
/// as <see cref="StateStoreServiceError"/> in the result, never as exceptions; an exception means the write's outcome is unknown
/// (for instance storage failed). See <c>src/Grains/StateStore/README.md</c>.
/// </remarks>
public interface IStateStoreKeyGrain : IGrainWithStringKey
{
    /// <summary>Sets the value (SET with optional NX/NEX, PX and fencing token).</summary>
    /// <param name="request">The value and options.</param>
    /// <returns>Whether it was applied, and the new version (applied) or the stored one (not applied).</returns>
    Task<StateStoreSetResult> SetAsync(StateStoreSetRequest request);

    /// <summary>Reads the value and its version (GET); an expired key reads as absent.</summary>
    /// <returns>The value and version, or an empty result when the key is absent.</returns>
    Task<StateStoreGetResult> GetAsync();

    /// <summary>Deletes the key (DEL).</summary>
    /// <param name="request">The fencing token and request timestamp.</param>
    /// <returns>1 when deleted, 0 when absent.</returns>
    Task<StateStoreDeleteResult> DeleteAsync(StateStoreDeleteRequest request);

    /// <summary>Deletes the key only if its value equals <paramref name="value"/> (VDEL).</summary>
    /// <param name="value">The value the key must hold.</param>
    /// <param name="request">The fencing token and request timestamp.</param>
    /// <returns>1 when deleted, 0 when absent, -1 when the value differs.</returns>
    Task<StateStoreDeleteResult> VDeleteAsync(byte[] value, StateStoreDeleteRequest request);

    /// <summary>Starts notifying <paramref name="observer"/> of every change of the key (Orleans clients).</summary>
    /// <param name="observer">The observer (a grain observer reference, see <c>IGrainFactory.CreateObjectReference</c>).</param>
    /// <returns>A task that completes when the observation is registered.</returns>
    /// <remarks>Observer references are kept in memory; re-observe at least every <see cref="ObserverLifetimeMinutes"/> minutes.</remarks>
    Task ObserveAsync(IStateStoreKeyObserver observer);

    /// <summary>Stops notifying <paramref name="observer"/>.</summary>
    /// <param name="observer">The observer.</param>
    /// <returns>Whether an observation existed.</returns>
    Task<bool> UnobserveAsync(IStateStoreKeyObserver observer);

    /// <summary>Starts notifying the MQTT client <paramref name="clientId"/> (KEYNOTIFY); repeating it keeps one observation.</summary>
    /// <param name="clientId">The MQTT client id.</param>
    /// <returns>A task that completes when the observation is stored.</returns>
    Task ObserveClientAsync(string clientId);

    /// <summary>Stops notifying the MQTT client <paramref name="clientId"/> (KEYNOTIFY ... STOP).</summary>
    /// <param name="clientId">The MQTT client id.</param>
    /// <returns>Whether an observation existed.</returns>
    Task<bool> UnobserveClientAsync(string clientId);

    /// <summary>Deletes the key if it has expired (the expiry index's reclaim); otherwise leaves it as it is.</summary>
    /// <returns>The key's expiry (Unix milliseconds) when it still holds a value that expires; otherwise <see langword="null"/>.</returns>
    Task<long?> ReclaimIfExpiredAsync();

    /// <summary>The MQTT clients observing the key (diagnostics).</summary>
    /// <returns>Their client ids.</returns>
    Task<IReadOnlyList<string>> GetObservingClientsAsync();

    /// <summary>How long an Orleans observer registration lives without being renewed by another <see cref="ObserveAsync"/>.</summary>
    const int ObserverLifetimeMinutes = 5;
}

/// <summary>Receives the changes of an observed key.</summary>
public interface IStateStoreKeyObserver : IGrainObserver
{
    /// <summary>Called once per applied change, in change order.</summary>
    /// <param name="notification">The change.</param>
    /// <returns>A task that completes when handled.</returns>
    Task OnKeyChangedAsync(StateStoreKeyNotification notification);
}

/// <summary>A SET.</summary>
/// <param name="Value">The value (may be empty).</param>
/// <param name="Condition">The condition.</param>
/// <param name="ExpiryMilliseconds">Time to live in milliseconds (<c>PX</c>); <see langword="null"/> makes the key permanent.</param>
/// <param name="FencingToken">The fencing token (<c>__ft</c>), if any.</param>
/// <param name="RequestTimestamp">The caller's clock (<c>__ts</c>), if any: the new version is above it.</param>
[GenerateSerializer, Immutable]
public sealed record StateStoreSetRequest(
    [property: Id(0)] byte[] Value,
    [property: Id(1)] SetCondition Condition = SetCondition.Unconditional,
    [property: Id(2)] long? ExpiryMilliseconds = null,
    [property: Id(3)] HlcTimestamp? FencingToken = null,
    [property: Id(4)] HlcTimestamp? RequestTimestamp = null);

/// <summary>The outcome of a SET.</summary>
/// <param name="Applied">Whether the value was written.</param>
/// <param name="Version">The new version when applied; the stored version when not applied (null if the key is absent).</param>
/// <param name="Error">The failure, if any (then nothing was written).</param>
[GenerateSerializer, Immutable]
public sealed record StateStoreSetResult(
    [property: Id(0)] bool Applied,
    [property: Id(1)] HlcTimestamp? Version,
    [property: Id(2)] StateStoreServiceError? Error = null);

/// <summary>The outcome of a GET.</summary>
/// <param name="Value">The value, or <see langword="null"/> when the key is absent.</param>
/// <param name="Version">The version, or <see langword="null"/> when the key is absent.</param>
[GenerateSerializer, Immutable]
public sealed record StateStoreGetResult(
    [property: Id(0)] byte[]? Value,
    [property: Id(1)] HlcTimestamp? Version);

/// <summary>A DEL or VDEL.</summary>
/// <param name="FencingToken">The fencing token (<c>__ft</c>), if any.</param>
/// <param name="RequestTimestamp">The caller's clock (<c>__ts</c>), if any.</param>
[GenerateSerializer, Immutable]
public sealed record StateStoreDeleteRequest(
    [property: Id(0)] HlcTimestamp? FencingToken = null,
    [property: Id(1)] HlcTimestamp? RequestTimestamp = null);

/// <summary>The outcome of a DEL or VDEL.</summary>
/// <param name="DeletedCount">1 deleted, 0 absent, -1 value mismatch (VDEL).</param>
/// <param name="Version">The version of the deletion when deleted.</param>
/// <param name="Error">The failure, if any (then nothing was deleted).</param>
[GenerateSerializer, Immutable]
public sealed record StateStoreDeleteResult(
    [property: Id(0)] int DeletedCount,
    [property: Id(1)] HlcTimestamp? Version,
    [property: Id(2)] StateStoreServiceError? Error = null);

/// <summary>What happened to an observed key.</summary>
public enum StateStoreKeyOperation
{
    /// <summary>The key was set.</summary>
    Set = 0,

    /// <summary>The key was deleted or expired.</summary>
    Delete = 1,
}

/// <summary>One change of an observed key.</summary>
/// <param name="Key">The key bytes.</param>
/// <param name="Operation">Set or delete.</param>
/// <param name="Value">The new value (set), or <see langword="null"/> (delete).</param>
/// <param name="Version">The version of the change.</param>
[GenerateSerializer, Immutable]
public sealed record StateStoreKeyNotification(
    [property: Id(0)] byte[] Key,
    [property: Id(1)] StateStoreKeyOperation Operation,
    [property: Id(2)] byte[]? Value,
    [property: Id(3)] HlcTimestamp Version);

/// <summary>
/// One bucket of the index of state-store keys that expire (<see cref="Buckets"/> buckets, a key's bucket from its grain key),
/// so that an expired key whose activation is gone is deleted from storage even if nobody reads it again.
/// </summary>
/// <remarks>Each silo calls <see cref="ReclaimAsync"/> on every bucket periodically (<c>StateStore:ExpiredKeyReclaimInterval</c>).</remarks>
public interface IStateStoreExpiryIndexGrain : IGrainWithIntegerKey
{
    /// <summary>How many buckets the index has.</summary>
    const int Buckets = 16;

    /// <summary>Records that the key expires at <paramref name="expiresAtUnixMilliseconds"/> (persisted before it returns).</summary>
    /// <param name="grainKey">The key grain's key.</param>
    /// <param name="expiresAtUnixMilliseconds">When it expires.</param>
    /// <returns>A task that completes when recorded.</returns>
    Task TrackAsync(string grainKey, long expiresAtUnixMilliseconds);

    /// <summary>Asks every due key to expire itself (deleting it from storage); keys rewritten since stay tracked at their new expiry.</summary>
    /// <returns>How many keys were reclaimed.</returns>
    Task<int> ReclaimAsync();

    /// <summary>How many keys the bucket tracks (diagnostics).</summary>
    /// <returns>The count.</returns>
    Task<int> GetTrackedCountAsync();

    /// <summary>The bucket of a key.</summary>
    /// <param name="grainKey">The key grain's key.</param>
    /// <returns>A bucket number from 0 to <see cref="Buckets"/> - 1.</returns>
    static int BucketOf(string grainKey)
    {
        ArgumentNullException.ThrowIfNull(grainKey);
        var hash = 2166136261u;
        foreach (var c in grainKey)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % Buckets);
    }
}
