using System.CommandLine;
using System.Text.Json.Nodes;
using OrleansAio.Cli.Common;
using OrleansAio.Cli.Output;
using OrleansAio.Protocol.LeaderElection;
using OrleansAio.Protocol.StateStore;

namespace OrleansAio.Cli.LeaderElection;

/// <summary><c>aio leader campaign|resign|leader</c>: leader election over the state store through <see cref="LeaderElectionClient"/>.</summary>
public static class LeaderCommands
{
    /// <summary>Creates the <c>leader</c> command group.</summary>
    /// <param name="global">The global options.</param>
    /// <param name="console">The console.</param>
    /// <returns>The command.</returns>
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var leader = new CliCommand("leader", "Campaign for, resign from and inspect a leader election (the AIO algorithm over the state store)");
        leader.Examples.Add("aio leader campaign reporting --candidate node-1 --term 30s && aio leader leader reporting");
        leader.Subcommands.Add(Campaign(global, console));
        leader.Subcommands.Add(Resign(global, console));
        leader.Subcommands.Add(Leader(global, console));
        return leader;
    }

    /// <summary>
    /// Maps <c>aio leader leader NAME</c> to <c>aio leader current NAME</c>: System.CommandLine cannot give a command a subcommand
    /// of its own name, and <c>leader leader</c> is the documented spelling.
    /// </summary>
    /// <param name="args">The command line.</param>
    /// <returns>The command line to parse.</returns>
    public static IReadOnlyList<string> RewriteArguments(IReadOnlyList<string> args)
    {
        for (var i = 0; i + 1 < args.Count; i++)
        {
            if (args[i] == "leader" && args[i + 1] == "leader" && (i == 0 || !args[i - 1].StartsWith('-')))
            {
                return [.. args.Take(i + 1), CurrentCommandName, .. args.Skip(i + 2)];
            }
        }

        return args;
    }

    private const string CurrentCommandName = "current";

    private static Argument<string> NameArgument() => new("election") { Description = "The election name (its state-store key)" };

    private static Option<string> CandidateOption() => new("--candidate") { Description = "This candidate's identity", Required = true };

    private static async Task<LeaderElectionClient> ConnectAsync(CliContext context, string election, string candidate)
    {
        var session = await context.ConnectAsync().ConfigureAwait(false);
        var store = context.Own(new StateStoreClient(context.Application, session, context.LoggerFactory));
        return context.Own(new LeaderElectionClient(store, election, candidate, loggerFactory: context.LoggerFactory));
    }

    private static Command Campaign(GlobalOptions global, CliConsole console)
    {
        var name = NameArgument();
        var candidate = CandidateOption();
        var term = CliArguments.Duration("--term", "The term a won election lasts without renewal", TimeSpan.FromSeconds(10));
        var wait = new Option<bool>("--wait") { Description = "Wait while another candidate leads (until elected, --wait-timeout or Ctrl+C)" };
        var waitTimeout = CliArguments.Duration("--wait-timeout", "With --wait: give up after this long (default: no limit)");
        var hold = new Option<bool>("--hold") { Description = "Once elected, keep renewing the term until Ctrl+C, then resign" };
        var command = new CliCommand("campaign", "Try to become the leader; prints the term's fencing token (exit code 1 when another candidate leads)")
        {
            name, candidate, term, wait, waitTimeout, hold,
        };
        command.Examples.Add("aio leader campaign reporting --candidate node-1 --term 30s");
        command.Examples.Add("aio leader campaign reporting --candidate node-1 --wait --hold");
        CliActions.Set(command, global, console, async context =>
        {
            var election = context.Parse.GetRequiredValue(name);
            var candidateName = context.Parse.GetRequiredValue(candidate);
            var electionTerm = context.Parse.GetValue(term) ?? TimeSpan.FromSeconds(10);
            var client = await ConnectAsync(context, election, candidateName).ConfigureAwait(false);
            var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            client.LeadershipLost += _ => lost.TrySetResult();
            var response = context.Parse.GetValue(wait)
                ? await client.CampaignAsync(electionTerm, context.Parse.GetValue(waitTimeout), context.CancellationToken).ConfigureAwait(false)
                : await client.TryCampaignAsync(electionTerm, context.CancellationToken).ConfigureAwait(false);
            if (context.Output.Json)
            {
                context.Output.WriteJson(new JsonObject
                {
                    ["election"] = election,
                    ["candidate"] = candidateName,
                    ["elected"] = response.IsLeader,
                    ["fencingToken"] = CliArguments.Show(response.FencingToken),
                    ["leader"] = response.IsLeader ? candidateName : response.Leader,
                    ["term"] = Durations.Format(electionTerm),
                });
            }
            else if (response.IsLeader)
            {
                context.Output.WriteProperties([
                    ("Election", election), ("Leader", candidateName), ("Result", context.Output.Paint("elected", Colour.Green)),
                    ("Fencing token", CliArguments.Show(response.FencingToken)), ("Term", Durations.Format(electionTerm)),
                ]);
            }
            else
            {
                context.Output.WriteLine(
                    response.Leader is null ? $"{election}: not elected" : $"{election}: not elected, {response.Leader} leads", Colour.Yellow);
            }

            if (!response.IsLeader)
            {
                return ExitCodes.NotFound;
            }

            if (!context.Parse.GetValue(hold))
            {
                return ExitCodes.Success;
            }

            context.Output.Note($"leading {election}, renewing every {Durations.Format(electionTerm / 3)} (Ctrl+C to resign)");
            try
            {
                await lost.Task.WaitAsync(context.CancellationToken).ConfigureAwait(false);
                context.Output.Error($"{election}: leadership lost (a renewal failed)");
                return ExitCodes.NotFound;
            }
            catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
            {
                using var resign = new CancellationTokenSource(context.Timeout, context.Application.TimeProvider);
                var resigned = await client.ResignAsync(resign.Token).ConfigureAwait(false);
                context.Output.Note(resigned ? $"{election}: resigned" : $"{election}: was no longer the leader");
                return ExitCodes.Success;
            }
        });
        return command;
    }

    private static Command Resign(GlobalOptions global, CliConsole console)
    {
        var name = NameArgument();
        var candidate = CandidateOption();
        var command = new CliCommand("resign", "Step down as leader (exit code 1 when this candidate does not lead)") { name, candidate };
        command.Examples.Add("aio leader resign reporting --candidate node-1");
        CliActions.Set(command, global, console, async context =>
        {
            var election = context.Parse.GetRequiredValue(name);
            var candidateName = context.Parse.GetRequiredValue(candidate);
            var client = await ConnectAsync(context, election, candidateName).ConfigureAwait(false);
            var resigned = await client.ResignAsync(context.CancellationToken).ConfigureAwait(false);
            if (context.Output.Json)
            {
                context.Output.WriteJson(new JsonObject { ["election"] = election, ["candidate"] = candidateName, ["resigned"] = resigned });
            }
            else
            {
                context.Output.WriteLine(
                    resigned ? $"{election}: {candidateName} resigned" : $"{election}: {candidateName} does not lead",
                    resigned ? Colour.Green : Colour.Yellow);
            }

            return resigned ? ExitCodes.Success : ExitCodes.NotFound;
        });
        return command;
    }

    private static Command Leader(GlobalOptions global, CliConsole console)
    {
        var name = NameArgument();
        var command = new CliCommand(CurrentCommandName, "Show the current leader and its fencing token (also 'aio leader leader NAME'; exit code 1 when nobody leads)") { name };
        command.Examples.Add("aio leader leader reporting --json");
        CliActions.Set(command, global, console, async context =>
        {
            var election = context.Parse.GetRequiredValue(name);
            var client = await ConnectAsync(context, election, "aio-cli-reader").ConfigureAwait(false);
            var info = await client.GetCurrentLeaderAsync(context.CancellationToken).ConfigureAwait(false);
            if (context.Output.Json)
            {
                context.Output.WriteJson(new JsonObject
                {
                    ["election"] = election,
                    ["hasLeader"] = info is not null,
                    ["leader"] = info?.Holder,
                    ["fencingToken"] = CliArguments.Show(info?.Version),
                });
            }
            else if (info is not null)
            {
                context.Output.WriteProperties([("Election", election), ("Leader", info.Holder), ("Fencing token", CliArguments.Show(info.Version))]);
            }
            else
            {
                context.Output.WriteLine($"{election}: no leader", Colour.Yellow);
            }

            return info is not null ? ExitCodes.Success : ExitCodes.NotFound;
        });
        return command;
    }
}
