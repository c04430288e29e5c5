using MQTTnet.Protocol;
using OrleansAio.GrainsInterfaces.Rpc;
using OrleansAio.Protocol.Rpc;

namespace OrleansAio.Silo.Rpc;

/// <summary>
/// The cluster-wide <see cref="ICommandResponseCache"/>: each dedup entry is an <see cref="ICommandResponseCacheGrain"/> keyed by
/// the command name and the spec's key (Response Topic, Correlation Data), so every silo's executor of the command sees the same
/// entries and a redelivery to another silo is answered from the first execution.
/// </summary>
/// <remarks>
/// When the cache grain cannot be reached the request is executed (availability over dedup; logged). A waiting duplicate whose
/// first execution is lost gets no response and is acknowledged, as if it had expired.
/// </remarks>
internal sealed partial class GrainCommandResponseCache(IGrainFactory grainFactory, string commandName, TimeProvider timeProvider, ILogger logger)
    : ICommandResponseCache
{
    /// <summary>The grain key of a dedup entry: unambiguous for any command name and topic.</summary>
    /// <param name="commandName">The command name.</param>
    /// <param name="key">The spec's dedup key.</param>
    /// <returns>The grain key.</returns>
    public static string GrainKey(string commandName, CommandCacheKey key) =>
        $"{key.CorrelationData}/{commandName.Length}/{commandName}/{key.ResponseTopic}";

    /// <inheritdoc />
    public async ValueTask<CommandCacheLookup> TryAddAsync(CommandCacheKey key, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        var grain = grainFactory.GetGrain<ICommandResponseCacheGrain>(GrainKey(commandName, key));
        CacheEntryLookup lookup;
        try
        {
            lookup = await grain.TryAddAsync(expiresAt);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogCacheUnavailable(ex, commandName, key.CorrelationData);
            return NewEntry();
        }

        return lookup.State switch
        {
            CacheEntryState.Completed => new CommandCacheLookup(false, Task.FromResult(FromGrain(lookup.Response))),
            CacheEntryState.Pending => new CommandCacheLookup(false, WaitAsync(grain, key, expiresAt)),
            _ => NewEntry(),
        };
    }

    /// <inheritdoc />
    public async ValueTask CompleteAsync(CommandCacheKey key, CachedCommandResponse? response, CancellationToken cancellationToken = default)
    {
        try
        {
            await grainFactory.GetGrain<ICommandResponseCacheGrain>(GrainKey(commandName, key)).CompleteAsync(ToGrain(response));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogCacheUnavailable(ex, commandName, key.CorrelationData);
        }
    }

    // The executor that registered a new entry executes the request itself and never awaits the entry's response.
    private static CommandCacheLookup NewEntry() => new(true, Task.FromResult<CachedCommandResponse?>(null));

    private async Task<CachedCommandResponse?> WaitAsync(ICommandResponseCacheGrain grain, CommandCacheKey key, DateTimeOffset expiresAt)
    {
        var remaining = expiresAt - timeProvider.GetUtcNow();
        if (remaining <= TimeSpan.Zero)
        {
            return null;
        }

        using var expiry = new CancellationTokenSource(remaining, timeProvider);
        try
        {
            return FromGrain(await grain.WaitAsync(expiry.Token));
        }
        catch (Exception ex)
        {
            // The executor acknowledges a duplicate without a response when this yields null; it must never fault.
            LogWaitFailed(ex, commandName, key.CorrelationData);
            return null;
        }
    }

    private static CachedResponse? ToGrain(CachedCommandResponse? response) => response is null
        ? null
        : new CachedResponse(
            response.Payload.ToArray(),
            response.ContentType,
            (int)response.PayloadFormatIndicator,
            response.UserProperties.Select(p => new CachedResponseProperty(p.Key, p.Value)).ToArray(),
            (int)response.Status,
            response.Version);

    private static CachedCommandResponse? FromGrain(CachedResponse? response) => response is null
        ? null
        : new CachedCommandResponse(
            (CommandStatusCode)response.Status,
            response.Payload,
            response.ContentType,
            (MqttPayloadFormatIndicator)response.PayloadFormatIndicator,
            [.. response.UserProperties.Select(p => new KeyValuePair<string, string>(p.Name, p.Value))],
            response.Version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The cluster-wide response cache of command '{CommandName}' is unavailable for request {CorrelationData}; executing without cluster-wide dedup")]
    private partial void LogCacheUnavailable(Exception exception, string commandName, string correlationData);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Waiting for the first execution of request {CorrelationData} of command '{CommandName}' failed; the duplicate gets no response")]
    private partial void LogWaitFailed(Exception exception, string commandName, string correlationData);
}
