using System.Buffers;
using MQTTnet;
using MQTTnet.Protocol;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Serialization;

namespace OrleansAio.Protocol.StateStore;

/// <summary>Builds the MQTT message of a key-change notification (services.md 1.7).</summary>
public static class StateStoreNotificationMessage
{
    /// <summary>
    /// The notification for one observer: QoS 1 on <c>clients/statestore/v1/.../{HEX(clientId)}/command/notify/{HEX(key)}</c>,
    /// payload <c>NOTIFY SET VALUE &lt;value&gt;</c> (set) or <c>NOTIFY DELETE</c> (delete), <c>__ts</c> = the version, content
    /// type <c>application/octet-stream</c>.
    /// </summary>
    /// <param name="clientId">The observing client's MQTT client id.</param>
    /// <param name="key">The key bytes.</param>
    /// <param name="newValue">The new value, or <see langword="null"/> for a deletion.</param>
    /// <param name="version">The version of the change.</param>
    /// <returns>The message.</returns>
    public static MqttApplicationMessage Create(string clientId, ReadOnlySpan<byte> key, ReadOnlyMemory<byte>? newValue, string version)
    {
        ArgumentException.ThrowIfNullOrEmpty(clientId);
        ArgumentException.ThrowIfNullOrEmpty(version);
        var payload = newValue is { } value
            ? Resp3.EncodeArray("NOTIFY"u8.ToArray(), "SET"u8.ToArray(), "VALUE"u8.ToArray(), value)
            : Resp3.EncodeArray("NOTIFY"u8.ToArray(), "DELETE"u8.ToArray());
        var message = new MqttApplicationMessage
        {
            Topic = StateStoreTopics.NotificationTopic(clientId, key),
            QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            Payload = new ReadOnlySequence<byte>(payload),
            ContentType = RawPayloadSerializer.ContentType,
            PayloadFormatIndicator = MqttPayloadFormatIndicator.Unspecified,
            UserProperties = [],
        };
        message.AddUserProperty(AioUserProperties.Timestamp, version);
        return message;
    }
}
