using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace OrleansAio.Grains.SchemaRegistry;

/// <summary>The schema registry's traces and metrics, under the <c>OrleansAio.Grains</c> source and meter.</summary>
internal static class SchemaRegistryDiagnostics
{
    public static readonly ActivitySource ActivitySource = new("OrleansAio.Grains");

    private static readonly Meter Meter = new("OrleansAio.Grains");

    /// <summary>Schema registry operations by <c>operation</c> (put/get) and <c>outcome</c> (ok or the error kind).</summary>
    public static readonly Counter<long> Operations = Meter.CreateCounter<long>("orleans_aio.schema_registry.operations", description: "Schema registry puts and gets by outcome");
}
