using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Packets;

namespace OrleansAio.Protocol.Session;

/// <summary>
/// The filters the session has subscribed to (granted by a SUBACK and not unsubscribed), with their original options and in
/// first-subscribed order, so that a session the broker lost can be subscribed again.
/// </summary>
/// <remarks>Not thread-safe: every member is called under the session client's lock.</remarks>
internal sealed partial class SubscriptionRegistry(ILogger logger)
{
    private readonly ILogger logger = logger;
    private readonly Dictionary<string, SubscriptionRecord> subscriptions = new(StringComparer.Ordinal);
    private long subscriptionOrder;

    /// <summary>Whether a SUBACK reason code grants the subscription.</summary>
    /// <param name="code">The reason code.</param>
    /// <returns><see langword="true"/> for Granted QoS 0, 1 or 2.</returns>
    public static bool IsGranted(MqttClientSubscribeResultCode code) => (int)code <= (int)MqttClientSubscribeResultCode.GrantedQoS2;

    /// <summary>Records what an acknowledged SUBSCRIBE or UNSUBSCRIBE changed; other operations change nothing.</summary>
    /// <param name="operation">The operation, after its acknowledgement arrived.</param>
    public void Record(PendingOperation operation)
    {
        switch (operation.Result)
        {
            case MqttClientSubscribeResult subscribed when operation.Request is MqttClientSubscribeOptions request:
                var items = subscribed.Items.ToList();
                for (var i = 0; i < request.TopicFilters.Count && i < items.Count; i++)
                {
                    var filter = request.TopicFilters[i];
                    if (IsGranted(items[i].ResultCode))
                    {
                        var order = subscriptions.TryGetValue(filter.Topic, out var existing) ? existing.Order : ++subscriptionOrder;
                        subscriptions[filter.Topic] = new SubscriptionRecord(filter, request.SubscriptionIdentifier, request.UserProperties, order);
                    }
                    else
                    {
                        subscriptions.Remove(filter.Topic);
                    }
                }

                break;
            case MqttClientUnsubscribeResult unsubscribed when operation.Request is MqttClientUnsubscribeOptions request:
                var results = unsubscribed.Items.ToList();
                for (var i = 0; i < request.TopicFilters.Count && i < results.Count; i++)
                {
                    if (results[i].ResultCode is MqttClientUnsubscribeResultCode.Success or MqttClientUnsubscribeResultCode.NoSubscriptionExisted)
                    {
                        subscriptions.Remove(request.TopicFilters[i]);
                    }
                }

                break;
        }
    }

    /// <summary>The subscriptions in first-subscribed order.</summary>
    /// <returns>A snapshot.</returns>
    public List<SubscriptionRecord> InSubscriptionOrder() => [.. subscriptions.Values.OrderBy(s => s.Order)];

    /// <summary>Forgets every subscription (a lost session that is not restored).</summary>
    public void Clear() => subscriptions.Clear();

    /// <summary>
    /// Creates the SUBSCRIBE that restores one subscription after a session loss, with the original options; a failed or refused
    /// restore is logged.
    /// </summary>
    /// <param name="subscription">The subscription to restore.</param>
    /// <returns>The operation to queue.</returns>
    public PendingOperation<MqttClientSubscribeResult> RestoreOperation(SubscriptionRecord subscription)
    {
        var request = new MqttClientSubscribeOptions
        {
            TopicFilters = [subscription.Filter],
            SubscriptionIdentifier = subscription.SubscriptionIdentifier,
            UserProperties = subscription.UserProperties,
        };
        var operation = new PendingOperation<MqttClientSubscribeResult>(
            $"SUBSCRIBE to '{subscription.Filter.Topic}' (restoring the lost session)",
            request,
            (c, ct) => c.SubscribeAsync(request, ct),
            CancellationToken.None);
        _ = operation.Task.ContinueWith(
            static (task, state) =>
            {
                var (self, topic) = ((SubscriptionRegistry, string))state!;
                if (task.IsFaulted)
                {
                    self.LogRestoreFailed(topic, task.Exception!.GetBaseException().Message);
                }
                else if (task.IsCompletedSuccessfully && task.Result.Items.FirstOrDefault() is { } item && !IsGranted(item.ResultCode))
                {
                    self.LogRestoreFailed(topic, $"SUBACK reason code {item.ResultCode}");
                }
            },
            (this, subscription.Filter.Topic),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return operation;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Restoring the subscription to '{Topic}' after the session loss failed: {Reason}")]
    private partial void LogRestoreFailed(string topic, string reason);
}

/// <summary>One granted subscription of the session.</summary>
/// <param name="Filter">The topic filter with its subscribe options.</param>
/// <param name="SubscriptionIdentifier">The Subscription Identifier of the SUBSCRIBE, 0 for none.</param>
/// <param name="UserProperties">The user properties of the SUBSCRIBE.</param>
/// <param name="Order">When the filter was first subscribed, for restoring in the same order.</param>
internal sealed record SubscriptionRecord(MqttTopicFilter Filter, uint SubscriptionIdentifier, List<MqttUserProperty>? UserProperties, long Order);
