using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using OrleansAio.Abstractions.StateStore;
using OrleansAio.Cli.Common;
using OrleansAio.Cli.Output;
using OrleansAio.Protocol.StateStore;

namespace OrleansAio.Cli.StateStore;

/// <summary><c>aio state get|set|del|vdel|watch</c>: the AIO state store through <see cref="StateStoreClient"/>.</summary>
public static class StateStoreCommands
{
    /// <summary>Creates the <c>state</c> command group.</summary>
    /// <param name="global">The global options.</param>
    /// <param name="console">The console.</param>
    /// <returns>The command.</returns>
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var state = new CliCommand("state", "Read, write, delete and watch keys of the AIO state store");
        state.Examples.Add("aio state set greeting hello && aio state get greeting");
        state.Subcommands.Add(Get(global, console));
        state.Subcommands.Add(Set(global, console));
        state.Subcommands.Add(Delete(global, console));
        state.Subcommands.Add(ValueDelete(global, console));
        state.Subcommands.Add(Watch(global, console));
        return state;
    }

    private static Argument<string> KeyArgument() => new("key") { Description = "The key (UTF-8 text)" };

    private static Argument<string> ValueArgument(string description) => new("value")
    {
        Description = description + "; @file reads a file, - reads standard input, @@text is text starting with @",
    };

    private static Option<string?> FencingTokenOption() => new("--fencing-token")
    {
        Description = "Fencing token (__ft) the write must carry, as printed by 'aio lease acquire'",
        HelpName = "hlc",
    };

    private static async Task<StateStoreClient> ConnectAsync(CliContext context)
    {
        var session = await context.ConnectAsync().ConfigureAwait(false);
        return context.Own(new StateStoreClient(context.Application, session, context.LoggerFactory));
    }

    private static Command Get(GlobalOptions global, CliConsole console)
    {
        var key = KeyArgument();
        var command = new CliCommand("get", "Read a key's value and version (exit code 1 when the key does not exist)") { key };
        command.Examples.Add("aio state get greeting");
        command.Examples.Add("aio state get greeting --json | jq -r .value");
        CliActions.Set(command, global, console, async context =>
        {
            var name = context.Parse.GetRequiredValue(key);
            var store = await ConnectAsync(context).ConfigureAwait(false);
            var response = await store.GetAsync(name, context.Timeout, context.CancellationToken).ConfigureAwait(false);
            var found = response.Value is not null;
            if (context.Output.Json)
            {
                var json = new JsonObject { ["key"] = name, ["found"] = found };
                CliOutput.AddBytes(json, "value", response.Value?.Bytes);
                json["version"] = CliArguments.Show(response.Version);
                context.Output.WriteJson(json);
            }
            else if (found)
            {
                context.Output.WriteProperties([
                    ("Key", name), ("Value", CliOutput.ShowBytes(response.Value!.Bytes)), ("Version", CliArguments.Show(response.Version)),
                ]);
            }
            else
            {
                context.Output.WriteLine($"{name}: not found", Colour.Yellow);
            }

            return found ? ExitCodes.Success : ExitCodes.NotFound;
        });
        return command;
    }

    private static Command Set(GlobalOptions global, CliConsole console)
    {
        var key = KeyArgument();
        var value = ValueArgument("The value");
        var nx = new Option<bool>("--nx") { Description = "Only if the key does not exist (NX)" };
        var nex = new Option<bool>("--nex") { Description = "Only if the key does not exist or already holds this value (NEX)" };
        var px = CliArguments.Duration("--px", "Expire the key after this long (PX, whole milliseconds; default: never)");
        var fencing = FencingTokenOption();
        var command = new CliCommand("set", "Write a key (exit code 1 when a --nx/--nex condition kept it from being written)")
        {
            key, value, nx, nex, px, fencing,
        };
        command.Examples.Add("aio state set greeting hello");
        command.Examples.Add("aio state set lock-owner me --nx --px 30s");
        command.Examples.Add("aio state set config @config.json");
        command.Examples.Add("aio state set guarded value --fencing-token 1764644400000:00000:holder-1");
        command.Validators.Add(result =>
        {
            if (result.GetValue(nx) && result.GetValue(nex))
            {
                result.AddError("--nx and --nex exclude each other: choose one condition");
            }
        });
        CliActions.Set(command, global, console, async context =>
        {
            var name = context.Parse.GetRequiredValue(key);
            var bytes = await PayloadInput.ReadAsync(context.Parse.GetValue(value), "value", context.Console, context.CancellationToken).ConfigureAwait(false);
            var options = new StateStoreSetRequestOptions
            {
                Condition = context.Parse.GetValue(nx) ? SetCondition.OnlyIfDoesNotExist
                    : context.Parse.GetValue(nex) ? SetCondition.OnlyIfEqualOrDoesNotExist
                    : SetCondition.Unconditional,
                ExpiryTime = context.Parse.GetValue(px),
                FencingToken = CliArguments.FencingToken(context.Parse.GetValue(fencing), "--fencing-token"),
            };
            var store = await ConnectAsync(context).ConfigureAwait(false);
            var response = await store.SetAsync(name, new StateStoreValue(bytes!), options, context.Timeout, context.CancellationToken).ConfigureAwait(false);
            if (context.Output.Json)
            {
                context.Output.WriteJson(new JsonObject { ["key"] = name, ["applied"] = response.Success, ["version"] = CliArguments.Show(response.Version) });
            }
            else if (response.Success)
            {
                context.Output.WriteProperties([("Key", name), ("Result", context.Output.Paint("OK", Colour.Green)), ("Version", CliArguments.Show(response.Version))]);
            }
            else
            {
                context.Output.WriteLine($"{name}: not set (the {(options.Condition == SetCondition.OnlyIfDoesNotExist ? "--nx" : "--nex")} condition does not hold)", Colour.Yellow);
            }

            return response.Success ? ExitCodes.Success : ExitCodes.NotFound;
        });
        return command;
    }

    private static Command Delete(GlobalOptions global, CliConsole console)
    {
        var key = KeyArgument();
        var fencing = FencingTokenOption();
        var command = new CliCommand("del", "Delete a key (exit code 1 when it did not exist)") { key, fencing };
        command.Examples.Add("aio state del greeting");
        CliActions.Set(command, global, console, async context =>
        {
            var name = context.Parse.GetRequiredValue(key);
            var options = new StateStoreDeleteRequestOptions { FencingToken = CliArguments.FencingToken(context.Parse.GetValue(fencing), "--fencing-token") };
            var store = await ConnectAsync(context).ConfigureAwait(false);
            var response = await store.DeleteAsync(name, options, context.Timeout, context.CancellationToken).ConfigureAwait(false);
            return ShowDelete(context, name, response.DeletedItemsCount ?? 0);
        });
        return command;
    }

    private static Command ValueDelete(GlobalOptions global, CliConsole console)
    {
        var key = KeyArgument();
        var value = ValueArgument("The value the key must hold to be deleted");
        var fencing = FencingTokenOption();
        var command = new CliCommand("vdel", "Delete a key only if it holds the given value (VDEL; exit code 1 when absent or different)") { key, value, fencing };
        command.Examples.Add("aio state vdel lock-owner me");
        CliActions.Set(command, global, console, async context =>
        {
            var name = context.Parse.GetRequiredValue(key);
            var bytes = await PayloadInput.ReadAsync(context.Parse.GetValue(value), "value", context.Console, context.CancellationToken).ConfigureAwait(false);
            var options = new StateStoreDeleteRequestOptions
            {
                OnlyDeleteIfValueEquals = new StateStoreValue(bytes!),
                FencingToken = CliArguments.FencingToken(context.Parse.GetValue(fencing), "--fencing-token"),
            };
            var store = await ConnectAsync(context).ConfigureAwait(false);
            var response = await store.DeleteAsync(name, options, context.Timeout, context.CancellationToken).ConfigureAwait(false);
            return ShowDelete(context, name, response.DeletedItemsCount ?? 0);
        });
        return command;
    }

    private static int ShowDelete(CliContext context, string name, int deleted)
    {
        if (context.Output.Json)
        {
            context.Output.WriteJson(new JsonObject { ["key"] = name, ["deleted"] = deleted });
        }
        else
        {
            var (text, colour) = deleted switch
            {
                1 => ("deleted", Colour.Green),
                -1 => ("not deleted (it holds a different value)", Colour.Yellow),
                _ => ("not found", Colour.Yellow),
            };
            context.Output.WriteLine($"{name}: {text}", colour);
        }

        return deleted == 1 ? ExitCodes.Success : ExitCodes.NotFound;
    }

    private static Command Watch(GlobalOptions global, CliConsole console)
    {
        var keys = new Argument<string[]>("key") { Description = "The keys to watch", Arity = ArgumentArity.OneOrMore };
        var count = CliArguments.Count();
        var command = new CliCommand("watch", "Print every change of the keys (KEYNOTIFY) until Ctrl+C or --count changes") { keys, count };
        command.Examples.Add("aio state watch greeting config");
        command.Examples.Add("aio state watch greeting --count 1 --json");
        CliActions.Set(command, global, console, async context =>
        {
            var names = context.Parse.GetRequiredValue(keys).Distinct(StringComparer.Ordinal).ToList();
            var store = await ConnectAsync(context).ConfigureAwait(false);
            var loop = new WatchLoop(context.Parse.GetValue(count));
            store.KeyChangeMessageReceivedAsync += (_, change) =>
            {
                loop.Show(() => ShowChange(context.Output, change));
                return Task.CompletedTask;
            };
            var observed = new List<string>();
            try
            {
                foreach (var name in names)
                {
                    await store.ObserveAsync(name, context.Timeout, context.CancellationToken).ConfigureAwait(false);
                    observed.Add(name);
                }

                context.Output.Note($"watching {string.Join(", ", names)} (Ctrl+C to stop)");
                await loop.WaitAsync(context.CancellationToken).ConfigureAwait(false);
            }
            finally
            {
                foreach (var name in observed)
                {
                    try
                    {
                        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2), context.Application.TimeProvider);
                        await store.UnobserveAsync(name, TimeSpan.FromSeconds(2), stop.Token).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is OperationCanceledException or Protocol.Common.AioProtocolException)
                    {
                        // The observation ends with the session anyway.
                    }
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static void ShowChange(CliOutput output, KeyChangeMessageReceivedEventArgs change)
    {
        var key = change.ChangedKey.GetString();
        var state = change.NewState == KeyState.Updated ? "updated" : "deleted";
        if (output.Json)
        {
            var json = new JsonObject { ["key"] = key, ["state"] = state };
            CliOutput.AddBytes(json, "value", change.NewValue?.Bytes);
            json["version"] = CliArguments.Show(change.Version);
            json["time"] = change.Version.Timestamp.ToString("O", CultureInfo.InvariantCulture);
            output.WriteJson(json);
        }
        else
        {
            var line = new StringBuilder()
                .Append(change.Version.Timestamp.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)).Append("  ")
                .Append(key).Append("  ")
                .Append(output.Paint(state.ToUpperInvariant(), change.NewState == KeyState.Updated ? Colour.Green : Colour.Yellow));
            if (change.NewValue is not null)
            {
                line.Append("  ").Append(CliOutput.ShowBytes(change.NewValue.Bytes));
            }

            line.Append("  ").Append(output.Paint($"version {CliArguments.Show(change.Version)}", Colour.Dim));
            output.WriteLine(line.ToString());
        }

        output.Console.Out.Flush();
    }
}
