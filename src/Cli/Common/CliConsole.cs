using System.Collections;

namespace OrleansAio.Cli.Common;

/// <summary>Where a CLI run reads and writes, and what it knows about its terminal and environment; tests pass captured writers.</summary>
/// <param name="Out">Standard output: results.</param>
/// <param name="Error">Standard error: errors, progress and logs.</param>
/// <param name="In">Standard input: a payload given as <c>-</c>.</param>
/// <param name="Environment">The environment variables (<c>AIO_*</c>, <c>NO_COLOR</c>).</param>
/// <param name="IsTerminal">Whether standard output is an interactive terminal (then colours are used unless <c>NO_COLOR</c> is set).</param>
public sealed record CliConsole(TextWriter Out, TextWriter Error, TextReader In, IDictionary Environment, bool IsTerminal)
{
    /// <summary>Whether to write ANSI colours: only on a terminal, and never with <c>NO_COLOR</c> set or <c>TERM=dumb</c>.</summary>
    public bool UseColour =>
        IsTerminal
        && Environment["NO_COLOR"] is not string { Length: > 0 }
        && !string.Equals(Environment["TERM"] as string, "dumb", StringComparison.Ordinal);

    /// <summary>The process's own console and environment.</summary>
    /// <returns>The console.</returns>
    public static CliConsole FromProcess() => new(
        System.Console.Out,
        System.Console.Error,
        System.Console.In,
        System.Environment.GetEnvironmentVariables(),
        !System.Console.IsOutputRedirected);
}
