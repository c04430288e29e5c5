using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Protocol;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Connection;

namespace OrleansAio.Silo.Failover;

/// <summary>What one takeover of a dead silo's MQTT session did.</summary>
/// <param name="ClientId">The dead session's client id.</param>
/// <param name="SessionPresent">Whether the broker still held the session (<see langword="false"/>: nothing was queued; it had ended).</param>
/// <param name="Forwarded">Messages of the session's shared subscriptions republished to the live members of their groups.</param>
/// <param name="Discarded">Messages of the session's other subscriptions (responses and notifications for the dead silo), acknowledged and dropped.</param>
/// <param name="Completed">Whether the session was ended; <see langword="false"/> when the connection was lost or taken over first.</param>
public sealed record SessionTakeoverResult(string ClientId, bool SessionPresent, int Forwarded, int Discarded, bool Completed);

/// <summary>
/// Takes over the persistent MQTT session of a silo that died: connects with the dead session's client id and Clean Start
/// false, unsubscribes its shared-subscription filters (so the broker stops giving that member a share), republishes every
/// message the broker had queued for it so that a live member of the group serves it, and, once nothing has arrived for a quiet
/// period, ends the session (DISCONNECT with Session Expiry 0).
/// </summary>
/// <remarks>
/// Each queued message is acknowledged only after its republication was acknowledged, so a takeover that dies half-way leaves the
/// rest in the session for the next one. A republished message keeps its topic, payload, content type, payload format indicator,
/// response topic, correlation data, user properties and remaining message expiry, at QoS 1.
/// </remarks>
/// <param name="loggerFactory">Logger factory.</param>
/// <param name="timeProvider">The clock of the quiet period.</param>
public sealed partial class SessionTakeover(ILoggerFactory loggerFactory, TimeProvider timeProvider)
{
    private readonly ILogger logger = loggerFactory.CreateLogger<SessionTakeover>();

    /// <summary>Takes over the session <paramref name="clientId"/> on the broker of <paramref name="settings"/>.</summary>
    /// <param name="settings">How this silo connects to the broker (host, TLS, credentials); the client id is replaced.</param>
    /// <param name="clientId">The dead session's client id.</param>
    /// <param name="sharedFilters">The shared-subscription filters the dead session held (the same endpoints as this silo's).</param>
    /// <param name="quietPeriod">How long no message may arrive before the session is ended.</param>
    /// <param name="cancellationToken">Cancels the takeover (the session is then left to the next one).</param>
    /// <returns>What was done.</returns>
    public async Task<SessionTakeoverResult> TakeOverAsync(
        MqttConnectionSettings settings, string clientId, IReadOnlyList<string> sharedFilters, TimeSpan quietPeriod, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentException.ThrowIfNullOrEmpty(clientId);
        ArgumentNullException.ThrowIfNull(sharedFilters);
        var topicFilters = sharedFilters.Select(SharedSubscriptionLedger.TopicFilterOf).Distinct(StringComparer.Ordinal).ToArray();
        var queued = Channel.CreateUnbounded<MqttApplicationMessageReceivedEventArgs>(new UnboundedChannelOptions { SingleReader = true });
        using var lost = new CancellationTokenSource();
        var ending = 0;
        using var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += args =>
        {
            args.AutoAcknowledge = false;
            queued.Writer.TryWrite(args);
            return Task.CompletedTask;
        };
        client.DisconnectedAsync += args =>
        {
            if (args.ClientWasConnected && Volatile.Read(ref ending) == 0)
            {
                LogConnectionLost(clientId, args.Reason.ToString());
                lost.Cancel();
            }

            return Task.CompletedTask;
        };

        var options = settings.ToMqttClientOptions(cleanStart: false);
        options.ClientId = clientId;
        var connected = await client.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        if (connected.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw AioProtocolException.MqttError($"the broker refused the takeover of MQTT session {clientId}: {connected.ResultCode} {connected.ReasonString}");
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lost.Token);
        var forwarded = 0;
        var discarded = 0;
        try
        {
            if (connected.IsSessionPresent && sharedFilters.Count > 0)
            {
                var unsubscribe = new MqttClientUnsubscribeOptionsBuilder();
                foreach (var filter in sharedFilters)
                {
                    unsubscribe.WithTopicFilter(filter);
                }

                await client.UnsubscribeAsync(unsubscribe.Build(), linked.Token).ConfigureAwait(false);
            }

            // The broker sends what it queued right after CONNACK; a message still in flight when the filters were removed may
            // follow. The session is ended once nothing has arrived for the quiet period.
            while (true)
            {
                MqttApplicationMessageReceivedEventArgs args;
                using (var quietTimer = new CancellationTokenSource(quietPeriod, timeProvider))
                using (var quiet = CancellationTokenSource.CreateLinkedTokenSource(linked.Token, quietTimer.Token))
                {
                    try
                    {
                        args = await queued.Reader.ReadAsync(quiet.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (quietTimer.IsCancellationRequested && !linked.IsCancellationRequested)
                    {
                        break;
                    }
                }

                var message = args.ApplicationMessage;
                if (topicFilters.Any(f => MqttTopicFilterComparer.Compare(message.Topic, f) == MqttTopicFilterCompareResult.IsMatch))
                {
                    var result = await client.PublishAsync(Republish(message), linked.Token).ConfigureAwait(false);
                    if (!result.IsSuccess)
                    {
                        LogRepublishRefused(clientId, message.Topic, result.ReasonCode.ToString());
                    }

                    forwarded++;
                }
                else
                {
                    discarded++;
                }

                await args.AcknowledgeAsync(linked.Token).ConfigureAwait(false);
            }

            Volatile.Write(ref ending, 1);
            await EndSessionAsync(client, options, cancellationToken).ConfigureAwait(false);
            return new SessionTakeoverResult(clientId, connected.IsSessionPresent, forwarded, discarded, Completed: true);
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new SessionTakeoverResult(clientId, connected.IsSessionPresent, forwarded, discarded, Completed: false);
        }
    }

    // MQTTnet leaves a Session Expiry Interval of 0 out of DISCONNECT, and an absent one keeps the CONNECT's value (MQTT 5
    // section 3.14.2.2.2), so the session is ended the other way: a Clean Start connection with expiry 0 discards it, and its own
    // session ends with the connection.
    private static async Task EndSessionAsync(IMqttClient client, MqttClientOptions options, CancellationToken cancellationToken)
    {
        await client.DisconnectAsync(new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.NormalDisconnection }, cancellationToken)
            .ConfigureAwait(false);
        options.CleanSession = true;
        options.SessionExpiryInterval = 0;
        await client.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        await client.DisconnectAsync(new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.NormalDisconnection }, cancellationToken)
            .ConfigureAwait(false);
    }

    private static MqttApplicationMessage Republish(MqttApplicationMessage message)
    {
        var copy = new MqttApplicationMessage
        {
            Topic = message.Topic,
            Payload = message.Payload,
            QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            ContentType = message.ContentType,
            PayloadFormatIndicator = message.PayloadFormatIndicator,
            ResponseTopic = message.ResponseTopic,
            CorrelationData = message.CorrelationData,
            MessageExpiryInterval = message.MessageExpiryInterval,
            UserProperties = message.UserProperties is { } properties ? [.. properties] : null,
        };
        return copy;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The takeover connection of MQTT session {ClientId} was lost ({Reason}); what is left stays in the session")]
    private partial void LogConnectionLost(string clientId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The broker refused a message of MQTT session {ClientId} republished on {Topic}: {ReasonCode}")]
    private partial void LogRepublishRefused(string clientId, string topic, string reasonCode);
}
