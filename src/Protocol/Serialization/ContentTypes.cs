using OrleansAio.Abstractions.Common;
using OrleansAio.Protocol.Common;

namespace OrleansAio.Protocol.Serialization;

/// <summary>Content-type checks shared by the serializers.</summary>
public static class ContentTypes
{
    /// <summary>The MQTT header name used in content-type errors.</summary>
    public const string ContentTypeHeaderName = "Content Type";

    /// <summary>The MQTT header name used in payload-format-indicator errors.</summary>
    public const string PayloadFormatIndicatorHeaderName = "Payload Format Indicator";

    /// <summary>Whether <paramref name="received"/> is absent, empty, or has the media type <paramref name="expected"/> (parameters ignored).</summary>
    /// <param name="received">The received content type.</param>
    /// <param name="expected">The serializer's media type.</param>
    /// <returns>Whether the content type is acceptable.</returns>
    public static bool IsAcceptable(string? received, string expected)
    {
        if (string.IsNullOrEmpty(received))
        {
            return true;
        }

        var semicolon = received.IndexOf(';', StringComparison.Ordinal);
        var mediaType = (semicolon < 0 ? received : received[..semicolon]).Trim();
        return string.Equals(mediaType, expected, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Throws <see cref="AioErrorKind.HeaderInvalid"/> naming <c>Content Type</c> when <paramref name="received"/> is not acceptable.</summary>
    /// <param name="received">The received content type.</param>
    /// <param name="expected">The serializer's media type.</param>
    public static void EnsureAcceptable(string? received, string expected)
    {
        if (!IsAcceptable(received, expected))
        {
            throw AioProtocolException.HeaderInvalid(
                ContentTypeHeaderName, received, message: $"Content type '{received}' is not supported by this serializer; expected '{expected}'");
        }
    }
}
