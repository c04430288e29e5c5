using System.Xml;

namespace OrleansAio.Protocol.Common;

/// <summary>ISO 8601 durations as used in <c>__propVal</c> for timeouts (for instance <c>PT1S</c>).</summary>
public static class Iso8601Duration
{
    /// <summary>Formats a duration, for instance <c>PT1S</c>.</summary>
    /// <param name="value">The duration.</param>
    /// <returns>The ISO 8601 text.</returns>
    public static string Format(TimeSpan value) => XmlConvert.ToString(value);

    /// <summary>Parses an ISO 8601 duration.</summary>
    /// <param name="text">The text.</param>
    /// <param name="value">The duration.</param>
    /// <returns>Whether the text parsed.</returns>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        try
        {
            value = XmlConvert.ToTimeSpan(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
        catch (OverflowException)
        {
            return false;
        }
    }
}
