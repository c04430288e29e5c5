using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace OrleansAio.Cli.Common;

/// <summary>The standard <c>--help</c> output followed by an "Examples:" section for the command asked about.</summary>
/// <param name="help">The standard help action.</param>
/// <param name="rootExamples">The examples of the root command.</param>
public sealed class HelpWithExamplesAction(HelpAction help, IReadOnlyList<string> rootExamples) : SynchronousCommandLineAction
{
    /// <inheritdoc />
    public override bool ClearsParseErrors => true;

    /// <inheritdoc />
    public override int Invoke(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        var exitCode = help.Invoke(parseResult);
        IReadOnlyList<string> examples = parseResult.CommandResult.Command switch
        {
            CliCommand command => [.. command.Examples],
            RootCommand => rootExamples,
            _ => [],
        };
        if (examples.Count > 0)
        {
            var output = parseResult.InvocationConfiguration.Output;
            output.WriteLine("Examples:");
            foreach (var example in examples)
            {
                output.WriteLine($"  {example}");
            }

            output.WriteLine();
        }

        return exitCode;
    }
}
