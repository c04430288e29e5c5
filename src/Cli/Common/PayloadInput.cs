using System.Text;
using System.Text.Json;

namespace OrleansAio.Cli.Common;

/// <summary>
/// Reads a payload argument: the text itself, <c>@path</c> for a file's bytes, <c>-</c> for standard input, <c>@@text</c> for text
/// that starts with <c>@</c>.
/// </summary>
public static class PayloadInput
{
    /// <summary>The largest payload the CLI reads (a file or standard input): 16 MiB, far above what a broker takes in one message.</summary>
    public const int MaxBytes = 16 * 1024 * 1024;

    /// <summary>Reads the payload.</summary>
    /// <param name="argument">The argument as typed, or <see langword="null"/> for none.</param>
    /// <param name="argumentName">The argument's name, used in errors.</param>
    /// <param name="console">Standard input for <c>-</c>.</param>
    /// <param name="cancellationToken">Cancels reading standard input.</param>
    /// <returns>The bytes, or <see langword="null"/> when no argument was given.</returns>
    /// <exception cref="CliException">The file cannot be read or the payload is too large (bad input).</exception>
    public static async Task<byte[]?> ReadAsync(string? argument, string argumentName, CliConsole console, CancellationToken cancellationToken)
    {
        if (argument is null)
        {
            return null;
        }

        if (argument == "-")
        {
            var text = await console.In.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            var bytes = Encoding.UTF8.GetBytes(text);
            return bytes.Length > MaxBytes
                ? throw CliException.BadInput($"{argumentName}: standard input has {bytes.Length} bytes; at most {MaxBytes} are accepted")
                : bytes;
        }

        if (argument.StartsWith("@@", StringComparison.Ordinal))
        {
            return Encoding.UTF8.GetBytes(argument[1..]);
        }

        if (argument.StartsWith('@'))
        {
            var path = argument[1..];
            try
            {
                var info = new FileInfo(path);
                if (!info.Exists)
                {
                    throw CliException.BadInput($"{argumentName}: file '{path}' not found");
                }

                if (info.Length > MaxBytes)
                {
                    throw CliException.BadInput($"{argumentName}: file '{path}' has {info.Length} bytes; at most {MaxBytes} are accepted");
                }

                return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                throw CliException.BadInput($"{argumentName}: file '{path}' cannot be read: {ex.Message}", ex);
            }
        }

        return Encoding.UTF8.GetBytes(argument);
    }

    /// <summary>Checks that <paramref name="payload"/> is one well-formed JSON value.</summary>
    /// <param name="payload">The bytes.</param>
    /// <param name="argumentName">The argument's name, used in the error.</param>
    /// <exception cref="CliException">The payload is not JSON; the message gives the line and byte position.</exception>
    public static void EnsureJson(byte[] payload, string argumentName)
    {
        try
        {
            using var document = JsonDocument.Parse(payload);
        }
        catch (JsonException ex)
        {
            throw CliException.BadInput(
                $"{argumentName}: not valid JSON (line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}): {FirstSentence(ex.Message)}"
                + " Pass --content-type to send something else.",
                ex);
        }
    }

    /// <summary>Whether a content type is JSON (<c>application/json</c> or <c>+json</c>).</summary>
    /// <param name="contentType">The content type.</param>
    /// <returns>Whether it is JSON.</returns>
    public static bool IsJson(string? contentType)
    {
        if (contentType is null)
        {
            return false;
        }

        var media = contentType.Split(';')[0].Trim();
        return media.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Whether a content type is text that can be shown as is.</summary>
    /// <param name="contentType">The content type.</param>
    /// <returns>Whether it is text.</returns>
    public static bool IsText(string? contentType) =>
        IsJson(contentType) || (contentType?.StartsWith("text/", StringComparison.OrdinalIgnoreCase) ?? false);

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }
}
