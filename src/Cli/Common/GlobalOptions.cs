using System.CommandLine;
using OrleansAio.Cli.Connection;

namespace OrleansAio.Cli.Common;

/// <summary>The options every command takes: output format, request timeout, logging and the connection.</summary>
public sealed class GlobalOptions
{
    /// <summary><c>--json</c>.</summary>
    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Write results as JSON (one object per line; watch commands write one per event)",
        Recursive = true,
    };

    /// <summary><c>--timeout</c>.</summary>
    public Option<TimeSpan?> Timeout { get; } = new("--timeout", "-t")
    {
        Description = "How long to wait for each answer from the service (500ms, 10s, 2m; a bare number is seconds) [default: 10s]",
        Recursive = true,
        CustomParser = result => Durations.Parse(result),
        HelpName = "duration",
    };

    /// <summary><c>--verbose</c>.</summary>
    public Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Write the MQTT session's and protocol clients' log to standard error",
        Recursive = true,
    };

    /// <summary>The connection options.</summary>
    public ConnectionOptions Connection { get; } = new();

    /// <summary>Every option, for adding to the root command.</summary>
    public IEnumerable<Option> All => new Option[] { Json, Timeout, Verbose }.Concat(Connection.All);
}
