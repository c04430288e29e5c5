using System.Diagnostics.CodeAnalysis;

namespace OrleansAio.Protocol.Session;

/// <summary>
/// The session client's ordered queue of publishes, subscribes and unsubscribes: operations wait here from the call until their
/// acknowledgement, are handed to the sender in order, and go back to "not yet sent" when a connection drops.
/// </summary>
/// <remarks>Not thread-safe: every member is called under the session client's lock.</remarks>
internal sealed class PendingOperationQueue
{
    private readonly LinkedList<PendingOperation> operations = new();
    private LinkedListNode<PendingOperation>? nextToSend;
    private TaskCompletionSource workAvailable = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Operations queued or awaiting their acknowledgement.</summary>
    public int Count => operations.Count;

    /// <summary>The oldest operation not yet sent on the current connection, or <see langword="null"/> when every one is in flight.</summary>
    public PendingOperation? OldestQueued => nextToSend?.Value;

    /// <summary>Appends an operation and wakes the sender.</summary>
    /// <param name="operation">The operation.</param>
    public void Add(PendingOperation operation)
    {
        operation.Node = operations.AddLast(operation);
        nextToSend ??= operation.Node;
        workAvailable.TrySetResult();
    }

    /// <summary>Removes an operation that is still in the queue.</summary>
    /// <param name="operation">The operation.</param>
    /// <returns><see langword="false"/> when it was already removed (completed, failed or cancelled).</returns>
    public bool Remove(PendingOperation operation)
    {
        var node = operation.Node;
        if (node is null)
        {
            return false;
        }

        if (nextToSend == node)
        {
            nextToSend = node.Next;
        }

        operations.Remove(node);
        operation.Node = null;
        return true;
    }

    /// <summary>Empties the queue.</summary>
    /// <returns>The operations that were in it, oldest first; the caller completes them.</returns>
    public List<PendingOperation> RemoveAll()
    {
        var all = operations.ToList();
        foreach (var operation in all)
        {
            operation.Node = null;
        }

        operations.Clear();
        nextToSend = null;
        return all;
    }

    /// <summary>After a connection loss: nothing is in flight any more, and the next connection sends everything again from the oldest.</summary>
    public void ResendAll()
    {
        foreach (var operation in operations)
        {
            operation.InFlight = false;
        }

        nextToSend = operations.First;
    }

    /// <summary>Takes the next operation to send and marks it in flight.</summary>
    /// <param name="operation">The operation, when there is one.</param>
    /// <returns>Whether an operation was waiting to be sent.</returns>
    public bool TryTakeNext([NotNullWhen(true)] out PendingOperation? operation)
    {
        if (nextToSend is { } node)
        {
            nextToSend = node.Next;
            node.Value.InFlight = true;
            operation = node.Value;
            return true;
        }

        operation = null;
        return false;
    }

    /// <summary>A task that completes when an operation is added after this call.</summary>
    /// <returns>The task; wait for it outside the lock.</returns>
    public Task WhenWorkAvailable()
    {
        if (workAvailable.Task.IsCompleted)
        {
            workAvailable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        return workAvailable.Task;
    }
}
