using System.CommandLine;
using System.Diagnostics;
using OrleansAio.Abstractions.Common;
using OrleansAio.Protocol.Common;

namespace OrleansAio.Cli.Common;

/// <summary>Binds a command's body to System.CommandLine and turns every failure into its message and exit code.</summary>
public static class CliActions
{
    /// <summary>Sets the action of <paramref name="command"/>.</summary>
    /// <param name="command">The command.</param>
    /// <param name="global">The global options.</param>
    /// <param name="console">The console.</param>
    /// <param name="body">The command's work; returns an exit code.</param>
    public static void Set(Command command, GlobalOptions global, CliConsole console, Func<CliContext, Task<int>> body) =>
        command.SetAction(async (parse, cancellationToken) =>
        {
            var name = string.Join(' ', Path(command));
            using var activity = CliDiagnostics.ActivitySource.StartActivity($"aio {name}");
            var exitCode = await RunAsync(new CliContext(parse, console, global, cancellationToken), body, cancellationToken).ConfigureAwait(false);
            activity?.SetTag("aio.exit_code", exitCode);
            if (exitCode is not (ExitCodes.Success or ExitCodes.NotFound))
            {
                activity?.SetStatus(ActivityStatusCode.Error);
            }

            CliDiagnostics.Commands.Add(1, new KeyValuePair<string, object?>("aio.command", name), new KeyValuePair<string, object?>("aio.exit_code", exitCode));
            return exitCode;
        });

    private static async Task<int> RunAsync(CliContext context, Func<CliContext, Task<int>> body, CancellationToken cancellationToken)
    {
        await using (context.ConfigureAwait(false))
        {
            try
            {
                return await body(context).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsInterruption(ex, cancellationToken))
            {
                context.Output.Error("interrupted");
                return ExitCodes.Interrupted;
            }
            catch (Exception ex)
            {
                var (exitCode, message) = ErrorMapping.Classify(ex);
                context.Output.Error(message);
                return exitCode;
            }
        }
    }

    private static IEnumerable<string> Path(Command command)
    {
        var names = new Stack<string>();
        for (Symbol? current = command; current is Command c && current is not RootCommand; current = c.Parents.FirstOrDefault())
        {
            names.Push(c.Name);
        }

        return names;
    }

    private static bool IsInterruption(Exception ex, CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested
        && ex is OperationCanceledException or AioProtocolException { Kind: AioErrorKind.Cancellation };
}
