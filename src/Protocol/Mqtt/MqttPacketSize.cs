using System.Text;
using MQTTnet;
using MQTTnet.Protocol;

namespace OrleansAio.Protocol.Mqtt;

/// <summary>The size in bytes of the MQTT 5 PUBLISH packet MQTTnet writes for a message, to compare with a Maximum Packet Size.</summary>
internal static class MqttPacketSize
{
    /// <summary>The whole packet: fixed header, remaining length, topic, packet identifier, properties and payload.</summary>
    /// <param name="message">The message.</param>
    /// <returns>The packet size in bytes.</returns>
    public static long OfPublish(MqttApplicationMessage message)
    {
        long properties = 0;
        if (message.PayloadFormatIndicator != MqttPayloadFormatIndicator.Unspecified)
        {
            properties += 2;
        }

        if (message.MessageExpiryInterval > 0)
        {
            properties += 5;
        }

        if (message.TopicAlias > 0)
        {
            properties += 3;
        }

        properties += StringProperty(message.ResponseTopic) + StringProperty(message.ContentType);
        if (message.CorrelationData is { Length: > 0 } correlation)
        {
            properties += 3 + correlation.Length;
        }

        if (message.SubscriptionIdentifiers is { } identifiers)
        {
            properties += identifiers.Sum(id => 1 + VariableByteIntegerSize((uint)id));
        }

        if (message.UserProperties is { } userProperties)
        {
            foreach (var property in userProperties)
            {
                properties += 5 + Encoding.UTF8.GetByteCount(property.Name) + property.ValueBuffer.Length;
            }
        }

        var remaining = 2 + Encoding.UTF8.GetByteCount(message.Topic ?? string.Empty)
            + (message.QualityOfServiceLevel == MqttQualityOfServiceLevel.AtMostOnce ? 0 : 2)
            + VariableByteIntegerSize(properties) + properties
            + message.Payload.Length;
        return 1 + VariableByteIntegerSize(remaining) + remaining;
    }

    private static long StringProperty(string? value) => value is null ? 0 : 3 + Encoding.UTF8.GetByteCount(value);

    private static int VariableByteIntegerSize(long value) => value switch
    {
        < 128 => 1,
        < 16_384 => 2,
        < 2_097_152 => 3,
        _ => 4,
    };
}
