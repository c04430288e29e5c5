using System.Globalization;

namespace OrleansAio.Silo.Broker;

/// <summary>
/// The silo's <c>add-user</c> sub-command: <c>OrleansAio.Silo add-user --file &lt;credentials file&gt; --user &lt;name&gt;
/// [--iterations N]</c>, the password read from the first line of standard input (never from the command line, which other
/// users of the machine can see). Adds the user to <c>Broker:Authentication:PasswordFile</c>'s file or replaces its password;
/// a running broker picks the change up at the next CONNECT.
/// </summary>
public static class AddUserCommand
{
    /// <summary>The sub-command's name (the first argument).</summary>
    public const string Name = "add-user";

    /// <summary>Runs the sub-command.</summary>
    /// <param name="args">The arguments after <c>add-user</c>.</param>
    /// <param name="input">Where the password is read (standard input).</param>
    /// <param name="output">Where the outcome is written.</param>
    /// <param name="error">Where a usage error is written.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The exit code: 0 done, 2 usage error.</returns>
    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        string? file = null, user = null;
        var iterations = BrokerPasswordFile.DefaultIterations;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--file" when value is not null:
                    file = value;
                    i++;
                    break;
                case "--user" when value is not null:
                    user = value;
                    i++;
                    break;
                case "--iterations" when value is not null && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed >= 1000:
                    iterations = parsed;
                    i++;
                    break;
                default:
                    await error.WriteLineAsync($"add-user: unexpected argument '{args[i]}'. Usage: add-user --file <credentials file> --user <name> [--iterations N>=1000] (password on standard input)").ConfigureAwait(false);
                    return 2;
            }
        }

        if (file is null || user is null)
        {
            await error.WriteLineAsync("add-user: --file and --user are required (the password is read from standard input)").ConfigureAwait(false);
            return 2;
        }

        try
        {
            BrokerPasswordFile.ValidateUser(user);
        }
        catch (ArgumentException ex)
        {
            await error.WriteLineAsync($"add-user: --user: {ex.Message.Split(" (Parameter", 2)[0]}").ConfigureAwait(false);
            return 2;
        }

        var password = await input.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrEmpty(password))
        {
            await error.WriteLineAsync("add-user: no password on standard input").ConfigureAwait(false);
            return 2;
        }

        var added = await BrokerPasswordFile.AddUserAsync(file, user, password, iterations, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"{(added ? "added" : "updated")} user {user} in {file}").ConfigureAwait(false);
        return 0;
    }
}
