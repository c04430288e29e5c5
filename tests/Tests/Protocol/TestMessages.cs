using System.Buffers;
using System.Text;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace OrleansAio.Tests.Protocol;

/// <summary>Builds and inspects MQTT messages in tests.</summary>
internal static class TestMessages
{
    public static MqttApplicationMessage Create(
        string topic,
        string? payload = null,
        string? contentType = "application/json",
        byte[]? correlationData = null,
        string? responseTopic = null,
        uint messageExpiry = 10,
        params (string Name, string Value)[] userProperties) => new()
        {
            Topic = topic,
            QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            Payload = payload is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(payload)),
            ContentType = contentType,
            PayloadFormatIndicator = payload is null ? MqttPayloadFormatIndicator.Unspecified : MqttPayloadFormatIndicator.CharacterData,
            CorrelationData = correlationData,
            ResponseTopic = responseTopic,
            MessageExpiryInterval = messageExpiry,
            UserProperties = userProperties.Select(p => new MqttUserProperty(p.Name, Encoding.UTF8.GetBytes(p.Value))).ToList(),
        };

    public static string? Property(this MqttApplicationMessage message, string name) =>
        message.UserProperties?.FirstOrDefault(p => p.Name == name)?.ReadValueAsString();

    public static string[] PropertyNames(this MqttApplicationMessage message) =>
        message.UserProperties?.Select(p => p.Name).ToArray() ?? [];

    public static string PayloadText(this MqttApplicationMessage message) => Encoding.UTF8.GetString(message.Payload.ToArray());
}
