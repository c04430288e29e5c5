using Microsoft.Extensions.Logging;
using MQTTnet;
using OrleansAio.Protocol.Common;

namespace OrleansAio.Protocol.Session;

// The connection lifecycle: taking a new connection into use (and noticing a lost session), reacting to a lost connection,
// reconnecting and ending the session. The connect attempts themselves are SessionConnector's.
public sealed partial class MqttSessionClient
{
    /// <summary>Takes the connection into use; returns <see langword="false"/> when the session was closed meanwhile.</summary>
    private bool OnConnected(MqttClientConnectResult result, bool isReconnect, CancellationToken sessionToken)
    {
        List<PendingOperation>? lost = null;
        List<SubscriptionRecord> restored = [];
        CancellationToken connectionToken;
        long generation;
        lock (gate)
        {
            if (sessionToken.IsCancellationRequested || state is SessionState.Closed or SessionState.NotStarted)
            {
                return false;
            }

            state = SessionState.Active;
            connected = true;
            generation = ++connectionGeneration;
            connectionCts = new CancellationTokenSource();
            connectionToken = connectionCts.Token;

            if (isReconnect && !result.IsSessionPresent)
            {
                lost = queue.RemoveAll();
                if (options.RestoreSubscriptionsOnSessionLoss)
                {
                    restored = subscriptions.InSubscriptionOrder();
                    foreach (var subscription in restored)
                    {
                        queue.Add(subscriptions.RestoreOperation(subscription));
                    }
                }
                else
                {
                    subscriptions.Clear();
                }
            }
        }

        if (lost is not null)
        {
            SessionMetrics.SessionsLost.Add(1);
            LogSessionLost(lost.Count, restored.Count);
            var error = SessionClosedError(
                "The MQTT session was lost: the broker no longer had it when the client reconnected (CONNACK Session Present = 0), " +
                "so this operation cannot be completed");
            foreach (var operation in lost)
            {
                operation.Fail(error);
            }

            var args = new MqttSessionLostEventArgs(result, lost.Count, [.. restored.Select(s => s.Filter)]);
            Raise(SessionLostAsync, args);
        }

        _ = RunSenderAsync(generation, ReceiveMaximumOf(result), result.MaximumPacketSize ?? 0, connectionToken);
        if (isReconnect)
        {
            SessionMetrics.Reconnects.Add(1);
        }

        Raise(ConnectedAsync, new MqttClientConnectedEventArgs(result));
        if (!client.IsConnected)
        {
            // The connection closed before this method took it into use, and the disconnect event found it not yet connected.
            HandleConnectionLost(new MqttClientDisconnectedEventArgs(
                true, result, MqttClientDisconnectReason.UnspecifiedError, "The connection closed right after CONNACK", null, null));
        }

        return true;
    }

    private static int ReceiveMaximumOf(MqttClientConnectResult result) =>
        result.ReceiveMaximum is { } maximum and > 0 ? maximum : ushort.MaxValue;

    private Task OnClientDisconnectedAsync(MqttClientDisconnectedEventArgs args)
    {
        if (client.IsConnected)
        {
            // A late event from an earlier, failed connection attempt: the current connection is up.
            return Task.CompletedTask;
        }

        HandleConnectionLost(args);
        return Task.CompletedTask;
    }

    private void HandleConnectionLost(MqttClientDisconnectedEventArgs args)
    {
        CancellationTokenSource? connection;
        bool reconnect;
        CancellationToken sessionToken = default;
        lock (gate)
        {
            if (!connected)
            {
                return;
            }

            connected = false;
            connection = connectionCts;
            queue.ResendAll();
            reconnect = state == SessionState.Active;
            if (reconnect)
            {
                sessionToken = sessionCts!.Token;
            }
        }

        connection?.Cancel();
        Raise(DisconnectedAsync, args);
        if (!reconnect)
        {
            return;
        }

        if (MqttReasonCodes.IsFatal(args.Reason))
        {
            LogFatalDisconnect((int)args.Reason, args.Reason, args.ReasonString);
            var error = SessionClosedError(
                $"The broker disconnected the client with fatal reason code 0x{(int)args.Reason:X2} ({args.Reason}); the session client does not reconnect",
                args.Exception);
            _ = CloseSessionAsync(error, sendDisconnect: false, CancellationToken.None);
            return;
        }

        LogConnectionLost((int)args.Reason, args.Reason, args.Exception?.Message);
        lock (gate)
        {
            reconnectTask = ReconnectAsync(args, sessionToken);
        }
    }

