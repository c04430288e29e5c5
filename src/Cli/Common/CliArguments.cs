using System.CommandLine;
using OrleansAio.Protocol.Common;

namespace OrleansAio.Cli.Common;

/// <summary>Options and conversions several command groups share.</summary>
public static class CliArguments
{
    /// <summary>A <c>--count</c> option: end a watch after this many events.</summary>
    /// <returns>The option.</returns>
    public static Option<int?> Count()
    {
        var option = new Option<int?>("--count", "-n") { Description = "Stop after this many events (default: until Ctrl+C)" };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is <= 0)
            {
                result.AddError("--count must be at least 1");
            }
        });
        return option;
    }

    /// <summary>A duration option with a default.</summary>
    /// <param name="name">The option name.</param>
    /// <param name="description">What it is.</param>
    /// <param name="defaultValue">The default shown in help (the caller applies it), or <see langword="null"/> for none.</param>
    /// <returns>The option.</returns>
    public static Option<TimeSpan?> Duration(string name, string description, TimeSpan? defaultValue = null) => new(name)
    {
        Description = defaultValue is { } value ? $"{description} [default: {Durations.Format(value)}]" : description,
        CustomParser = result => Durations.Parse(result),
        HelpName = "duration",
    };

    /// <summary>Parses a fencing token (an HLC in wire form <c>ms:counter:node</c>).</summary>
    /// <param name="text">The text, or <see langword="null"/>.</param>
    /// <param name="optionName">The option name for errors.</param>
    /// <returns>The clock, or <see langword="null"/>.</returns>
    /// <exception cref="CliException">The text is not an HLC (bad input).</exception>
    public static HybridLogicalClock? FencingToken(string? text, string optionName)
    {
        if (text is null)
        {
            return null;
        }

        try
        {
            return HybridLogicalClock.DecodeFromString(optionName, text);
        }
        catch (AioProtocolException ex)
        {
            throw CliException.BadInput($"{optionName}: '{text}' is not a fencing token; expected <ms>:<counter>:<node> as printed by 'aio lease acquire'", ex);
        }
    }

    /// <summary>Formats an HLC in wire form, or <see langword="null"/>.</summary>
    /// <param name="clock">The clock.</param>
    /// <returns>The text.</returns>
    public static string? Show(HybridLogicalClock? clock) => clock?.EncodeToString();
}
