using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansAio.Cli.Common;

namespace OrleansAio.Cli.Output;

/// <summary>The colours the human output uses (only on a terminal).</summary>
public enum Colour
{
    /// <summary>No colour.</summary>
    None,

    /// <summary>Success.</summary>
    Green,

    /// <summary>A negative answer (absent, not applied).</summary>
    Yellow,

    /// <summary>An error.</summary>
    Red,

    /// <summary>Labels and headers.</summary>
    Bold,

    /// <summary>Secondary detail.</summary>
    Dim,
}

/// <summary>
/// Writes a command's result: aligned tables for people (ANSI colours only on a terminal) or one compact JSON object per line with
/// <c>--json</c>. Errors and progress go to standard error.
/// </summary>
/// <param name="console">Where to write.</param>
/// <param name="json">Whether <c>--json</c> was given.</param>
public sealed class CliOutput(CliConsole console, bool json)
{
    private static readonly JsonSerializerOptions CompactJson = new() { WriteIndented = false };
    private static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true };

    /// <summary>Whether results are JSON.</summary>
    public bool Json { get; } = json;

    /// <summary>The console.</summary>
    public CliConsole Console { get; } = console;

    /// <summary>Writes one JSON result (one line).</summary>
    /// <param name="node">The result.</param>
    public void WriteJson(JsonNode node) => Console.Out.WriteLine(node.ToJsonString(CompactJson));

    /// <summary>Writes a line of human output.</summary>
    /// <param name="text">The text.</param>
    /// <param name="colour">Its colour on a terminal.</param>
    public void WriteLine(string text = "", Colour colour = Colour.None) => Console.Out.WriteLine(Paint(text, colour));

    /// <summary>Writes name/value rows as two aligned columns; the names in bold on a terminal.</summary>
    /// <param name="rows">The rows; a <see langword="null"/> value is shown as <c>-</c>.</param>
    public void WriteProperties(IEnumerable<(string Name, string? Value)> rows)
    {
        var list = rows.ToList();
        var width = list.Count == 0 ? 0 : list.Max(r => r.Name.Length);
        foreach (var (name, value) in list)
        {
            var lines = (value ?? "-").Split('\n');
            Console.Out.WriteLine($"{Paint(name.PadRight(width), Colour.Bold)}  {lines[0]}");
            foreach (var more in lines.Skip(1))
            {
                Console.Out.WriteLine($"{new string(' ', width)}  {more}");
            }
        }
    }

    /// <summary>Writes a table with a header row and a rule under it.</summary>
    /// <param name="headers">The column headers.</param>
    /// <param name="rows">The rows (as many cells as headers; <see langword="null"/> is shown as <c>-</c>).</param>
    public void WriteTable(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string?>> rows)
    {
        var cells = rows.Select(r => r.Select(c => OneLine(c ?? "-")).ToList()).ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(r => r[i].Length))).ToList();
        Console.Out.WriteLine(Paint(Join(headers, widths), Colour.Bold));
        Console.Out.WriteLine(Join(widths.Select(w => new string('-', w)).ToList(), widths));
        foreach (var row in cells)
        {
            Console.Out.WriteLine(Join(row, widths));
        }
    }

    /// <summary>Writes a progress or status note to standard error (also with <c>--json</c>, so standard output stays parseable).</summary>
    /// <param name="text">The note.</param>
    public void Note(string text)
    {
        Console.Error.WriteLine(Paint(text, Colour.Dim));
        Console.Error.Flush();
    }

    /// <summary>Writes an error line <c>aio: error: ...</c> to standard error.</summary>
    /// <param name="message">The message.</param>
    public void Error(string message) => Console.Error.WriteLine($"{Paint("aio: error:", Colour.Red)} {message}");

    /// <summary>Colours text when colours are on.</summary>
    /// <param name="text">The text.</param>
    /// <param name="colour">The colour.</param>
    /// <returns>The text, wrapped in ANSI codes on a terminal.</returns>
    public string Paint(string text, Colour colour)
    {
        if (!Console.UseColour || colour == Colour.None)
        {
            return text;
        }

        var code = colour switch
        {
            Colour.Green => "32",
            Colour.Yellow => "33",
            Colour.Red => "31",
            Colour.Bold => "1",
            _ => "2",
        };
        return $"\u001b[{code}m{text}\u001b[0m";
    }

    /// <summary>Shows bytes as UTF-8 text when they are printable text, otherwise as <c>base64:...</c>.</summary>
    /// <param name="bytes">The bytes.</param>
    /// <returns>The display text.</returns>
    public static string ShowBytes(byte[]? bytes) =>
        bytes is null ? "-" : TryText(bytes, out var text) ? text : "base64:" + Convert.ToBase64String(bytes);

    /// <summary>Shows a payload: indented JSON when it is JSON, text when it is text, otherwise <c>base64:...</c>.</summary>
    /// <param name="bytes">The payload.</param>
    /// <param name="contentType">Its content type.</param>
    /// <returns>The display text.</returns>
    public static string ShowPayload(byte[] bytes, string? contentType)
    {
        if (bytes.Length == 0)
        {
            return "(empty)";
        }

        if (PayloadInput.IsJson(contentType) && TryParseJson(bytes, out var node))
        {
            return node is null ? "null" : node.ToJsonString(IndentedJson);
        }

        return ShowBytes(bytes);
    }

    /// <summary>Adds bytes to a JSON result as <c>{name}</c> (UTF-8 text, or <see langword="null"/>) and, when they are not text, <c>{name}Base64</c>.</summary>
    /// <param name="target">The JSON object.</param>
    /// <param name="name">The property name.</param>
    /// <param name="bytes">The bytes, or <see langword="null"/>.</param>
    public static void AddBytes(JsonObject target, string name, byte[]? bytes)
    {
        if (bytes is null)
        {
            target[name] = null;
        }
        else if (TryText(bytes, out var text))
        {
            target[name] = text;
        }
        else
        {
            target[name] = null;
            target[name + "Base64"] = Convert.ToBase64String(bytes);
        }
    }

    /// <summary>A payload as a JSON value: the parsed JSON when the content type is JSON, else text, else <c>{"base64": ...}</c>.</summary>
    /// <param name="bytes">The payload.</param>
    /// <param name="contentType">Its content type.</param>
    /// <returns>The JSON value (<see langword="null"/> for an empty payload).</returns>
    public static JsonNode? PayloadNode(byte[] bytes, string? contentType)
    {
        if (bytes.Length == 0)
        {
            return null;
        }

        if (PayloadInput.IsJson(contentType) && TryParseJson(bytes, out var node))
        {
            return node;
        }

        return TryText(bytes, out var text) ? JsonValue.Create(text) : new JsonObject { ["base64"] = Convert.ToBase64String(bytes) };
    }

    private static bool TryParseJson(byte[] bytes, out JsonNode? node)
    {
        try
        {
            node = JsonNode.Parse(bytes);
            return true;
        }
        catch (JsonException)
        {
            node = null;
            return false;
        }
    }

    private static bool TryText(byte[] bytes, out string text)
    {
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            text = string.Empty;
            return false;
        }

        return !text.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t'));
    }

    private static string OneLine(string text) => text.Replace("\r", string.Empty, StringComparison.Ordinal).Replace('\n', ' ');

    private static string Join(IReadOnlyList<string> cells, IReadOnlyList<int> widths) =>
        string.Join("  ", cells.Select((c, i) => i == cells.Count - 1 ? c : c.PadRight(widths[i]))).TrimEnd();
}
