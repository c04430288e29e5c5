using Microsoft.Extensions.Logging;
using MQTTnet;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Mqtt;

namespace OrleansAio.Protocol.Session;

// The operation path: a call becomes a PendingOperation in the queue, and one sender per connection sends the queue in order
// within the broker's Receive Maximum. The queue itself is PendingOperationQueue; the subscriptions it records are in
// SubscriptionRegistry.
public sealed partial class MqttSessionClient
{
    private static AioProtocolException SessionClosedError(string message, Exception? inner = null) =>
        AioProtocolException.MqttError(message, inner);

    private Task<TResult> Enqueue<TResult>(PendingOperation<TResult> operation)
        where TResult : class
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (operation.CancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<TResult>(operation.CancellationToken);
        }

        Exception? rejected = null;
        PendingOperation? purged = null;
        var overflow = false;
        lock (gate)
        {
            if (state == SessionState.Closed)
            {
                rejected = SessionClosedError($"{operation.Description} failed: the MQTT session is closed; call ConnectAsync to start a new one");
            }
            else if (queue.Count >= options.MaxPendingMessages)
            {
                overflow = true;
                if (options.PendingMessagesOverflowStrategy == PendingOperationOverflowStrategy.DropOldestQueuedMessage && queue.OldestQueued is { } oldest)
                {
                    purged = oldest;
                    queue.Remove(purged);
                }
                else
                {
                    rejected = OverflowError(operation);
                }
            }

            if (rejected is null)
            {
                queue.Add(operation);
            }
        }

        if (purged is not null)
        {
            SessionMetrics.OperationsDropped.Add(1);
            LogOperationDropped(purged.Description, options.MaxPendingMessages, options.PendingMessagesOverflowStrategy);
            purged.Fail(OverflowError(purged));
        }

        if (rejected is not null)
        {
            if (overflow)
            {
                SessionMetrics.OperationsDropped.Add(1);
                LogOperationDropped(operation.Description, options.MaxPendingMessages, options.PendingMessagesOverflowStrategy);
            }

            operation.Fail(rejected);
            return operation.Task;
        }

        if (operation.CancellationToken.CanBeCanceled)
        {
            operation.Registration = operation.CancellationToken.Register(
                static state =>
                {
                    var (self, op) = ((MqttSessionClient, PendingOperation))state!;
                    self.CancelOperation(op);
                },
                (this, (PendingOperation)operation));
        }

        return operation.Task;
    }

    private AioProtocolException OverflowError(PendingOperation operation)
    {
        var error = AioProtocolException.MqttError(
            $"{operation.Description} was dropped: the session client's queue is full (MaxPendingMessages = {options.MaxPendingMessages}, " +
            $"PendingMessagesOverflowStrategy = {options.PendingMessagesOverflowStrategy})");
        return new AioProtocolException(error.Kind, error.Message)
        {
            PropertyName = nameof(MqttSessionClientOptions.MaxPendingMessages),
            PropertyValue = options.MaxPendingMessages,
        };
    }

    private void CancelOperation(PendingOperation operation)
    {
        lock (gate)
        {
            if (!queue.Remove(operation))
            {
                return;
            }
        }

        operation.Cancel();
    }

    // maximumPacketSize: the CONNACK's Maximum Packet Size, 0 when the broker states none.
    private async Task RunSenderAsync(long generation, int receiveMaximum, uint maximumPacketSize, CancellationToken connectionToken)
    {
        var window = new SemaphoreSlim(receiveMaximum, receiveMaximum);
        try
        {
            while (true)
            {
                await window.WaitAsync(connectionToken).ConfigureAwait(false);
                var operation = await TakeNextAsync(generation, connectionToken).ConfigureAwait(false);
                if (maximumPacketSize > 0 && operation.Request is MqttApplicationMessage message
                    && MqttPacketSize.OfPublish(message) is var size && size > maximumPacketSize)
                {
                    // Sent, it would make the broker close the connection (MQTT 5 section 3.2.2.3.6), and again on every reconnect.
                    RefuseOversized(operation, size, maximumPacketSize);
                    window.Release();
                    continue;
                }

                _ = SendOneAsync(operation, generation, window, connectionToken);
            }
        }
        catch (OperationCanceledException) when (connectionToken.IsCancellationRequested)
        {
            // The connection closed; the next connection starts a new sender.
        }
    }

    private void RefuseOversized(PendingOperation operation, long size, uint maximumPacketSize)
    {
        bool removed;
        lock (gate)
        {
            removed = queue.Remove(operation);
        }

        if (removed)
        {
            LogOversized(operation.Description, size, maximumPacketSize);
            operation.Fail(AioProtocolException.PayloadInvalid(
                $"{operation.Description} failed and is not retried: the packet is {size} bytes, larger than the broker's Maximum Packet Size {maximumPacketSize}",
                isShallow: true));
        }
    }

    private async Task<PendingOperation> TakeNextAsync(long generation, CancellationToken connectionToken)
    {
        while (true)
        {
            Task wait;
            lock (gate)
            {
                // The connection may be lost before its token is cancelled; nothing may be taken for a connection that is gone.
                if (!connected || generation != connectionGeneration)
                {
                    throw new OperationCanceledException(connectionToken);
                }

                if (queue.TryTakeNext(out var operation))
                {
                    return operation;
                }

                wait = queue.WhenWorkAvailable();
            }

            await wait.WaitAsync(connectionToken).ConfigureAwait(false);
        }
    }

    private async Task SendOneAsync(PendingOperation operation, long generation, SemaphoreSlim window, CancellationToken connectionToken)
    {
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(connectionToken, operation.CancellationToken);
            await operation.SendAsync(ordered, linked.Token).ConfigureAwait(false);
            bool removed;
            lock (gate)
            {
                subscriptions.Record(operation);
                removed = queue.Remove(operation);
            }

            if (removed)
            {
                operation.Complete();
            }
        }
        catch (OperationCanceledException) when (operation.CancellationToken.IsCancellationRequested)
        {
            CancelOperation(operation);
        }
        catch (Exception ex) when (MqttReasonCodes.IsFatal(ex))
        {
            bool removed;
            lock (gate)
            {
                removed = queue.Remove(operation);
            }

            if (removed)
            {
                LogOperationFailed(ex, operation.Description);
                operation.Fail(AioProtocolException.MqttError($"{operation.Description} failed and is not retried: {ex.Message}", ex));
            }
        }
        catch (Exception ex)
        {
            // A connection-level failure: the operation stays in the queue and is sent again on the next connection.
            LogOperationWillBeResent(operation.Description, generation, ex.Message);
        }
        finally
        {
            window.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation} dropped: queue full (MaxPendingMessages {Limit}, {Strategy})")]
    private partial void LogOperationDropped(string operation, int limit, PendingOperationOverflowStrategy strategy);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Operation} interrupted on connection {Generation} ({Reason}); it is sent again after the reconnect")]
    private partial void LogOperationWillBeResent(string operation, long generation, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation} refused: {Size} bytes, larger than the broker's Maximum Packet Size {MaximumPacketSize}")]
    private partial void LogOversized(string operation, long size, uint maximumPacketSize);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation} failed and is not retried")]
    private partial void LogOperationFailed(Exception exception, string operation);
}
