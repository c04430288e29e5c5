using MQTTnet.Protocol;
using OrleansAio.Abstractions.Common;

namespace OrleansAio.Protocol.Rpc;

/// <summary>The dedup key of a request (§1.12): its Response Topic and its Correlation Data bytes.</summary>
/// <param name="ResponseTopic">The request's Response Topic.</param>
/// <param name="CorrelationData">The Correlation Data as upper-case hex.</param>
public readonly record struct CommandCacheKey(string ResponseTopic, string CorrelationData)
{
    /// <summary>Builds a key from raw correlation bytes.</summary>
    /// <param name="responseTopic">The Response Topic.</param>
    /// <param name="correlationData">The Correlation Data.</param>
    /// <returns>The key.</returns>
    public static CommandCacheKey Create(string responseTopic, ReadOnlySpan<byte> correlationData) =>
        new(responseTopic, Convert.ToHexString(correlationData));
}

/// <summary>A complete response kept for answering duplicates: everything but correlation data, expiry and the clock's <c>__ts</c>.</summary>
/// <param name="Status">The status code (also the <c>__stat</c> user property).</param>
/// <param name="Payload">The payload bytes.</param>
/// <param name="ContentType">The Content Type, or <see langword="null"/>.</param>
/// <param name="PayloadFormatIndicator">The Payload Format Indicator.</param>
/// <param name="UserProperties">The user properties in wire order, without <c>__protVer</c> and <c>__ts</c> (added when published).</param>
/// <param name="Version">The response's own <c>__ts</c> (a state-store key version), or <see langword="null"/>: stamped by the executor when published.</param>
public sealed record CachedCommandResponse(
    CommandStatusCode Status,
    ReadOnlyMemory<byte> Payload,
    string? ContentType,
    MqttPayloadFormatIndicator PayloadFormatIndicator,
    IReadOnlyList<KeyValuePair<string, string>> UserProperties,
    HlcTimestamp? Version = null);

/// <summary>The outcome of <see cref="ICommandResponseCache.TryAddAsync"/>.</summary>
/// <param name="IsNew">Whether the caller registered the entry and must execute the request and complete it.</param>
/// <param name="Response">Completes with the response of the first execution (<see langword="null"/> when none was produced).</param>
public sealed record CommandCacheLookup(bool IsNew, Task<CachedCommandResponse?> Response);

/// <summary>
/// The executor's dedup and idempotent response cache (§1.12). The default, <see cref="InMemoryCommandResponseCache"/>, belongs to
/// one executor instance; an implementation may share entries more widely (for instance through a grain for cluster-wide dedup).
/// </summary>
/// <remarks>
/// An entry lives until the request's expiry time and is never evicted earlier; a duplicate of an in-flight request waits for the
/// first execution's response. Time comes from the <see cref="TimeProvider"/> the implementation was built with.
/// </remarks>
public interface ICommandResponseCache
{
    /// <summary>Registers a pending entry for <paramref name="key"/>, or returns the existing one.</summary>
    /// <param name="key">The dedup key.</param>
    /// <param name="expiresAt">The request's expiry time: the entry lives at least until then.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>Whether the entry is new, and the task of its response.</returns>
    ValueTask<CommandCacheLookup> TryAddAsync(CommandCacheKey key, DateTimeOffset expiresAt, CancellationToken cancellationToken = default);

    /// <summary>Completes the entry for <paramref name="key"/> with the response sent (or <see langword="null"/> when none was sent).</summary>
    /// <param name="key">The dedup key.</param>
    /// <param name="response">The response.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    /// <returns>A task that completes when the entry is updated.</returns>
    ValueTask CompleteAsync(CommandCacheKey key, CachedCommandResponse? response, CancellationToken cancellationToken = default);
}
