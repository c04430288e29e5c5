using OrleansAio.Cli;
using OrleansAio.Cli.Common;

return await AioCli.RunAsync(args, CliConsole.FromProcess(), CancellationToken.None, handleProcessTermination: true);
