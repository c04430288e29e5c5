using OrleansAio.Abstractions.Common;
using OrleansAio.Abstractions.StateStore;
using OrleansAio.Protocol.Common;

namespace OrleansAio.Protocol.StateStore;

/// <summary>The exact error texts of the state store and helpers to read them from an <see cref="AioProtocolException"/>.</summary>
public static class StateStoreErrors
{
    /// <summary>The <see cref="AioProtocolException.PropertyName"/> of a state-store service error; the value is a <see cref="StateStoreServiceError"/>.</summary>
    public const string ServiceErrorProperty = "StateStoreServiceError";

    private static readonly Dictionary<StateStoreServiceError, string> Texts = new()
    {
        [StateStoreServiceError.TimestampSkew] = "the request timestamp is too far in the future; ensure that the client and broker system clocks are synchronized",
        [StateStoreServiceError.MissingFencingToken] = "a fencing token is required for this request",
        [StateStoreServiceError.FencingTokenSkew] = "the request fencing token timestamp is too far in the future; ensure that the client and broker system clocks are synchronized",
        [StateStoreServiceError.FencingTokenLowerVersion] = "the request fencing token is a lower version than the fencing token protecting the resource",
        [StateStoreServiceError.QuotaExceeded] = "the quota has been exceeded",
        [StateStoreServiceError.SyntaxError] = "syntax error",
        [StateStoreServiceError.NotAuthorized] = "not authorized",
        [StateStoreServiceError.UnknownCommand] = "unknown command",
        [StateStoreServiceError.WrongNumberOfArguments] = "wrong number of arguments",
        [StateStoreServiceError.TimestampMissing] = "missing timestamp",
        [StateStoreServiceError.TimestampMalformed] = "malformed timestamp",
        [StateStoreServiceError.KeyLengthZero] = "the key length is zero",
    };

    /// <summary>The exact wire text of <paramref name="error"/> (without <c>-ERR </c>).</summary>
    /// <param name="error">The error; not <see cref="StateStoreServiceError.Unknown"/>.</param>
    /// <returns>The text.</returns>
    public static string TextOf(StateStoreServiceError error) => Texts.TryGetValue(error, out var text)
        ? text
        : throw new ArgumentOutOfRangeException(nameof(error), error, "the unknown error has no wire text");

    /// <summary>The error for a received text (with or without the leading <c>ERR </c>).</summary>
    /// <param name="text">The text after <c>-</c>.</param>
    /// <returns>The error; <see cref="StateStoreServiceError.Unknown"/> when no text matches exactly.</returns>
    public static StateStoreServiceError Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var body = text.StartsWith("ERR ", StringComparison.Ordinal) ? text[4..] : text;
        foreach (var (error, known) in Texts)
        {
            if (string.Equals(body, known, StringComparison.Ordinal))
            {
                return error;
            }
        }

        return StateStoreServiceError.Unknown;
    }

    /// <summary>The state-store service error an exception carries, if it is one.</summary>
    /// <param name="exception">The exception.</param>
    /// <returns>The error, or <see langword="null"/> when the exception is not a state-store service error.</returns>
    public static StateStoreServiceError? GetStateStoreError(this AioProtocolException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.PropertyName == ServiceErrorProperty && exception.PropertyValue is StateStoreServiceError error ? error : null;
    }

    /// <summary>The exception a client raises for <paramref name="error"/> (the same shape as a received <c>-ERR</c>).</summary>
    /// <param name="error">The error.</param>
    /// <returns>The exception.</returns>
    public static AioProtocolException CreateException(StateStoreServiceError error) => ToException(TextOf(error));

    internal static AioProtocolException ToException(string text) => new(AioErrorKind.ExecutionException, $"The state store answered an error: {text}")
    {
        IsRemote = true,
        PropertyName = ServiceErrorProperty,
        PropertyValue = Parse(text),
    };
}
