using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace OrleansAio.Grains.DeviceRegistry;

/// <summary>
/// The OpenTelemetry sources of the device registry: spans for definition and status changes, and counters of changes, update
/// events, health reports and wire requests, all named <see cref="Name"/> (subscribed to by the service defaults).
/// </summary>
public static class DeviceRegistryDiagnostics
{
    /// <summary>The name of the activity source and of the meter.</summary>
    public const string Name = "OrleansAio.Grains";

    /// <summary>Spans of registry changes.</summary>
    public static readonly ActivitySource ActivitySource = new(Name);

    /// <summary>The registry's meter.</summary>
    public static readonly Meter Meter = new(Name);

    /// <summary>Changes persisted, by <c>resource</c> (device, asset) and <c>change</c> (definition, status, preference).</summary>
    public static readonly Counter<long> Changes = Meter.CreateCounter<long>(
        "aio.adr.changes", unit: "{change}", description: "Device registry changes persisted.");

    /// <summary>Update events, by <c>event</c> and <c>outcome</c> (sent, failed).</summary>
    public static readonly Counter<long> UpdateEvents = Meter.CreateCounter<long>(
        "aio.adr.update_events", unit: "{event}", description: "deviceUpdateEvent and assetUpdateEvent messages to connectors.");

    /// <summary>Runtime-health reports, by <c>outcome</c> (kept, ignored, dropped).</summary>
    public static readonly Counter<long> HealthReports = Meter.CreateCounter<long>(
        "aio.adr.health_reports", unit: "{report}", description: "Runtime-health reports from connectors.");

    /// <summary>Wire requests served, by <c>rpc.method</c>.</summary>
    public static readonly Counter<long> Requests = Meter.CreateCounter<long>(
        "aio.adr.requests", unit: "{request}", description: "ADR commands served.");

    /// <summary>Wire requests answered with an ADR error, by <c>rpc.method</c> and <c>code</c>.</summary>
    public static readonly Counter<long> Errors = Meter.CreateCounter<long>(
        "aio.adr.errors", unit: "{request}", description: "ADR commands answered with an error object.");
}
