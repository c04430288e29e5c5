using MQTTnet;
using MQTTnet.Formatter;

namespace OrleansAio.Protocol.Mqtt;

/// <summary>
/// The MQTT seam every AIO component runs on: publish, subscribe, unsubscribe and acknowledge over one MQTT 5 session.
/// </summary>
/// <remarks>
/// Implementations deliver received messages through <see cref="ApplicationMessageReceivedAsync"/>. A handler that wants to
/// acknowledge later sets <see cref="MqttApplicationMessageReceivedEventArgs.AutoAcknowledge"/> to <see langword="false"/> and calls
/// <see cref="MqttApplicationMessageReceivedEventArgs.AcknowledgeAsync(CancellationToken)"/> once it has finished with the message;
/// implementations send PUBACKs in the order the PUBLISHes arrived (MQTT 5 section 4.6), whatever order the handlers finish in.
/// The silo's shared connection is registered as this interface, so tests and later capabilities can substitute it.
/// </remarks>
public interface IMqttPubSubClient : IAsyncDisposable
{
    /// <summary>Raised for every application message received on this session, in arrival order.</summary>
    event Func<MqttApplicationMessageReceivedEventArgs, Task>? ApplicationMessageReceivedAsync;

    /// <summary>The MQTT client identifier of the session, or <see langword="null"/> before the first connection.</summary>
    string? ClientId { get; }

    /// <summary>The MQTT protocol version the session speaks; AIO components require <see cref="MqttProtocolVersion.V500"/>.</summary>
    MqttProtocolVersion ProtocolVersion { get; }

    /// <summary>Publishes a message and returns the broker's acknowledgement (PUBACK for QoS 1).</summary>
    /// <param name="message">The message to publish.</param>
    /// <param name="cancellationToken">Cancels the wait for the acknowledgement.</param>
    /// <returns>The publish result with the broker's reason code.</returns>
    Task<MqttClientPublishResult> PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken = default);

    /// <summary>Subscribes to the topic filters in <paramref name="options"/> and returns the broker's SUBACK.</summary>
    /// <param name="options">The filters and their subscription options.</param>
    /// <param name="cancellationToken">Cancels the wait for the SUBACK.</param>
    /// <returns>The subscribe result with one reason code per filter.</returns>
    Task<MqttClientSubscribeResult> SubscribeAsync(MqttClientSubscribeOptions options, CancellationToken cancellationToken = default);

    /// <summary>Unsubscribes from the topic filters in <paramref name="options"/> and returns the broker's UNSUBACK.</summary>
    /// <param name="options">The filters to remove.</param>
    /// <param name="cancellationToken">Cancels the wait for the UNSUBACK.</param>
    /// <returns>The unsubscribe result with one reason code per filter.</returns>
    Task<MqttClientUnsubscribeResult> UnsubscribeAsync(MqttClientUnsubscribeOptions options, CancellationToken cancellationToken = default);
}
