namespace OrleansAio.GrainsInterfaces.Telemetry;

/// <summary>
/// One telemetry topic key (a device, an entity) of a registered telemetry topic: sends telemetry through the silo's shared MQTT
/// session, keeps the last received value and fans received messages out to observers.
/// </summary>
/// <typeparam name="T">The payload type registered for the topic.</typeparam>
/// <remarks>Keyed by <see cref="TelemetryTopicKey.Format"/>(telemetry name, key token value).</remarks>
public interface ITelemetryTopicGrain<T> : IGrainWithStringKey
{
    /// <summary>Publishes a telemetry message on this key's topic through the protocol's telemetry sender.</summary>
    /// <param name="message">The value.</param>
    /// <param name="userData">User properties to send; optional.</param>
    /// <param name="cloudEvent">A CloudEvent to attach; optional.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>A task that completes when the broker acknowledged the message.</returns>
    /// <exception cref="Rpc.AioEnvoyException">The send failed (or the topic is not registered); its kind says how.</exception>
    Task SendAsync(T message, IReadOnlyDictionary<string, string>? userData = null, TelemetryCloudEvent? cloudEvent = null, CancellationToken cancellationToken = default);

    /// <summary>Takes a received message: stores it as the last value, then notifies the observers.</summary>
    /// <param name="message">The message.</param>
    /// <returns>A task that completes when the message is stored.</returns>
    Task DeliverAsync(TelemetryMessage<T> message);

    /// <summary>The last received message, or <see langword="null"/> when none was received yet.</summary>
    /// <returns>The message.</returns>
    Task<TelemetryMessage<T>?> GetLastAsync();

    /// <summary>Subscribes (or renews) an observer; subscriptions lapse after the expiry documented on the grain.</summary>
    /// <param name="observer">The observer reference.</param>
    /// <returns>A task that completes when subscribed.</returns>
    Task SubscribeAsync(ITelemetryObserver<T> observer);

    /// <summary>Unsubscribes an observer.</summary>
    /// <param name="observer">The observer reference.</param>
    /// <returns>A task that completes when unsubscribed.</returns>
    Task UnsubscribeAsync(ITelemetryObserver<T> observer);
}
