namespace OrleansAio.Cli.Common;

/// <summary>Parses repeated <c>name=value</c> options such as <c>--token executorId=thermostat-1</c>.</summary>
public static class KeyValueInput
{
    /// <summary>Parses the pairs; a later pair with the same name wins.</summary>
    /// <param name="pairs">The option values as typed.</param>
    /// <param name="optionName">The option's name, used in errors.</param>
    /// <returns>Name to value.</returns>
    /// <exception cref="CliException">A value is not <c>name=value</c> or has an empty name (bad input).</exception>
    public static Dictionary<string, string> Parse(IEnumerable<string>? pairs, string optionName)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs ?? [])
        {
            var separator = pair.IndexOf('=', StringComparison.Ordinal);
            if (separator <= 0)
            {
                throw CliException.BadInput($"{optionName}: '{pair}' is not name=value");
            }

            map[pair[..separator]] = pair[(separator + 1)..];
        }

        return map;
    }
}
