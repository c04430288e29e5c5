namespace OrleansAio.Protocol.Session;

/// <summary>What the session client does when a publish, subscribe or unsubscribe arrives while its queue is full.</summary>
public enum PendingOperationOverflowStrategy
{
    /// <summary>The new call fails at once; the queued calls keep their places (the default, as in the AIO .NET SDK).</summary>
    DropNewMessage,

    /// <summary>The oldest call not yet sent on the current connection fails and the new call is queued.</summary>
    DropOldestQueuedMessage,
}
