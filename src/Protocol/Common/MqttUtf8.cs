using System.Text;
using MQTTnet;

namespace OrleansAio.Protocol.Common;

/// <summary>
/// The characters an MQTT 5 UTF-8 string (topic, content type, response topic, user property name or value) may carry.
/// </summary>
/// <remarks>
/// MQTT 5 section 1.5.4 forbids U+0000 and lets a receiver treat control characters (U+0001 to U+001F, U+007F to U+009F) and
/// Unicode non-characters as a malformed packet. Mosquitto does: it closes the connection ("Malformed UTF-8") without a
/// reason code. A queued PUBLISH carrying one (an exception message with a line break in <c>__stMsg</c>, say) is then re-sent
/// on every reconnect and takes the session down each time, so such text is cleaned where we write it
/// (<see cref="Sanitize"/>) and refused, naming the field, where a caller hands it to the session client
/// (<see cref="ThrowIfUnsendable"/>).
/// </remarks>
public static class MqttUtf8
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Whether <paramref name="rune"/> may appear in an MQTT UTF-8 string that every broker accepts.</summary>
    /// <param name="rune">A Unicode scalar value.</param>
    /// <returns><see langword="false"/> for control characters, U+0000 and non-characters.</returns>
    public static bool IsAllowed(Rune rune)
    {
        var value = rune.Value;
        if (value <= 0x1F || value is >= 0x7F and <= 0x9F)
        {
            return false;
        }

        return value is not (>= 0xFDD0 and <= 0xFDEF) && (value & 0xFFFE) != 0xFFFE;
    }

    /// <summary>
    /// <paramref name="text"/> with every character a broker may refuse (control characters such as line breaks and tabs,
    /// non-characters, unpaired surrogates) replaced by a space, and runs of them collapsed to one; the text itself when it is clean.
    /// </summary>
    /// <param name="text">Free text such as an exception message.</param>
    /// <returns>Text safe for a user property value.</returns>
    public static string Sanitize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (FirstDisallowed(text) is null)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        var previousReplaced = false;
        for (var i = 0; i < text.Length;)
        {
            var status = Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var consumed);
            if (status == System.Buffers.OperationStatus.Done && IsAllowed(rune))
            {
                builder.Append(text, i, consumed);
                previousReplaced = false;
            }
            else if (!previousReplaced)
            {
                builder.Append(' ');
                previousReplaced = true;
            }

            i += Math.Max(consumed, 1);
        }

        return builder.ToString();
    }

    /// <summary>The first character of <paramref name="text"/> a broker may refuse, as <c>U+XXXX at index N</c>, or <see langword="null"/>.</summary>
    /// <param name="text">The string to check.</param>
    /// <returns>A description of the offending character, or <see langword="null"/> when the text is clean.</returns>
    public static string? FirstDisallowed(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length;)
        {
            var status = Rune.DecodeFromUtf16(text[i..], out var rune, out var consumed);
            if (status != System.Buffers.OperationStatus.Done)
            {
                return $"an unpaired surrogate U+{(int)text[i]:X4} at index {i}";
            }

            if (!IsAllowed(rune))
            {
                return $"U+{rune.Value:X4} at index {i}";
            }

            i += consumed;
        }

        return null;
    }

    /// <summary>
    /// Refuses a message whose topic, response topic, content type or user properties carry a character a broker may treat as a
    /// malformed packet, with an error naming the field, before it is queued.
    /// </summary>
    /// <param name="message">The message about to be published.</param>
    /// <exception cref="AioProtocolException">A <c>ConfigurationInvalid</c> error naming the field and the character.</exception>
    public static void ThrowIfUnsendable(MqttApplicationMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Check("topic", message.Topic);
        Check("response topic", message.ResponseTopic);
        Check("content type", message.ContentType);
        if (message.UserProperties is not { } properties)
        {
            return;
        }

        // On every publish: the field names of errors are built only when something is wrong, and values are checked as bytes.
        foreach (var property in properties)
        {
            if (FirstDisallowed(property.Name) is not null)
            {
                Check($"user property name '{Sanitize(property.Name)}'", property.Name);
            }

            if (!IsClean(property.ValueBuffer.Span))
            {
                string value;
                try
                {
                    value = Strict.GetString(property.ValueBuffer.Span);
                }
                catch (DecoderFallbackException)
                {
                    throw AioProtocolException.ConfigurationInvalid(
                        $"user property '{property.Name}'", null, "its value is not valid UTF-8; MQTT brokers close the connection on such a packet");
                }

                Check($"user property '{property.Name}'", value);
            }
        }
    }

    // Valid UTF-8 with no character a broker may refuse, decoded in place.
    private static bool IsClean(ReadOnlySpan<byte> utf8)
    {
        while (!utf8.IsEmpty)
        {
            if (utf8[0] is >= 0x20 and < 0x7F)
            {
                utf8 = utf8[1..];
                continue;
            }

            if (Rune.DecodeFromUtf8(utf8, out var rune, out var consumed) != System.Buffers.OperationStatus.Done || !IsAllowed(rune))
            {
                return false;
            }

            utf8 = utf8[consumed..];
        }

        return true;
    }

    private static void Check(string field, string? text)
    {
        if (text is not null && FirstDisallowed(text) is { } offending)
        {
            throw AioProtocolException.ConfigurationInvalid(
                field, Sanitize(text), $"it contains {offending}, a control character or non-character that MQTT brokers such as Mosquitto refuse as malformed UTF-8");
        }
    }
}
