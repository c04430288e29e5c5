using Orleans.Runtime;
using OrleansAio.GrainsInterfaces.Rpc;

namespace OrleansAio.Grains.Rpc;

/// <summary>The persisted state of <see cref="CommandResponseCacheGrain"/>: the completed response and its expiry.</summary>
[GenerateSerializer]
public sealed class CommandResponseCacheState
{
    /// <summary>The response sent for the request (<see langword="null"/> when none was sent).</summary>
    [Id(0)]
    public CachedResponse? Response { get; set; }

    /// <summary>The request's expiry time: the entry answers duplicates until then.</summary>
    [Id(1)]
    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>
/// One cluster-wide dedup entry (protocol.md §1.12). While the first execution is in flight the entry is pending in memory, and
/// duplicates wait for it; the completed response is written to grain storage before the executor publishes it, so a redelivery
/// to any silo (even after the grain's silo is gone) is answered from here until the request expires.
/// </summary>
/// <remarks>
/// The activation stays alive until the request expires, then clears its storage and deactivates. A pending entry is not
/// persisted: if its silo dies mid-execution no response was sent, so executing the redelivered request is correct.
/// </remarks>
/// <param name="state">The persisted entry.</param>
/// <param name="timeProvider">The clock for expiry.</param>
public sealed class CommandResponseCacheGrain(
    [PersistentState("commandResponse")] IPersistentState<CommandResponseCacheState> state,
    TimeProvider timeProvider) : Grain, ICommandResponseCacheGrain
{
    private TaskCompletionSource<CachedResponse?>? pending;
    private DateTimeOffset pendingExpiresAt;
    private bool completed;
    private IGrainTimer? expiryTimer;

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.RecordExists && state.State.ExpiresAt > timeProvider.GetUtcNow())
        {
            completed = true;
            ScheduleExpiry(state.State.ExpiresAt);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<CacheEntryLookup> TryAddAsync(DateTimeOffset expiresAt)
    {
        var now = timeProvider.GetUtcNow();
        if (completed && state.State.ExpiresAt > now)
        {
            return new CacheEntryLookup(CacheEntryState.Completed, state.State.Response);
        }

        if (pending is { Task.IsCompleted: false } && pendingExpiresAt > now)
        {
            return new CacheEntryLookup(CacheEntryState.Pending, null);
        }

        if (state.RecordExists)
        {
            // An expired entry: the same key again is a new request (§1.12 keeps entries only until the request expires).
            await state.ClearStateAsync();
        }

        completed = false;
        pending = new TaskCompletionSource<CachedResponse?>(TaskCreationOptions.RunContinuationsAsynchronously);
        pendingExpiresAt = expiresAt;
        ScheduleExpiry(expiresAt);
        return new CacheEntryLookup(CacheEntryState.New, null);
    }

    /// <inheritdoc />
    public async Task CompleteAsync(CachedResponse? response)
    {
        var expiresAt = pendingExpiresAt == default ? timeProvider.GetUtcNow() : pendingExpiresAt;
        state.State.Response = response;
        state.State.ExpiresAt = expiresAt;
        completed = true;
        try
        {
            if (response is not null)
            {
                await state.WriteStateAsync();
            }
        }
        finally
        {
            pending?.TrySetResult(response);
        }
    }

    /// <inheritdoc />
    public async Task<CachedResponse?> WaitAsync(CancellationToken cancellationToken)
    {
        if (completed)
        {
            return state.State.Response;
        }

        if (pending is null)
        {
            return null;
        }

        return await pending.Task.WaitAsync(cancellationToken);
    }

    private void ScheduleExpiry(DateTimeOffset expiresAt)
    {
        var remaining = expiresAt - timeProvider.GetUtcNow();
        if (remaining < TimeSpan.Zero)
        {
            remaining = TimeSpan.Zero;
        }

        DelayDeactivation(remaining + TimeSpan.FromSeconds(1));
        expiryTimer?.Dispose();
        expiryTimer = this.RegisterGrainTimer(ExpireAsync, new GrainTimerCreationOptions(remaining, Timeout.InfiniteTimeSpan) { Interleave = false });
    }

    private async Task ExpireAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var expiresAt = completed ? state.State.ExpiresAt : pendingExpiresAt;
        if (expiresAt > now)
        {
            ScheduleExpiry(expiresAt);
            return;
        }

        if (state.RecordExists)
        {
            await state.ClearStateAsync();
        }

        pending?.TrySetResult(null);
        DeactivateOnIdle();
    }
}
