using System.Diagnostics.Metrics;
using OrleansAio.Protocol.Diagnostics;

namespace OrleansAio.Protocol.Session;

/// <summary>The session client's instruments on <see cref="ProtocolDiagnostics.Meter"/>.</summary>
internal static class SessionMetrics
{
    /// <summary>Successful reconnections after a lost connection.</summary>
    public static readonly Counter<long> Reconnects = ProtocolDiagnostics.Meter.CreateCounter<long>(
        "aio.mqtt.session.reconnects", unit: "{reconnect}", description: "Connections re-established by the MQTT session client.");

    /// <summary>Connection attempts that failed (refused, timed out or rejected by CONNACK).</summary>
    public static readonly Counter<long> ConnectFailures = ProtocolDiagnostics.Meter.CreateCounter<long>(
        "aio.mqtt.session.connect_failures", unit: "{attempt}", description: "MQTT connection attempts that failed.");

    /// <summary>Reconnects that found the session gone.</summary>
    public static readonly Counter<long> SessionsLost = ProtocolDiagnostics.Meter.CreateCounter<long>(
        "aio.mqtt.session.lost", unit: "{session}", description: "Reconnects whose CONNACK said the broker no longer had the session.");

    /// <summary>Operations that failed because the queue was full.</summary>
    public static readonly Counter<long> OperationsDropped = ProtocolDiagnostics.Meter.CreateCounter<long>(
        "aio.mqtt.session.operations.dropped", unit: "{operation}", description: "Publishes, subscribes and unsubscribes dropped because the queue was full.");

    /// <summary>AUTH re-authentications sent with a changed SAT token.</summary>
    public static readonly Counter<long> Reauthentications = ProtocolDiagnostics.Meter.CreateCounter<long>(
        "aio.mqtt.session.reauthentications", unit: "{auth}", description: "Re-authentications sent after the SAT token file changed.");

    /// <summary>The name of the per-client queue depth gauge.</summary>
    public const string QueueDepthName = "aio.mqtt.session.queue.depth";

    /// <summary>The name of the per-client connection-state gauge (1 connected, 0 not).</summary>
    public const string ConnectedName = "aio.mqtt.session.connected";
}
