using System.CommandLine;

namespace OrleansAio.Cli.Common;

/// <summary>A command whose help ends with an "Examples:" section.</summary>
/// <param name="name">The command name.</param>
/// <param name="description">What it does.</param>
public class CliCommand(string name, string description) : Command(name, description)
{
    /// <summary>Example command lines, shown under "Examples:" in <c>--help</c>.</summary>
    public IList<string> Examples { get; } = [];
}
