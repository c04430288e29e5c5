using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using OrleansAio.Cli.Common;
using OrleansAio.Cli.StateStore;

namespace OrleansAio.Cli;

/// <summary>The <c>aio</c> command line: builds the command tree and runs one invocation.</summary>
public static class AioCli
{
    private static readonly string[] RootExamples =
    [
        "aio state set greeting hello",
        "aio --host broker.local --port 1883 state get greeting --json",
        "aio lease acquire door-lock --holder me --term 30s",
        "aio rpc invoke 'thermostats/{executorId}/command/setTarget' '{\"celsius\":22.5}' --token executorId=thermostat-1",
        "aio telemetry watch 'thermostats/+/temperature'",
    ];

    /// <summary>Builds the root command.</summary>
    /// <param name="console">Where the commands read and write.</param>
    /// <returns>The root command.</returns>
    public static RootCommand CreateRootCommand(CliConsole console)
    {
        ArgumentNullException.ThrowIfNull(console);
        var global = new GlobalOptions();
        var root = new RootCommand(
            "aio: a command-line client for AIO services (state store, leases, leader election, commands, telemetry, schema and device registries) over MQTT 5.")
        {
            TreatUnmatchedTokensAsErrors = true,
        };
        foreach (var option in global.All)
        {
            root.Options.Add(option);
        }

        root.Subcommands.Add(StateStoreCommands.Create(global, console));
        foreach (var command in CommandGroups(global, console))
        {
            root.Subcommands.Add(command);
        }

        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new HelpWithExamplesAction((HelpAction)help.Action!, RootExamples);
        return root;
    }

    /// <summary>Parses and runs one command line.</summary>
    /// <param name="args">The arguments (without the program name).</param>
    /// <param name="console">Where to read and write.</param>
    /// <param name="cancellationToken">Cancels the command as Ctrl+C would (watch commands then end normally).</param>
    /// <param name="handleProcessTermination">Whether Ctrl+C and SIGTERM cancel the command (the real process; off in process-hosted tests).</param>
    /// <returns>The exit code (see <see cref="ExitCodes"/>).</returns>
    public static async Task<int> RunAsync(
        IReadOnlyList<string> args, CliConsole console, CancellationToken cancellationToken = default, bool handleProcessTermination = false)
    {
        var root = CreateRootCommand(console);

        // '@file' is a payload argument here, never a System.CommandLine response file.
        var parse = root.Parse(LeaderElection.LeaderCommands.RewriteArguments(args), new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Action is ParseErrorAction)
        {
            foreach (var error in parse.Errors)
            {
                console.Error.WriteLine($"aio: error: {error.Message}");
            }

            var path = string.Join(' ', parse.CommandResult.Command == root
                ? ["aio"]
                : Ancestry(parse.CommandResult.Command, root).Prepend("aio"));
            console.Error.WriteLine($"Run '{path} --help' for usage.");
            return ExitCodes.BadInput;
        }

        var configuration = new InvocationConfiguration
        {
            Output = console.Out,
            Error = console.Error,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = handleProcessTermination ? TimeSpan.FromSeconds(3) : null,
        };
        return await parse.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }

    private static IEnumerable<Command> CommandGroups(GlobalOptions global, CliConsole console) =>
    [
        Leasing.LeaseCommands.Create(global, console),
        LeaderElection.LeaderCommands.Create(global, console),
        Rpc.RpcCommands.Create(global, console),
        Telemetry.TelemetryCommands.Create(global, console),
        SchemaRegistry.SchemaCommands.Create(global, console),
        EdgeRegistry.RegistryCommands.Create(global, console),
        DeviceRegistry.DeviceCommands.CreateDevice(global, console),
        DeviceRegistry.DeviceCommands.CreateAsset(global, console),
    ];

    private static IEnumerable<string> Ancestry(Command command, Command root)
    {
        var names = new Stack<string>();
        Symbol? current = command;
        while (current is Command c && c != root)
        {
            names.Push(c.Name);
            current = c.Parents.FirstOrDefault();
        }

        return names;
    }
}
