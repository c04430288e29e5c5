namespace OrleansAio.Cli.Common;

/// <summary>Runs a watch until Ctrl+C (or the caller's cancellation) or until <c>--count</c> events were shown.</summary>
/// <param name="count">How many events to show before ending; <see langword="null"/> for no limit.</param>
public sealed class WatchLoop(int? count)
{
    private readonly TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock gate = new();
    private int seen;

    /// <summary>Shows one event unless the count was reached; calls are serialized so lines never interleave.</summary>
    /// <param name="show">Writes the event.</param>
    public void Show(Action show)
    {
        lock (gate)
        {
            if (count is { } limit && seen >= limit)
            {
                return;
            }

            show();
            seen++;
            if (count is { } max && seen >= max)
            {
                done.TrySetResult();
            }
        }
    }

    /// <summary>Ends the watch early with a failure (for instance a lost lease), reported by <see cref="WaitAsync"/>.</summary>
    /// <param name="error">The failure.</param>
    public void Fail(Exception error) => done.TrySetException(error);

    /// <summary>Waits until the count is reached or <paramref name="cancellationToken"/> is cancelled (a normal end of a watch).</summary>
    /// <param name="cancellationToken">Ctrl+C.</param>
    /// <returns>A task that completes when the watch ends.</returns>
    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C is how a watch without --count ends.
        }
    }
}
