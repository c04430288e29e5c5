using System.Globalization;
using OrleansAio.Abstractions.Common;

namespace OrleansAio.Protocol.Common;

/// <summary>
/// The one error type of the protocol layer: an <see cref="AioErrorKind"/> with the AIO error model's supplemental fields.
/// </summary>
/// <remarks>
/// <see cref="IsShallow"/> means the error was detected before any network I/O; <see cref="IsRemote"/> means the peer detected it
/// and reported it in a response. Use the static factories, which write a message naming the field and the value.
/// </remarks>
public sealed class AioProtocolException : Exception
{
    /// <summary>Creates an error of <paramref name="kind"/> with a message.</summary>
    /// <param name="kind">The error kind.</param>
    /// <param name="message">A human-readable message naming what is wrong.</param>
    /// <param name="innerException">The nested error, if any.</param>
    public AioProtocolException(AioErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    /// <summary>The error kind.</summary>
    public AioErrorKind Kind { get; }

    /// <summary>Whether the error was detected before any network I/O.</summary>
    public bool IsShallow { get; init; }

    /// <summary>Whether the error was detected by the remote peer and reported in a response.</summary>
    public bool IsRemote { get; init; }

    /// <summary>The correlation ID of the command the error belongs to, if any.</summary>
    public Guid? CorrelationId { get; init; }

    /// <summary>The name of the missing or invalid MQTT header or user property.</summary>
    public string? HeaderName { get; init; }

    /// <summary>The invalid header value.</summary>
    public string? HeaderValue { get; init; }

    /// <summary>The name of the timeout that elapsed.</summary>
    public string? TimeoutName { get; init; }

    /// <summary>The value of the timeout that elapsed.</summary>
    public TimeSpan? TimeoutValue { get; init; }

    /// <summary>The name of the invalid property, option, argument or token.</summary>
    public string? PropertyName { get; init; }

    /// <summary>The invalid value of <see cref="PropertyName"/>.</summary>
    public object? PropertyValue { get; init; }

    /// <summary>The name of the command the error belongs to.</summary>
    public string? CommandName { get; init; }

    /// <summary>The offending protocol version text.</summary>
    public string? ProtocolVersion { get; init; }

    /// <summary>The major protocol versions the detecting side supports.</summary>
    public int[]? SupportedMajorProtocolVersions { get; init; }

    /// <summary>An invalid option, argument or token value (<see cref="AioErrorKind.ConfigurationInvalid"/>, shallow, local).</summary>
    /// <param name="propertyName">The option, argument or token name.</param>
    /// <param name="propertyValue">The offending value.</param>
    /// <param name="reason">Why the value is invalid; defaults to a generic sentence.</param>
    /// <returns>The error.</returns>
    public static AioProtocolException ConfigurationInvalid(string propertyName, object? propertyValue, string? reason = null) =>
        new(AioErrorKind.ConfigurationInvalid, $"Invalid configuration '{propertyName}' = '{Render(propertyValue)}': {reason ?? "the value is not valid"}")
        {
            IsShallow = true,
            PropertyName = propertyName,
            PropertyValue = propertyValue,
        };

    /// <summary>A required header is absent (<see cref="AioErrorKind.HeaderMissing"/>).</summary>
    /// <param name="headerName">The header or user property name.</param>
    /// <param name="isRemote">Whether the peer reported it.</param>
    /// <param name="message">An explicit message; defaults to one naming the header.</param>
    /// <returns>The error.</returns>
    public static AioProtocolException HeaderMissing(string headerName, bool isRemote = false, string? message = null) =>
        new(AioErrorKind.HeaderMissing, message ?? $"The MQTT header or user property '{headerName}' is missing")
        {
            HeaderName = headerName,
            IsRemote = isRemote,
        };

    /// <summary>A header has an invalid value (<see cref="AioErrorKind.HeaderInvalid"/>).</summary>
    /// <param name="headerName">The header or user property name.</param>
    /// <param name="headerValue">The invalid value.</param>
    /// <param name="isRemote">Whether the peer reported it.</param>
    /// <param name="message">An explicit message; defaults to one naming the header and value.</param>
    /// <param name="innerException">The nested error, if any.</param>
    /// <returns>The error.</returns>
    public static AioProtocolException HeaderInvalid(
        string headerName, string? headerValue, bool isRemote = false, string? message = null, Exception? innerException = null) =>
        new(AioErrorKind.HeaderInvalid, message ?? $"The MQTT header or user property '{headerName}' has an invalid value '{headerValue}'", innerException)
        {
            HeaderName = headerName,
            HeaderValue = headerValue,
            IsRemote = isRemote,
        };

    /// <summary>A payload cannot be serialized or deserialized (<see cref="AioErrorKind.PayloadInvalid"/>).</summary>
    /// <param name="message">What is wrong with the payload.</param>
    /// <param name="isShallow">Whether it was detected before any network I/O (serialization on send).</param>
    /// <param name="innerException">The nested error, if any.</param>
    /// <returns>The error.</returns>
    public static AioProtocolException PayloadInvalid(string message, bool isShallow = false, Exception? innerException = null) =>
        new(AioErrorKind.PayloadInvalid, message, innerException) { IsShallow = isShallow };

    /// <summary>An invalid state, for instance of the hybrid logical clock (<see cref="AioErrorKind.StateInvalid"/>).</summary>
    /// <param name="propertyName">The property whose state is invalid.</param>
    /// <param name="propertyValue">Its value.</param>
    /// <param name="message">What is wrong.</param>
    /// <param name="isShallow">Whether it was detected before any network I/O.</param>
    /// <returns>The error.</returns>
    public static AioProtocolException StateInvalid(string propertyName, object? propertyValue, string message, bool isShallow = false) =>
        new(AioErrorKind.StateInvalid, message) { PropertyName = propertyName, PropertyValue = propertyValue, IsShallow = isShallow };

    /// <summary>An internal logic error (<see cref="AioErrorKind.InternalLogicError"/>).</summary>
    /// <param name="propertyName">The property involved.</param>
    /// <param name="message">What went wrong.</param>
    /// <returns>The error.</returns>
    public static AioProtocolException InternalLogicError(string propertyName, string message) =>
        new(AioErrorKind.InternalLogicError, message) { PropertyName = propertyName };

    /// <summary>A timeout elapsed (<see cref="AioErrorKind.Timeout"/>).</summary>
    /// <param name="timeoutName">The name of the timeout.</param>
    /// <param name="timeoutValue">Its value.</param>
    /// <param name="message">An explicit message; defaults to one naming the timeout.</param>
    /// <param name="innerException">The nested error, if any.</param>
    /// <returns>The error.</returns>
    public static AioProtocolException Timeout(string timeoutName, TimeSpan timeoutValue, string? message = null, Exception? innerException = null) =>
        new(AioErrorKind.Timeout, message ?? $"The operation timed out after '{timeoutName}' = {timeoutValue}", innerException)
        {
            TimeoutName = timeoutName,
            TimeoutValue = timeoutValue,
        };

    /// <summary>An MQTT failure reported by the client or broker (<see cref="AioErrorKind.MqttError"/>).</summary>
    /// <param name="message">What failed, including the reason code.</param>
    /// <param name="innerException">The nested error, if any.</param>
    /// <returns>The error.</returns>
    public static AioProtocolException MqttError(string message, Exception? innerException = null) =>
        new(AioErrorKind.MqttError, message, innerException);

    /// <summary>An unparsable or unsupported protocol version (<see cref="AioErrorKind.UnsupportedVersion"/>).</summary>
    /// <param name="protocolVersion">The offending version text.</param>
    /// <param name="supportedMajors">The supported major versions.</param>
    /// <param name="isRemote">Whether the peer reported it.</param>
    /// <param name="message">An explicit message; defaults to one naming the version.</param>
    /// <returns>The error.</returns>
    public static AioProtocolException UnsupportedVersion(string? protocolVersion, int[] supportedMajors, bool isRemote, string? message = null) =>
        new(AioErrorKind.UnsupportedVersion, message ?? $"Unsupported protocol version '{protocolVersion}'; supported major versions: {string.Join(' ', supportedMajors)}")
        {
            ProtocolVersion = protocolVersion,
            SupportedMajorProtocolVersions = supportedMajors,
            IsRemote = isRemote,
        };

    /// <summary>Returns a copy of this error with <see cref="CommandName"/> and <see cref="CorrelationId"/> set.</summary>
    /// <param name="commandName">The command name.</param>
    /// <param name="correlationId">The correlation ID, or <see langword="null"/> to keep the current one.</param>
    /// <returns>A new error with the same kind, message, fields and inner exception.</returns>
    public AioProtocolException WithCommand(string? commandName, Guid? correlationId = null) =>
        new(Kind, Message, InnerException)
        {
            IsShallow = IsShallow,
            IsRemote = IsRemote,
            CorrelationId = correlationId ?? CorrelationId,
            HeaderName = HeaderName,
            HeaderValue = HeaderValue,
            TimeoutName = TimeoutName,
            TimeoutValue = TimeoutValue,
            PropertyName = PropertyName,
            PropertyValue = PropertyValue,
            CommandName = commandName,
            ProtocolVersion = ProtocolVersion,
            SupportedMajorProtocolVersions = SupportedMajorProtocolVersions,
        };

    /// <inheritdoc />
    public override string ToString()
    {
        var details = new List<string> { $"Kind={Kind}", $"IsShallow={IsShallow}", $"IsRemote={IsRemote}" };
        AddIf(details, nameof(CommandName), CommandName);
        AddIf(details, nameof(CorrelationId), CorrelationId);
        AddIf(details, nameof(HeaderName), HeaderName);
        AddIf(details, nameof(HeaderValue), HeaderValue);
        AddIf(details, nameof(TimeoutName), TimeoutName);
        AddIf(details, nameof(TimeoutValue), TimeoutValue);
        AddIf(details, nameof(PropertyName), PropertyName);
        AddIf(details, nameof(PropertyValue), PropertyValue);
        AddIf(details, nameof(ProtocolVersion), ProtocolVersion);
        if (SupportedMajorProtocolVersions is not null)
        {
            details.Add($"SupportedMajorProtocolVersions={string.Join(' ', SupportedMajorProtocolVersions)}");
        }

        return $"{base.ToString()} [{string.Join(", ", details)}]";
    }

    private static void AddIf(List<string> details, string name, object? value)
    {
        if (value is not null)
        {
            details.Add($"{name}={Render(value)}");
        }
    }

    private static string Render(object? value) => value switch
    {
        null => "(null)",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
