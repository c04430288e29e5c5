using Orleans.Concurrency;
using OrleansAio.Abstractions.Common;

namespace OrleansAio.GrainsInterfaces.Rpc;

/// <summary>One user property of a cached response.</summary>
/// <param name="Name">The property name.</param>
/// <param name="Value">The property value.</param>
[GenerateSerializer, Immutable]
public sealed record CachedResponseProperty([property: Id(0)] string Name, [property: Id(1)] string Value);

/// <summary>A complete response kept for answering duplicates (everything but correlation data, expiry and <c>__ts</c>).</summary>
/// <param name="Payload">The payload bytes.</param>
/// <param name="ContentType">The Content Type, or <see langword="null"/>.</param>
/// <param name="PayloadFormatIndicator">The Payload Format Indicator (0 or 1).</param>
/// <param name="UserProperties">The user properties in wire order.</param>
/// <param name="Status">The status code (also the <c>__stat</c> user property).</param>
/// <param name="Version">The response's own <c>__ts</c>, if it has one.</param>
[GenerateSerializer, Immutable]
public sealed record CachedResponse(
    [property: Id(0)] byte[] Payload,
    [property: Id(1)] string? ContentType,
    [property: Id(2)] int PayloadFormatIndicator,
    [property: Id(3)] IReadOnlyList<CachedResponseProperty> UserProperties,
    [property: Id(4)] int Status = 0,
    [property: Id(5)] HlcTimestamp? Version = null);

/// <summary>What <see cref="ICommandResponseCacheGrain.TryAddAsync"/> found.</summary>
public enum CacheEntryState
{
    /// <summary>No entry existed: the caller registered it and must execute the request and complete it.</summary>
    New,

    /// <summary>Another execution of the same request is in flight: wait for it.</summary>
    Pending,

    /// <summary>The response is known: republish it.</summary>
    Completed,
}

/// <summary>The outcome of <see cref="ICommandResponseCacheGrain.TryAddAsync"/>.</summary>
/// <param name="State">Whether the entry is new, pending or complete.</param>
/// <param name="Response">The cached response when <see cref="CacheEntryState.Completed"/> (may be <see langword="null"/>: none was sent).</param>
[GenerateSerializer, Immutable]
public sealed record CacheEntryLookup([property: Id(0)] CacheEntryState State, [property: Id(1)] CachedResponse? Response);

/// <summary>
/// The cluster-wide dedup entry of one command request (protocol.md §1.12), keyed by command name, Response Topic and Correlation
/// Data: a request redelivered to another silo finds the response of the first execution here.
/// </summary>
/// <remarks>A completed response is persisted, so it survives the deactivation of the grain and the loss of its silo.</remarks>
public interface ICommandResponseCacheGrain : IGrainWithStringKey
{
    /// <summary>Registers a pending entry, or returns the existing one.</summary>
    /// <param name="expiresAt">The request's expiry time; the entry lives at least until then.</param>
    /// <returns>The entry's state.</returns>
    Task<CacheEntryLookup> TryAddAsync(DateTimeOffset expiresAt);

    /// <summary>Completes the entry with the response sent (<see langword="null"/>: none was sent).</summary>
    /// <param name="response">The response.</param>
    /// <returns>A task that completes when the response is stored.</returns>
    Task CompleteAsync(CachedResponse? response);

    /// <summary>Waits for a pending entry's response.</summary>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns>The response, or <see langword="null"/> when none was sent or the entry was lost.</returns>
    [AlwaysInterleave]
    Task<CachedResponse?> WaitAsync(CancellationToken cancellationToken);
}
