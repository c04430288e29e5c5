using System.Buffers;
using System.Globalization;
using System.Text;

namespace OrleansAio.Protocol.StateStore;

/// <summary>The kind of a RESP3 reply value.</summary>
public enum Resp3ReplyKind
{
    /// <summary><c>+text\r\n</c>.</summary>
    SimpleString,

    /// <summary><c>-text\r\n</c>.</summary>
    Error,

    /// <summary><c>:n\r\n</c>.</summary>
    Integer,

    /// <summary><c>$n\r\n bytes \r\n</c>.</summary>
    BulkString,

    /// <summary><c>$-1\r\n</c>.</summary>
    Null,

    /// <summary><c>*n\r\n</c> followed by n bulk strings.</summary>
    Array,
}

/// <summary>One parsed RESP3 value (the state store's replies and notifications use only these shapes).</summary>
/// <param name="Kind">The kind.</param>
/// <param name="Text">The text of a simple string or error.</param>
/// <param name="Integer">The value of an integer.</param>
/// <param name="Bytes">The bytes of a bulk string.</param>
/// <param name="Elements">The elements of an array of bulk strings.</param>
public sealed record Resp3Reply(
    Resp3ReplyKind Kind, string? Text = null, long Integer = 0, byte[]? Bytes = null, IReadOnlyList<byte[]>? Elements = null);

/// <summary>
/// The RESP3 subset of the AIO state store (services.md 1.3, 1.4, 1.7): requests and notifications are arrays of bulk strings,
/// replies are one simple string, error, integer, bulk string or null bulk string. Parsing is strict: declared lengths must match,
/// every element ends in <c>\r\n</c>, nothing may follow the value.
/// </summary>
public static class Resp3
{
    /// <summary>The most elements an array may declare (state-store commands have at most 6).</summary>
    public const int MaxArrayElements = 64;

    /// <summary><c>+OK\r\n</c>.</summary>
    public static ReadOnlyMemory<byte> Ok { get; } = "+OK\r\n"u8.ToArray();

    /// <summary><c>$-1\r\n</c>.</summary>
    public static ReadOnlyMemory<byte> NullBulk { get; } = "$-1\r\n"u8.ToArray();

    /// <summary>Encodes an array of bulk strings.</summary>
    /// <param name="elements">The elements.</param>
    /// <returns>The bytes.</returns>
    public static byte[] EncodeArray(params ReadOnlySpan<ReadOnlyMemory<byte>> elements)
    {
        var buffer = new ArrayBufferWriter<byte>();
        WriteAscii(buffer, string.Create(CultureInfo.InvariantCulture, $"*{elements.Length}\r\n"));
        foreach (var element in elements)
        {
            WriteBulk(buffer, element.Span);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Encodes a bulk string.</summary>
    /// <param name="value">The bytes.</param>
    /// <returns>The encoded value.</returns>
    public static byte[] EncodeBulk(ReadOnlySpan<byte> value)
    {
        var buffer = new ArrayBufferWriter<byte>(value.Length + 16);
        WriteBulk(buffer, value);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Encodes an integer.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The encoded value.</returns>
    public static byte[] EncodeInteger(long value) => Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $":{value}\r\n"));

    /// <summary>Encodes an error <c>-ERR text\r\n</c>.</summary>
    /// <param name="text">The error text (without <c>ERR </c>); must not contain CR or LF.</param>
    /// <returns>The encoded value.</returns>
    public static byte[] EncodeError(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw new ArgumentException("A RESP error text must not contain CR or LF.", nameof(text));
        }

        return Encoding.UTF8.GetBytes("-ERR " + text + "\r\n");
    }

    /// <summary>Parses a request or notification: an array of bulk strings and nothing after it.</summary>
    /// <param name="payload">The bytes.</param>
    /// <param name="elements">The elements.</param>
    /// <param name="error">What is wrong, when parsing fails.</param>
    /// <returns>Whether the payload is a well-formed array of bulk strings.</returns>
    public static bool TryParseArray(ReadOnlySpan<byte> payload, out List<byte[]> elements, out string error)
    {
        elements = [];
        var position = 0;
        if (!TryParseArrayAt(payload, ref position, elements, out error))
        {
            return false;
        }

        if (position != payload.Length)
        {
            error = $"{payload.Length - position} unexpected bytes after the array";
            return false;
        }

        return true;
    }

