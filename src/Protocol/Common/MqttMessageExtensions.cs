using System.Text;
using MQTTnet;
using MQTTnet.Packets;

namespace OrleansAio.Protocol.Common;

/// <summary>User-property helpers over MQTTnet messages (values are written as UTF-8 bytes, MQTTnet 5.2's non-obsolete way).</summary>
internal static class MqttMessageExtensions
{
    /// <summary>Appends a user property, keeping wire order.</summary>
    public static void AddUserProperty(this MqttApplicationMessage message, string name, string value)
    {
        message.UserProperties ??= [];
        message.UserProperties.Add(new MqttUserProperty(name, Encoding.UTF8.GetBytes(value)));
    }

    /// <summary>The first value of user property <paramref name="name"/>, or <see langword="null"/>.</summary>
    public static string? GetUserProperty(this MqttApplicationMessage message, string name)
    {
        if (message.UserProperties is null)
        {
            return null;
        }

        foreach (var property in message.UserProperties)
        {
            if (string.Equals(property.Name, name, StringComparison.Ordinal))
            {
                return property.ReadValueAsString();
            }
        }

        return null;
    }

    /// <summary>All user properties as name/value pairs in wire order.</summary>
    public static IEnumerable<KeyValuePair<string, string>> EnumerateUserProperties(this MqttApplicationMessage message) =>
        message.UserProperties is null
            ? []
            : message.UserProperties.Select(p => new KeyValuePair<string, string>(p.Name, p.ReadValueAsString()));
}
