using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace OrleansAio.Cli.Common;

/// <summary>The CLI's OpenTelemetry sources: one activity per command run and a count of runs by command and exit code.</summary>
/// <remarks>Nothing is exported unless a listener is attached (an OpenTelemetry SDK in a host that runs <see cref="AioCli"/> in process).</remarks>
public static class CliDiagnostics
{
    /// <summary>The name of the activity source and the meter.</summary>
    public const string Name = "OrleansAio.Cli";

    /// <summary>The activity source: one <c>aio {command}</c> activity per run, tagged with the exit code.</summary>
    public static readonly ActivitySource ActivitySource = new(Name);

    /// <summary>The meter.</summary>
    public static readonly Meter Meter = new(Name);

    /// <summary><c>aio.cli.commands</c>: command runs, tagged <c>aio.command</c> and <c>aio.exit_code</c>.</summary>
    public static readonly Counter<long> Commands = Meter.CreateCounter<long>("aio.cli.commands", "{run}", "Command runs by command and exit code.");
}