    /// <summary>Parses one reply value and nothing after it.</summary>
    /// <param name="payload">The bytes.</param>
    /// <param name="reply">The value.</param>
    /// <param name="error">What is wrong, when parsing fails.</param>
    /// <returns>Whether the payload is one well-formed value.</returns>
    public static bool TryParseReply(ReadOnlySpan<byte> payload, out Resp3Reply reply, out string error)
    {
        reply = null!;
        error = string.Empty;
        if (payload.IsEmpty)
        {
            error = "the payload is empty";
            return false;
        }

        var position = 1;
        switch (payload[0])
        {
            case (byte)'+':
            case (byte)'-':
                if (!TryReadLine(payload, ref position, out var line, out error))
                {
                    return false;
                }

                var text = Encoding.UTF8.GetString(line);
                reply = payload[0] == (byte)'+' ? new Resp3Reply(Resp3ReplyKind.SimpleString, text) : new Resp3Reply(Resp3ReplyKind.Error, text);
                break;
            case (byte)':':
                if (!TryReadLine(payload, ref position, out line, out error))
                {
                    return false;
                }

                if (!TryParseLong(line, out var integer))
                {
                    error = "the integer is not a decimal number";
                    return false;
                }

                reply = new Resp3Reply(Resp3ReplyKind.Integer, Integer: integer);
                break;
            case (byte)'$':
                position = 0;
                if (!TryParseBulkAt(payload, ref position, allowNull: true, out var bytes, out error))
                {
                    return false;
                }

                reply = bytes is null ? new Resp3Reply(Resp3ReplyKind.Null) : new Resp3Reply(Resp3ReplyKind.BulkString, Bytes: bytes);
                break;
            case (byte)'*':
                position = 0;
                var elements = new List<byte[]>();
                if (!TryParseArrayAt(payload, ref position, elements, out error))
                {
                    return false;
                }

                reply = new Resp3Reply(Resp3ReplyKind.Array, Elements: elements);
                break;
            default:
                error = $"unknown RESP type byte 0x{payload[0]:X2}";
                return false;
        }

        if (position != payload.Length)
        {
            error = $"{payload.Length - position} unexpected bytes after the value";
            return false;
        }

        return true;
    }

    private static bool TryParseArrayAt(ReadOnlySpan<byte> payload, ref int position, List<byte[]> elements, out string error)
    {
        if (position >= payload.Length || payload[position] != (byte)'*')
        {
            error = "expected an array ('*')";
            return false;
        }

        position++;
        if (!TryReadLine(payload, ref position, out var line, out error))
        {
            return false;
        }

        if (!TryParseLong(line, out var count) || count < 0)
        {
            error = "the array length is not a non-negative decimal number";
            return false;
        }

        if (count > MaxArrayElements)
        {
            error = $"the array declares {count} elements, more than {MaxArrayElements}";
            return false;
        }

        for (var i = 0; i < count; i++)
        {
            if (!TryParseBulkAt(payload, ref position, allowNull: false, out var bytes, out error))
            {
                error = $"element {i}: {error}";
                return false;
            }

            elements.Add(bytes!);
        }

        return true;
    }

    private static bool TryParseBulkAt(ReadOnlySpan<byte> payload, ref int position, bool allowNull, out byte[]? bytes, out string error)
    {
        bytes = null;
        if (position >= payload.Length || payload[position] != (byte)'$')
        {
            error = "expected a bulk string ('$')";
            return false;
        }

        position++;
        if (!TryReadLine(payload, ref position, out var line, out error))
        {
            return false;
        }

        if (allowNull && line.SequenceEqual("-1"u8))
        {
            return true;
        }

        if (!TryParseLong(line, out var length) || length < 0)
        {
            error = "the bulk string length is not a non-negative decimal number";
            return false;
        }

        if (length > payload.Length - position - 2)
        {
            error = $"the bulk string declares {length} bytes but fewer follow";
            return false;
        }

        var size = (int)length;
        if (payload[position + size] != (byte)'\r' || payload[position + size + 1] != (byte)'\n')
        {
            error = "the bulk string does not end in CRLF after its declared length";
            return false;
        }

        bytes = payload.Slice(position, size).ToArray();
        position += size + 2;
        return true;
    }

    private static bool TryReadLine(ReadOnlySpan<byte> payload, ref int position, out ReadOnlySpan<byte> line, out string error)
    {
        line = default;
        error = string.Empty;
        var rest = payload[position..];
        var end = rest.IndexOf("\r\n"u8);
        if (end < 0)
        {
            error = "a line does not end in CRLF";
            return false;
        }

        line = rest[..end];
        position += end + 2;
        return true;
    }

    private static bool TryParseLong(ReadOnlySpan<byte> digits, out long value)
    {
        value = 0;
        var negative = !digits.IsEmpty && digits[0] == (byte)'-';
        var body = negative ? digits[1..] : digits;
        if (body.IsEmpty || body.Length > 18)
        {
            return false;
        }

        foreach (var b in body)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            value = (value * 10) + (b - '0');
        }

        value = negative ? -value : value;
        return true;
    }

    private static void WriteBulk(ArrayBufferWriter<byte> buffer, ReadOnlySpan<byte> value)
    {
        WriteAscii(buffer, string.Create(CultureInfo.InvariantCulture, $"${value.Length}\r\n"));
        buffer.Write(value);
        buffer.Write("\r\n"u8);
    }

    private static void WriteAscii(ArrayBufferWriter<byte> buffer, string text) => buffer.Write(Encoding.ASCII.GetBytes(text));
}
