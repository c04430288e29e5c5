using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using OrleansAio.Cli.Common;
using OrleansAio.Cli.Output;
using OrleansAio.Protocol.Leasing;
using OrleansAio.Protocol.StateStore;

namespace OrleansAio.Cli.Leasing;

/// <summary><c>aio lease acquire|release|holder|watch</c>: leases over the state store through <see cref="LeaseLockClient"/>.</summary>
public static class LeaseCommands
{
    /// <summary>Creates the <c>lease</c> command group.</summary>
    /// <param name="global">The global options.</param>
    /// <param name="console">The console.</param>
    /// <returns>The command.</returns>
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var lease = new CliCommand("lease", "Acquire, release, inspect and watch leases (the AIO lease algorithm over the state store)");
        lease.Examples.Add("aio lease acquire door-lock --holder me --term 30s && aio lease holder door-lock");
        lease.Subcommands.Add(Acquire(global, console));
        lease.Subcommands.Add(Release(global, console));
        lease.Subcommands.Add(Holder(global, console));
        lease.Subcommands.Add(Watch(global, console));
        return lease;
    }

    private static Argument<string> NameArgument() => new("name") { Description = "The lease name (its state-store key)" };

    private static Option<string> HolderOption() => new("--holder") { Description = "This holder's identity (the lease key's value)", Required = true };

    private static async Task<LeaseLockClient> ConnectAsync(CliContext context, string name, string holder)
    {
        var session = await context.ConnectAsync().ConfigureAwait(false);
        var store = context.Own(new StateStoreClient(context.Application, session, context.LoggerFactory));
        return context.Own(new LeaseLockClient(store, name, holder, loggerFactory: context.LoggerFactory) { RequestTimeout = context.Timeout });
    }

    private static Command Acquire(GlobalOptions global, CliConsole console)
    {
        var name = NameArgument();
        var holder = HolderOption();
        var term = CliArguments.Duration("--term", "How long the lease is held (it is not renewed after the CLI exits)", TimeSpan.FromSeconds(10));
        var wait = new Option<bool>("--wait") { Description = "Wait while another holder has the lease (until acquired, --wait-timeout or Ctrl+C)" };
        var waitTimeout = CliArguments.Duration("--wait-timeout", "With --wait: give up after this long (default: no limit)");
        var command = new CliCommand("acquire", "Acquire (or renew) a lease; prints its fencing token (exit code 1 when another holder has it)")
        {
            name, holder, term, wait, waitTimeout,
        };
        command.Examples.Add("aio lease acquire door-lock --holder me --term 30s");
        command.Examples.Add("aio lease acquire door-lock --holder me --wait --wait-timeout 1m --json");
        CliActions.Set(command, global, console, async context =>
        {
            var leaseName = context.Parse.GetRequiredValue(name);
            var holderName = context.Parse.GetRequiredValue(holder);
            var leaseTerm = context.Parse.GetValue(term) ?? TimeSpan.FromSeconds(10);
            var client = await ConnectAsync(context, leaseName, holderName).ConfigureAwait(false);
            var response = await client.TryAcquireAsync(leaseTerm, null, context.CancellationToken).ConfigureAwait(false);
            if (!response.Success && context.Parse.GetValue(wait))
            {
                context.Output.Note($"waiting for lease {leaseName} (held by {response.Holder ?? "nobody"}; Ctrl+C to stop)");
                response = await client.AcquireAsync(leaseTerm, null, context.Parse.GetValue(waitTimeout), context.CancellationToken).ConfigureAwait(false);
            }
            await client.StopRenewingAsync().ConfigureAwait(false);
            if (context.Output.Json)
            {
                context.Output.WriteJson(new JsonObject
                {
                    ["lease"] = leaseName,
                    ["holder"] = holderName,
                    ["acquired"] = response.Success,
                    ["fencingToken"] = CliArguments.Show(response.FencingToken),
                    ["currentHolder"] = response.Success ? holderName : response.Holder,
                    ["term"] = Durations.Format(leaseTerm),
                });
            }
            else if (response.Success)
            {
                context.Output.WriteProperties([
                    ("Lease", leaseName), ("Holder", holderName), ("Result", context.Output.Paint("acquired", Colour.Green)),
                    ("Fencing token", CliArguments.Show(response.FencingToken)), ("Term", Durations.Format(leaseTerm)),
                ]);
            }
            else
            {
                context.Output.WriteLine(
                    response.Holder is null ? $"{leaseName}: not acquired" : $"{leaseName}: not acquired, held by {response.Holder}", Colour.Yellow);
            }

            return response.Success ? ExitCodes.Success : ExitCodes.NotFound;
        });
        return command;
    }

    private static Command Release(GlobalOptions global, CliConsole console)
    {
        var name = NameArgument();
        var holder = HolderOption();
        var command = new CliCommand("release", "Release a lease this holder has (exit code 1 when it is free or another holder has it)") { name, holder };
        command.Examples.Add("aio lease release door-lock --holder me");
        CliActions.Set(command, global, console, async context =>
        {
            var leaseName = context.Parse.GetRequiredValue(name);
            var holderName = context.Parse.GetRequiredValue(holder);
            var client = await ConnectAsync(context, leaseName, holderName).ConfigureAwait(false);
            var released = await client.ReleaseAsync(context.CancellationToken).ConfigureAwait(false);
            if (context.Output.Json)
            {
                context.Output.WriteJson(new JsonObject { ["lease"] = leaseName, ["holder"] = holderName, ["released"] = released });
            }
            else
            {
                context.Output.WriteLine(
                    released ? $"{leaseName}: released" : $"{leaseName}: not released ({holderName} does not hold it)",
                    released ? Colour.Green : Colour.Yellow);
            }

            return released ? ExitCodes.Success : ExitCodes.NotFound;
        });
        return command;
    }

    private static Command Holder(GlobalOptions global, CliConsole console)
    {
        var name = NameArgument();
        var command = new CliCommand("holder", "Show who holds a lease and its current fencing token (exit code 1 when it is free)") { name };
        command.Examples.Add("aio lease holder door-lock");
        CliActions.Set(command, global, console, async context =>
        {
            var leaseName = context.Parse.GetRequiredValue(name);
            var client = await ConnectAsync(context, leaseName, "aio-cli-reader").ConfigureAwait(false);
            var info = await client.GetHolderAsync(context.CancellationToken).ConfigureAwait(false);
            if (context.Output.Json)
            {
                context.Output.WriteJson(new JsonObject
                {
                    ["lease"] = leaseName,
                    ["held"] = info is not null,
                    ["holder"] = info?.Holder,
                    ["fencingToken"] = CliArguments.Show(info?.Version),
                });
            }
            else if (info is not null)
            {
                context.Output.WriteProperties([("Lease", leaseName), ("Holder", info.Holder), ("Fencing token", CliArguments.Show(info.Version))]);
            }
            else
            {
                context.Output.WriteLine($"{leaseName}: free", Colour.Yellow);
            }

            return info is not null ? ExitCodes.Success : ExitCodes.NotFound;
        });
        return command;
    }

    private static Command Watch(GlobalOptions global, CliConsole console)
    {
        var name = NameArgument();
        var count = CliArguments.Count();
        var command = new CliCommand("watch", "Print every change of a lease (acquired, renewed, released, expired) until Ctrl+C or --count changes")
        {
            name, count,
        };
        command.Examples.Add("aio lease watch door-lock");
        CliActions.Set(command, global, console, async context =>
        {
            var leaseName = context.Parse.GetRequiredValue(name);
            var client = await ConnectAsync(context, leaseName, "aio-cli-watcher").ConfigureAwait(false);
            var loop = new WatchLoop(context.Parse.GetValue(count));
            client.LeaseChangedAsync += change =>
            {
                loop.Show(() => ShowChange(context.Output, change));
                return Task.CompletedTask;
            };
            await client.ObserveAsync(context.CancellationToken).ConfigureAwait(false);
            context.Output.Note($"watching lease {leaseName} (Ctrl+C to stop)");
            await loop.WaitAsync(context.CancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    private static void ShowChange(CliOutput output, LeaseChangedEventArgs change)
    {
        if (output.Json)
        {
            output.WriteJson(new JsonObject
            {
                ["lease"] = change.LeaseName,
                ["held"] = change.IsHeld,
                ["holder"] = change.Holder,
                ["fencingToken"] = CliArguments.Show(change.Version),
                ["time"] = change.Version.Timestamp.ToString("O", CultureInfo.InvariantCulture),
            });
        }
        else
        {
            var what = change.IsHeld ? output.Paint($"HELD by {change.Holder}", Colour.Green) : output.Paint("FREE", Colour.Yellow);
            output.WriteLine($"{change.Version.Timestamp.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)}  {change.LeaseName}  {what}  {output.Paint($"fencing token {CliArguments.Show(change.Version)}", Colour.Dim)}");
        }

        output.Console.Out.Flush();
    }
}
