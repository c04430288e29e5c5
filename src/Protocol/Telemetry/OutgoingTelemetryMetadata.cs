using OrleansAio.Protocol.CloudEvents;
using OrleansAio.Protocol.Common;

namespace OrleansAio.Protocol.Telemetry;

/// <summary>What a sender attaches to one telemetry message besides the payload.</summary>
public sealed class OutgoingTelemetryMetadata
{
    /// <summary>User properties to send, in insertion order (names starting <c>__</c> are reserved and refused).</summary>
    public Dictionary<string, string> UserData { get; } = [];

    /// <summary>An optional CloudEvent to attach (§1.14).</summary>
    public CloudEvent? CloudEvent { get; set; }

    /// <summary>Whether to ask the broker to persist the message (<c>aio-persistence=true</c>).</summary>
    public bool PersistTelemetry { get; set; }

    /// <summary>Whether the broker retains the message.</summary>
    public bool Retain { get; set; }

    /// <summary>The timestamp stamped as <c>__ts</c>, set by the sender when it publishes.</summary>
    public HybridLogicalClock? Timestamp { get; internal set; }
}
