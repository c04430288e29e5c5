using System.Globalization;
using System.CommandLine.Parsing;

namespace OrleansAio.Cli.Common;

/// <summary>Parses durations written as <c>500ms</c>, <c>10s</c>, <c>2m</c>, <c>1h</c> or a bare number of seconds.</summary>
public static class Durations
{
    /// <summary>Parses a duration.</summary>
    /// <param name="text">The text.</param>
    /// <param name="duration">The duration when the text is valid and positive.</param>
    /// <returns>Whether the text is a valid positive duration.</returns>
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        var (number, unit) = text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? (text[..^2], 1.0)
            : text.EndsWith('s') ? (text[..^1], 1000.0)
            : text.EndsWith('m') ? (text[..^1], 60_000.0)
            : text.EndsWith('h') ? (text[..^1], 3_600_000.0)
            : (text, 1000.0);
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value <= 0
            || value * unit > TimeSpan.MaxValue.TotalMilliseconds / 2)
        {
            return false;
        }

        duration = TimeSpan.FromMilliseconds(Math.Ceiling(value * unit));
        return true;
    }

    /// <summary>A System.CommandLine parser for a duration option that reports the option and the value on error.</summary>
    /// <param name="result">The argument being parsed.</param>
    /// <returns>The duration, or <see cref="TimeSpan.Zero"/> after adding a parse error.</returns>
    public static TimeSpan Parse(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
        if (TryParse(text, out var duration))
        {
            return duration;
        }

        var name = result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
        result.AddError($"{name}: '{text}' is not a duration; write for example 500ms, 10s, 2m or 1h (a bare number means seconds)");
        return TimeSpan.Zero;
    }

    /// <summary>Formats a duration the way it can be typed back (<c>1500ms</c>, <c>10s</c>).</summary>
    /// <param name="duration">The duration.</param>
    /// <returns>The text.</returns>
    public static string Format(TimeSpan duration) =>
        duration.TotalMilliseconds % 1000 == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{(long)duration.TotalSeconds}s")
            : string.Create(CultureInfo.InvariantCulture, $"{(long)duration.TotalMilliseconds}ms");
}
