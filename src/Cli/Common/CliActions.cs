using System.CommandLine;
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
            var context = new CliContext(parse, console, global, cancellationToken);
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
        });

    private static bool IsInterruption(Exception ex, CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested
        && ex is OperationCanceledException or AioProtocolException { Kind: AioErrorKind.Cancellation };
}
