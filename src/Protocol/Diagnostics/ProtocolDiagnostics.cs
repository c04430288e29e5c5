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

    /// <summary>Telemetry messages published by telemetry senders.</summary>
    internal static readonly Counter<long> TelemetrySent = Meter.CreateCounter<long>(
        "aio.telemetry.sent", unit: "{message}", description: "Telemetry messages published.");

    /// <summary>Telemetry messages handed to receiver callbacks.</summary>
    internal static readonly Counter<long> TelemetryReceived = Meter.CreateCounter<long>(
        "aio.telemetry.received", unit: "{message}", description: "Telemetry messages delivered to user callbacks.");

    /// <summary>Telemetry messages dropped by receivers (bad version, content type, payload or timestamp).</summary>
    internal static readonly Counter<long> TelemetryDropped = Meter.CreateCounter<long>(
        "aio.telemetry.dropped", unit: "{message}", description: "Telemetry messages acknowledged without reaching the user callback.");

    /// <summary>Command requests published by invokers.</summary>
    internal static readonly Counter<long> RequestsSent = Meter.CreateCounter<long>(
        "aio.rpc.requests.sent", unit: "{request}", description: "Command requests published by invokers.");

    /// <summary>Command requests received by executors.</summary>
    internal static readonly Counter<long> RequestsReceived = Meter.CreateCounter<long>(
        "aio.rpc.requests.received", unit: "{request}", description: "Command requests received by executors.");

    /// <summary>Command responses published by executors, tagged with the status code.</summary>
    internal static readonly Counter<long> ResponsesSent = Meter.CreateCounter<long>(
        "aio.rpc.responses.sent", unit: "{response}", description: "Command responses published by executors.");

    /// <summary>Protocol errors, tagged with the error kind and the component.</summary>
    internal static readonly Counter<long> Errors = Meter.CreateCounter<long>(
        "aio.protocol.errors", unit: "{error}", description: "Protocol errors by kind.");

    /// <summary>Invocations that ended in an error (remote error status, timeout, cancellation, refused publish), by command and error kind.</summary>
    internal static readonly Counter<long> InvocationErrors = Meter.CreateCounter<long>(
        "aio.rpc.invocation.errors", unit: "{invocation}", description: "Command invocations that failed, by command and error kind.");

    /// <summary>Invocation round-trip durations seen by invokers.</summary>
    internal static readonly Histogram<double> InvocationDuration = Meter.CreateHistogram<double>(
        "aio.rpc.invocation.duration", unit: "ms", description: "Command invocation duration, request publish to response.");

    /// <summary>Handler execution durations seen by executors.</summary>
    internal static readonly Histogram<double> ExecutionDuration = Meter.CreateHistogram<double>(
        "aio.rpc.execution.duration", unit: "ms", description: "Command handler execution duration.");
}
