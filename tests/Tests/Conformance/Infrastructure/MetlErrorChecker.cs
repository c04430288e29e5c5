using System.Globalization;
using System.Text;
using OrleansAio.Abstractions.Common;
using OrleansAio.Protocol.Common;
using OrleansAio.Tests.Conformance.Model;

namespace OrleansAio.Tests.Conformance.Infrastructure;

/// <summary>
/// Compares an error with a METL <c>catch</c> (protocol.md §2.7): the kind must match; <c>is-shallow</c>, <c>is-remote</c>,
/// <c>message</c> and each supplemental key are compared only when present (a null supplemental value means "field absent").
/// Property and timeout names are normalised (part after the last '.', lower-cased, separators removed).
/// </summary>
internal static class MetlErrorChecker
{
    private static readonly Dictionary<string, AioErrorKind> Kinds = new(StringComparer.Ordinal)
    {
        ["missing header"] = AioErrorKind.HeaderMissing,
        ["invalid header"] = AioErrorKind.HeaderInvalid,
        ["invalid payload"] = AioErrorKind.PayloadInvalid,
        ["timeout"] = AioErrorKind.Timeout,
        ["cancellation"] = AioErrorKind.Cancellation,
        ["invalid configuration"] = AioErrorKind.ConfigurationInvalid,
        ["invalid state"] = AioErrorKind.StateInvalid,
        ["internal logic error"] = AioErrorKind.InternalLogicError,
        ["unknown error"] = AioErrorKind.UnknownError,
        ["execution error"] = AioErrorKind.ExecutionException,
        ["mqtt error"] = AioErrorKind.MqttError,
        ["unsupported version"] = AioErrorKind.UnsupportedVersion,
    };

    /// <summary>Throws <see cref="MetlCheckFailedException"/> unless <paramref name="actual"/> matches <paramref name="expected"/>.</summary>
    /// <param name="expected">The expected error.</param>
    /// <param name="actual">The error raised, or <see langword="null"/> when the operation succeeded.</param>
    /// <param name="where">What raised it, for the message.</param>
    public static void Check(MetlCatch expected, Exception? actual, string where)
    {
        if (!Kinds.TryGetValue(expected.ErrorKind, out var kind))
        {
            throw new MetlFormatException($"{expected.Path}: unknown error-kind '{expected.ErrorKind}'; expected one of {string.Join(", ", Kinds.Keys)}");
        }

        if (actual is null)
        {
            throw new MetlCheckFailedException($"{where}: expected error '{expected.ErrorKind}' but the operation succeeded");
        }

        if (actual is not AioProtocolException error)
        {
            throw new MetlCheckFailedException($"{where}: expected {nameof(AioProtocolException)} '{expected.ErrorKind}' but got {actual.GetType().Name}: {actual.Message}", actual);
        }

        var failures = new List<string>();
        if (error.Kind != kind)
        {
            failures.Add($"error-kind: expected '{expected.ErrorKind}' ({kind}), actual {error.Kind}");
        }

        if (expected.IsShallow.HasValue && expected.IsShallow.Value != error.IsShallow)
        {
            failures.Add($"is-shallow: expected {expected.IsShallow.Value}, actual {error.IsShallow}");
        }

        if (expected.IsRemote.HasValue && expected.IsRemote.Value != error.IsRemote)
        {
            failures.Add($"is-remote: expected {expected.IsRemote.Value}, actual {error.IsRemote}");
        }

        if (expected.Message.HasValue && !string.Equals(expected.Message.Value, error.Message, StringComparison.Ordinal))
        {
            failures.Add($"message: expected '{expected.Message.Value}', actual '{error.Message}'");
        }

        foreach (var (key, value) in expected.Supplemental)
        {
            var mismatch = CheckSupplemental(key, value, error, expected.Path);
            if (mismatch is not null)
            {
                failures.Add(mismatch);
            }
        }

        if (failures.Count > 0)
        {
            throw new MetlCheckFailedException($"{where}: the error does not match the expected catch: {string.Join("; ", failures)}. Actual error: {error}", error);
        }
    }

    /// <summary>Normalises a property or timeout name: part after the last '.', lower-cased, separators removed.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The normalised name.</returns>
    public static string NormalizeName(string name)
    {
        var last = name[(name.LastIndexOf('.') + 1)..];
        var builder = new StringBuilder(last.Length);
        foreach (var ch in last)
        {
            if (ch is '_' or '-' or ' ')
            {
                continue;
            }

            builder.Append(char.ToLowerInvariant(ch));
        }

        return builder.ToString();
    }

    private static string? CheckSupplemental(string key, string? expected, AioProtocolException error, string path)
    {
        switch (key)
        {
            case "property-name":
                return CompareName(key, expected, error.PropertyName);
            case "property-value":
                return Compare(key, expected, Render(error.PropertyValue));
            case "header-name":
                return Compare(key, expected, error.HeaderName);
            case "header-value":
                return Compare(key, expected, error.HeaderValue);
            case "timeout-name":
                return CompareName(key, expected, error.TimeoutName);
            case "timeout-value":
                return Compare(key, expected is null ? null : Iso8601Duration.Format(ParseDuration(expected, path)), error.TimeoutValue is { } t ? Iso8601Duration.Format(t) : null);
            case "command-name":
                return Compare(key, expected, error.CommandName);
            case "protocol-version":
                return Compare(key, expected, error.ProtocolVersion);
            case "supported-protocols":
                return Compare(
                    key,
                    expected is null ? null : string.Join(' ', expected.Split(' ', StringSplitOptions.RemoveEmptyEntries)),
                    error.SupportedMajorProtocolVersions is { } majors ? string.Join(' ', majors.Select(m => m.ToString(CultureInfo.InvariantCulture))) : null);
            default:
                throw new MetlFormatException($"{path}.supplemental: unknown key '{key}'");
        }
    }

    private static TimeSpan ParseDuration(string text, string path) =>
        Iso8601Duration.TryParse(text, out var value) ? value : throw new MetlFormatException($"{path}.supplemental.timeout-value: '{text}' is not an ISO 8601 duration");

    private static string? CompareName(string key, string? expected, string? actual) =>
        Compare(key, expected is null ? null : NormalizeName(expected), actual is null ? null : NormalizeName(actual), $" (raw '{actual}')");

    private static string? Compare(string key, string? expected, string? actual, string suffix = "")
    {
        if (string.Equals(expected, actual, StringComparison.Ordinal))
        {
            return null;
        }

        return $"supplemental.{key}: expected {(expected is null ? "absent" : $"'{expected}'")}, actual {(actual is null ? "absent" : $"'{actual}'")}{suffix}";
    }

    private static string? Render(object? value) => value switch
    {
        null => null,
        string s => s,
        TimeSpan t => Iso8601Duration.Format(t),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