    private async Task ReconnectAsync(MqttClientDisconnectedEventArgs lost, CancellationToken sessionToken)
    {
        await Task.Yield();
        try
        {
            var result = await connector.ConnectLoopAsync(settings!, isReconnect: true, lost.Exception, sessionToken).ConfigureAwait(false);
            if (!OnConnected(result, isReconnect: true, sessionToken))
            {
                await DisconnectQuietlyAsync().ConfigureAwait(false);
                return;
            }

            LogReconnected(result.IsSessionPresent);
        }
        catch (OperationCanceledException) when (sessionToken.IsCancellationRequested)
        {
            // The user disconnected while the client was reconnecting.
        }
        catch (Exception ex)
        {
            LogReconnectGaveUp(ex);
            var error = ex as AioProtocolException ?? AioProtocolException.MqttError($"Reconnecting failed fatally: {ex.Message}", ex);
            await CloseSessionAsync(error, sendDisconnect: false, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task CloseSessionAsync(Exception? error, bool sendDisconnect, CancellationToken cancellationToken)
    {
        CancellationTokenSource? session;
        SatTokenWatcher? watcher;
        lock (gate)
        {
            if (state == SessionState.Closed)
            {
                return;
            }

            state = SessionState.Closed;
            session = sessionCts;
            watcher = satWatcher;
            satWatcher = null;
        }

        session?.Cancel();
        watcher?.Dispose();
        if (sendDisconnect && client.IsConnected)
        {
            try
            {
                await client.DisconnectAsync(
                    new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.NormalDisconnection, SessionExpiryInterval = 0 },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException)
            {
                LogDisconnectFailed(ex);
            }
        }

        List<PendingOperation> remaining;
        lock (gate)
        {
            remaining = queue.RemoveAll();
        }

        var failure = error ?? SessionClosedError("The session client was disconnected by the user before this operation completed");
        foreach (var operation in remaining)
        {
            operation.Fail(failure);
        }

        if (error is not null)
        {
            LogSessionEnded(error);
        }
        else
        {
            LogDisconnected();
        }

        Raise(SessionClosedAsync, new MqttSessionClosedEventArgs(error));
    }

    private async Task DisconnectQuietlyAsync()
    {
        try
        {
            await client.DisconnectAsync(
                new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.NormalDisconnection, SessionExpiryInterval = 0 },
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException)
        {
            LogDisconnectFailed(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connection lost (reason 0x{Code:X2} {Reason}: {Detail}); reconnecting")]
    private partial void LogConnectionLost(int code, MqttClientDisconnectReason reason, string? detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "The broker disconnected the client with fatal reason 0x{Code:X2} {Reason} ({ReasonString}); not reconnecting")]
    private partial void LogFatalDisconnect(int code, MqttClientDisconnectReason reason, string? reasonString);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconnected (session present: {SessionPresent})")]
    private partial void LogReconnected(bool sessionPresent);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reconnecting ended the session")]
    private partial void LogReconnectGaveUp(Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The MQTT session was lost on reconnect: {Failed} pending operations failed, {Restored} subscriptions are restored")]
    private partial void LogSessionLost(int failed, int restored);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending DISCONNECT failed")]
    private partial void LogDisconnectFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Disconnected by the user; the broker drops the session")]
    private partial void LogDisconnected();

    [LoggerMessage(Level = LogLevel.Error, Message = "The MQTT session ended")]
    private partial void LogSessionEnded(Exception exception);
}
