using OrleansAio.GrainsInterfaces.StateStore;

namespace OrleansAio.Grains.StateStore;

/// <summary>
/// Delivers a key change to an MQTT client that observes the key (KEYNOTIFY). Implemented by the silo's wire endpoint; the key
/// grain awaits it for each observing client, in change order, before it replies to the write that caused the change.
/// </summary>
public interface IStateStoreNotificationSink
{
    /// <summary>Delivers one notification to one client.</summary>
    /// <param name="clientId">The observing client's MQTT client id.</param>
    /// <param name="notification">The change.</param>
    /// <param name="cancellationToken">Cancels the delivery.</param>
    /// <returns>A task that completes when the notification is handed to the broker.</returns>
    Task DeliverAsync(string clientId, StateStoreKeyNotification notification, CancellationToken cancellationToken);
}
