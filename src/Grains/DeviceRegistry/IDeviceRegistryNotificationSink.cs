using OrleansAio.GrainsInterfaces.DeviceRegistry;

namespace OrleansAio.Grains.DeviceRegistry;

/// <summary>
/// Sends update events to subscribed connectors. Implemented by the silo's wire endpoint (which publishes on the silo's MQTT
/// session); the device and asset grains call it after a change is persisted.
/// </summary>
public interface IDeviceRegistryNotificationSink
{
    /// <summary>Publishes a <c>deviceUpdateEvent</c> to one subscription.</summary>
    /// <param name="subscription">The connector, device and endpoint of the event topic.</param>
    /// <param name="device">The device, with only the subscription's endpoint.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>A task that completes when the broker has the event.</returns>
    Task PublishDeviceUpdateAsync(UpdateSubscription subscription, Device device, CancellationToken cancellationToken);

    /// <summary>Publishes an <c>assetUpdateEvent</c> to one subscription.</summary>
    /// <param name="subscription">The connector, device and endpoint of the event topic.</param>
    /// <param name="assetName">The asset's name.</param>
    /// <param name="asset">The asset.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>A task that completes when the broker has the event.</returns>
    Task PublishAssetUpdateAsync(UpdateSubscription subscription, string assetName, Asset asset, CancellationToken cancellationToken);
}
