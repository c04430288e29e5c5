using System.Globalization;
using System.Text.RegularExpressions;

namespace OrleansAio.Protocol.CloudEvents;

/// <summary>The validation rules of CloudEvent attributes (protocol.md §1.14, ADR 0010), shared by senders and receivers.</summary>
public static partial class CloudEventRules
{
    /// <summary>The only spec version a receiver accepts.</summary>
    public const string SupportedSpecVersion = "1.0";

    /// <summary>The pattern a data content type must match when a CloudEvent is attached.</summary>
    public const string DataContentTypePattern = "^([-a-z]+)/([-a-z0-9.]+)(\\+([-a-z0-9.]+))?(;.*)?$";

    /// <summary>Whether <paramref name="value"/> is an RFC 3986 URI-reference (absolute, or relative without a colon in its first segment).</summary>
    /// <param name="value">The text.</param>
    /// <returns>Whether it is a URI-reference.</returns>
    public static bool IsUriReference(string? value)
    {
        if (string.IsNullOrEmpty(value) || !UriCharacters().IsMatch(value))
        {
            return false;
        }

        if (Scheme().IsMatch(value))
        {
            return true;
        }

        var end = value.IndexOfAny(['/', '?', '#']);
        var firstSegment = end < 0 ? value : value[..end];
        return !firstSegment.Contains(':', StringComparison.Ordinal);
    }

    /// <summary>Whether <paramref name="value"/> is an absolute URI (has a scheme).</summary>
    /// <param name="value">The text.</param>
    /// <returns>Whether it is an absolute URI.</returns>
    public static bool IsAbsoluteUri(string? value) =>
        !string.IsNullOrEmpty(value) && UriCharacters().IsMatch(value) && Scheme().IsMatch(value);

    /// <summary>Whether <paramref name="value"/> matches <see cref="DataContentTypePattern"/>.</summary>
    /// <param name="value">The content type.</param>
    /// <returns>Whether it conforms.</returns>
    public static bool IsConformingDataContentType(string? value) => value is not null && DataContentType().IsMatch(value);

    /// <summary>Parses an RFC 3339 date-time.</summary>
    /// <param name="value">The text.</param>
    /// <param name="time">The parsed time.</param>
    /// <returns>Whether it parsed.</returns>
    public static bool TryParseTime(string? value, out DateTimeOffset time)
    {
        time = default;
        return value is not null
            && Rfc3339().IsMatch(value)
            && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out time);
    }

    /// <summary>Formats a time as the SDK does on the wire: <c>yyyy-MM-ddTHH:mm:ssZ</c> in UTC.</summary>
    /// <param name="time">The time.</param>
    /// <returns>The text.</returns>
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^([A-Za-z0-9\-._~!$&'()*+,;=:@/?#\[\]]|%[0-9A-Fa-f]{2})*$", RegexOptions.CultureInvariant)]
    private static partial Regex UriCharacters();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9+.\-]*:", RegexOptions.CultureInvariant)]
    private static partial Regex Scheme();

    [GeneratedRegex("^([-a-z]+)/([-a-z0-9.]+)(\\+([-a-z0-9.]+))?(;.*)?$", RegexOptions.CultureInvariant)]
    private static partial Regex DataContentType();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+\-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();
}
