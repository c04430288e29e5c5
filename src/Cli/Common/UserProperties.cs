using MQTTnet;
using MQTTnet.Packets;

namespace OrleansAio.Cli.Common;

/// <summary>Reads MQTT user properties of a received message.</summary>
public static class UserProperties
{
    /// <summary>The first value of user property <paramref name="name"/>, or <see langword="null"/>.</summary>
    /// <param name="message">The message.</param>
    /// <param name="name">The property name.</param>
    /// <returns>The value.</returns>
    public static string? Get(MqttApplicationMessage message, string name) =>
        message.UserProperties?.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.Ordinal))?.ReadValueAsString();

    /// <summary>All user properties in wire order.</summary>
    /// <param name="message">The message.</param>
    /// <returns>Name/value pairs.</returns>
    public static IReadOnlyList<(string Name, string Value)> All(MqttApplicationMessage message) =>
        message.UserProperties?.Select(p => (p.Name, p.ReadValueAsString())).ToList() ?? [];
}
