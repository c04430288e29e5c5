namespace OrleansAio.Tests.Conformance.Infrastructure;

/// <summary>
/// A METL countdown event: <see cref="Signal"/> decrements the count; once it reaches zero every pending and later
/// <see cref="WaitAsync"/> completes at once.
/// </summary>
internal sealed class AsyncCountdownEvent
{
    private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int count;

    /// <summary>Creates an event with an initial count.</summary>
    /// <param name="name">The event's name, for messages.</param>
    /// <param name="initialCount">The initial count, greater than zero.</param>
    public AsyncCountdownEvent(string name, int initialCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(initialCount);
        Name = name;
        count = initialCount;
    }

    /// <summary>The event's name.</summary>
    public string Name { get; }

    /// <summary>Decrements the count and releases the waiters when it reaches zero; further signals are ignored.</summary>
    public void Signal()
    {
        if (Interlocked.Decrement(ref count) == 0)
        {
            released.TrySetResult();
        }
    }

    /// <summary>Waits until the count reaches zero.</summary>
    /// <param name="cancellationToken">Ends the wait early (a handler's cancellation).</param>
    /// <returns>A task completing when the event is released.</returns>
    public Task WaitAsync(CancellationToken cancellationToken) => released.Task.WaitAsync(cancellationToken);
}
