using MQTTnet;
using MQTTnet.Protocol;
using OrleansAio.Abstractions.Common;
using OrleansAio.Protocol.Mqtt;

namespace OrleansAio.Protocol.Common;

/// <summary>
/// The QoS 1 SUBSCRIBE and the UNSUBSCRIBE every envoy issues, with the broker's refusals and transport failures turned into
/// <see cref="AioErrorKind.MqttError"/> errors that name the filter and the reason code.
/// </summary>
internal static class EnvoySubscriptions
{
    /// <summary>Subscribes to <paramref name="filter"/> at QoS 1; a SUBACK reason code above GrantedQoS2 is an error.</summary>
    /// <param name="client">The MQTT session.</param>
    /// <param name="filter">The topic filter, <c>$share/...</c> prefix included.</param>
    /// <param name="subject">Who subscribes, for the error message (e.g. <c>command 'test'</c>).</param>
    /// <param name="cancellationToken">Cancels the wait for the SUBACK.</param>
    /// <returns>A task that completes when the broker granted the subscription.</returns>
    public static async Task SubscribeAsync(IMqttPubSubClient client, string filter, string subject, CancellationToken cancellationToken)
    {
        var options = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        MqttClientSubscribeResult result;
        try
        {
            result = await client.SubscribeAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not AioProtocolException and not OperationCanceledException)
        {
            throw AioProtocolException.MqttError($"Subscribing {subject} to '{filter}' failed: {ex.Message}", ex);
        }

        foreach (var item in result.Items)
        {
            if (item.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2)
            {
                throw AioProtocolException.MqttError($"The broker refused the subscription of {subject} to '{filter}': SUBACK reason code {item.ResultCode}");
            }
        }
    }

    /// <summary>Unsubscribes from <paramref name="filter"/>; an UNSUBACK reason code other than Success is an error.</summary>
    /// <param name="client">The MQTT session.</param>
    /// <param name="filter">The topic filter as subscribed.</param>
    /// <param name="subject">Who unsubscribes, for the error message.</param>
    /// <param name="cancellationToken">Cancels the wait for the UNSUBACK.</param>
    /// <returns>A task that completes when the broker removed the subscription.</returns>
    public static async Task UnsubscribeAsync(IMqttPubSubClient client, string filter, string subject, CancellationToken cancellationToken)
    {
        MqttClientUnsubscribeResult result;
        try
        {
            result = await client.UnsubscribeAsync(new MqttClientUnsubscribeOptionsBuilder().WithTopicFilter(filter).Build(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not AioProtocolException and not OperationCanceledException)
        {
            throw AioProtocolException.MqttError($"Unsubscribing {subject} from '{filter}' failed: {ex.Message}", ex);
        }

        foreach (var item in result.Items)
        {
            if (item.ResultCode != MqttClientUnsubscribeResultCode.Success)
            {
                throw AioProtocolException.MqttError($"The broker refused to unsubscribe {subject} from '{filter}': UNSUBACK reason code {item.ResultCode}");
            }
        }
    }
}
