using MQTTnet.Server;

namespace OrleansAio.Silo.Broker;

/// <summary>
/// Options of the <see cref="EmbeddedMqttBroker"/>: where it listens and how many messages it queues for each client.
/// </summary>
public sealed class EmbeddedMqttBrokerOptions
{
    /// <summary>The TCP port of the MQTT listener. Default 1883. Must be between 1 and 65535 (pick a free port for tests).</summary>
    public int Port { get; set; } = 1883;

    /// <summary>
    /// The IP address the listener binds to. Default <c>127.0.0.1</c> (loopback only). An IPv6 address binds the IPv6
    /// listener only; an IPv4 address binds the IPv4 listener only.
    /// </summary>
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// The most application messages the broker queues for one client session (connected or not) before it applies
    /// <see cref="PendingMessagesOverflowStrategy"/>. Default 10,000 (MQTTnet's own default, 250, silently drops QoS 1
    /// messages during a burst). Every drop is logged and counted.
    /// </summary>
    public int MaxPendingMessagesPerClient { get; set; } = 10_000;

    /// <summary>
    /// What the broker does when a session's queue is full. Default <see cref="MqttPendingMessagesOverflowStrategy.DropNewMessage"/>:
    /// the messages already queued (older, in order) are kept and the new one is dropped and logged.
    /// </summary>
    public MqttPendingMessagesOverflowStrategy PendingMessagesOverflowStrategy { get; set; } = MqttPendingMessagesOverflowStrategy.DropNewMessage;

    /// <summary>
    /// While not <see langword="null"/>, the only client the broker admits until <see cref="EmbeddedMqttBroker.AdmitAllClients"/>
    /// is called (the silo's own session, which must subscribe its endpoints first); every other client is refused with
    /// <c>Server unavailable</c> (0x88), which AIO clients retry. <see langword="null"/> (the default) admits every client at once.
    /// </summary>
    public string? StartupClientId { get; set; }

    /// <summary>
    /// Whether sessions outlive their connection when the client asks for it (MQTT 5 session expiry interval &gt; 0,
    /// MQTT 3.1.1 clean session = 0). Default <see langword="true"/>.
    /// </summary>
    public bool EnablePersistentSessions { get; set; } = true;

    /// <summary>Authentication, TLS listener and ACL (<c>Broker:*</c>). The default admits anonymous clients, which start-up allows on loopback only.</summary>
    public BrokerSecurityOptions Security { get; set; } = new();

    /// <summary>
    /// The secret of the silo's own session (user <c>$silo</c>, client id <see cref="StartupClientId"/>), generated in process and
    /// never written anywhere; that session is not subject to the ACL. <see langword="null"/>: no internal session.
    /// </summary>
    public byte[]? InternalPassword { get; set; }

    /// <summary>The setting named when <see cref="BindAddress"/> is refused (the silo host passes <c>Silo:BrokerBindAddress</c>).</summary>
    public string BindAddressSetting { get; set; } = nameof(BindAddress);

    /// <summary>Checks the options and throws an <see cref="EmbeddedBrokerException"/> naming the first bad value.</summary>
    /// <exception cref="EmbeddedBrokerException">An option is out of range.</exception>
    public void Validate()
    {
        if (Port is < 1 or > 65535)
        {
            throw new EmbeddedBrokerException(
                EmbeddedBrokerErrorKind.InvalidOptions, Port, $"Port must be between 1 and 65535, was {Port}.");
        }

        if (!System.Net.IPAddress.TryParse(BindAddress, out _))
        {
            throw new EmbeddedBrokerException(
                EmbeddedBrokerErrorKind.InvalidOptions, Port, $"BindAddress must be an IP address, was '{BindAddress}'.");
        }

        Security.Validate(BindAddress, BindAddressSetting, Port);

        if (MaxPendingMessagesPerClient < 1)
        {
            throw new EmbeddedBrokerException(
                EmbeddedBrokerErrorKind.InvalidOptions,
                Port,
                $"MaxPendingMessagesPerClient must be at least 1, was {MaxPendingMessagesPerClient}.");
        }

        if (!Enum.IsDefined(PendingMessagesOverflowStrategy))
        {
            throw new EmbeddedBrokerException(
                EmbeddedBrokerErrorKind.InvalidOptions,
                Port,
                $"PendingMessagesOverflowStrategy has an unknown value {(int)PendingMessagesOverflowStrategy}.");
        }
    }
}
