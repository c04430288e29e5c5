using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace OrleansAio.Protocol.Diagnostics;

/// <summary>
/// The OpenTelemetry sources of the protocol layer: one <see cref="ActivitySource"/> and one <see cref="Meter"/>, both named
/// <see cref="Name"/>, which the service defaults subscribe to.
/// </summary>
public static class ProtocolDiagnostics
{
    /// <summary>The name of the activity source and of the meter.</summary>
    public const string Name = "OrleansAio.Protocol";

    /// <summary>The activity source for spans that cross MQTT hops (publish, receive, invoke, execute).</summary>
    public static readonly ActivitySource ActivitySource = new(Name);

    /// <summary>The meter for protocol-layer counters and histograms.</summary>
    public static readonly Meter Meter = new(Name);

    /// <summary>Messages received from the broker, by connection.</summary>
    internal static readonly Counter<long> MessagesReceived = Meter.CreateCounter<long>(
        "aio.mqtt.messages.received", unit: "{message}", description: "Application messages received from the broker.");

    /// <summary>PUBACKs sent to the broker, in arrival order.</summary>
    internal static readonly Counter<long> AcknowledgementsSent = Meter.CreateCounter<long>(
        "aio.mqtt.acks.sent", unit: "{ack}", description: "PUBACKs sent to the broker.");

    /// <summary>PUBACKs that were owed on a connection that closed before they could be sent.</summary>
    internal static readonly Counter<long> AcknowledgementsDropped = Meter.CreateCounter<long>(
        "aio.mqtt.acks.dropped", unit: "{ack}", description: "PUBACKs dropped because their connection closed; the broker redelivers.");
}
