using OrleansAio.Protocol.Mqtt;

namespace OrleansAio.Protocol.Session;

/// <summary>
/// A publish, subscribe or unsubscribe waiting in the session client's ordered queue. The fields other than the completion are
/// guarded by the session client's lock.
/// </summary>
internal abstract class PendingOperation(string description, object request, CancellationToken cancellationToken)
{
    /// <summary>What the operation is, for logs and errors, for example <c>PUBLISH to 'a/b'</c>.</summary>
    public string Description { get; } = description;

    /// <summary>The MQTTnet request: the message, or the subscribe or unsubscribe options.</summary>
    public object Request { get; } = request;

    /// <summary>The caller's token; cancelling it removes the operation.</summary>
    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>The operation's place in the queue while it is pending; <see langword="null"/> once completed.</summary>
    public LinkedListNode<PendingOperation>? Node { get; set; }

    /// <summary>Whether the operation was handed to the MQTT client on the current connection.</summary>
    public bool InFlight { get; set; }

    /// <summary>The registration of <see cref="CancellationToken"/>, disposed when the operation completes.</summary>
    public CancellationTokenRegistration Registration { get; set; }

    /// <summary>The result of the last successful send, set before <see cref="Complete"/>.</summary>
    public abstract object? Result { get; }

    /// <summary>The caller's task, typed as <see cref="Task"/>.</summary>
    public abstract Task Completion { get; }

    /// <summary>Sends the operation and waits for its acknowledgement, keeping the result.</summary>
    /// <param name="client">The connected client.</param>
    /// <param name="cancellationToken">Cancelled when the connection closes or the caller cancels.</param>
    /// <returns>A task completing with the acknowledgement.</returns>
    public abstract Task SendAsync(IMqttPubSubClient client, CancellationToken cancellationToken);

    /// <summary>Completes the caller's task with <see cref="Result"/>.</summary>
    public abstract void Complete();

    /// <summary>Fails the caller's task.</summary>
    /// <param name="error">The error.</param>
    public abstract void Fail(Exception error);

    /// <summary>Cancels the caller's task.</summary>
    public abstract void Cancel();
}

/// <summary>A pending operation whose acknowledgement is a <typeparamref name="TResult"/>.</summary>
/// <typeparam name="TResult">The MQTTnet result type (PUBACK, SUBACK or UNSUBACK).</typeparam>
internal sealed class PendingOperation<TResult>(
    string description,
    object request,
    Func<IMqttPubSubClient, CancellationToken, Task<TResult>> send,
    CancellationToken cancellationToken) : PendingOperation(description, request, cancellationToken)
    where TResult : class
{
    private readonly TaskCompletionSource<TResult> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TResult? result;

    /// <summary>The caller's task.</summary>
    public Task<TResult> Task => completion.Task;

    /// <inheritdoc />
    public override object? Result => result;

    /// <inheritdoc />
    public override Task Completion => completion.Task;

    /// <inheritdoc />
    public override async Task SendAsync(IMqttPubSubClient client, CancellationToken cancellationToken) =>
        result = await send(client, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public override void Complete()
    {
        Registration.Dispose();
        completion.TrySetResult(result!);
    }

    /// <inheritdoc />
    public override void Fail(Exception error)
    {
        Registration.Dispose();
        completion.TrySetException(error);
    }

    /// <inheritdoc />
    public override void Cancel()
    {
        Registration.Dispose();
        completion.TrySetCanceled(CancellationToken);
    }
}
