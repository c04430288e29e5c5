using Microsoft.Extensions.Options;
using OrleansAio.Grains.StateStore;
using OrleansAio.GrainsInterfaces.StateStore;

namespace OrleansAio.Silo.StateStore;

/// <summary>
/// Every <see cref="StateStoreOptions.ExpiredKeyReclaimInterval"/>, asks each bucket of the expiry index to delete the keys that
/// expired without being read again, so storage does not grow without bound with write-once keys that expire. Every silo runs
/// one; the buckets are grains, so the work is done once per bucket whichever silo asks, and goes on when a silo stops.
/// </summary>
/// <param name="grainFactory">Reaches the buckets.</param>
/// <param name="options">The interval.</param>
/// <param name="timeProvider">The clock of the interval.</param>
/// <param name="logger">Logs failures.</param>
internal sealed partial class StateStoreReclaimer(
    IGrainFactory grainFactory, IOptions<StateStoreOptions> options, TimeProvider timeProvider, ILogger<StateStoreReclaimer> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource stopping = new();
    private Task? loop;

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(StateStoreReclaimer), ServiceLifecycleStage.Active, StartAsync, StopAsync);
    }

    /// <summary>Reclaims every bucket once.</summary>
    /// <returns>How many keys were reclaimed.</returns>
    public async Task<int> ReclaimOnceAsync()
    {
        var reclaimed = 0;
        for (var bucket = 0; bucket < IStateStoreExpiryIndexGrain.Buckets; bucket++)
        {
            try
            {
                reclaimed += await grainFactory.GetGrain<IStateStoreExpiryIndexGrain>(bucket).ReclaimAsync();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogBucketFailed(ex, bucket);
            }
        }

        return reclaimed;
    }

    private Task StartAsync(CancellationToken cancellationToken)
    {
        loop = RunAsync();
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await stopping.CancelAsync();
        if (loop is not null)
        {
            await loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        stopping.Dispose();
    }

    private async Task RunAsync()
    {
        var interval = options.Value.ExpiredKeyReclaimInterval;
        while (!stopping.IsCancellationRequested)
        {
            await Task.Delay(interval, timeProvider, stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (!stopping.IsCancellationRequested)
            {
                await ReclaimOnceAsync();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reclaiming expired state store keys in expiry bucket {Bucket} failed; tried again at the next interval")]
    private partial void LogBucketFailed(Exception exception, int bucket);
}
