using System.Diagnostics.CodeAnalysis;

namespace OrleansAio.Protocol.Rpc;

/// <summary>A response with its metadata: returned by the executor's handler and by the invoker.</summary>
/// <typeparam name="TResp">The response type.</typeparam>
/// <remarks>
/// Application-level errors (ADR 0021) travel as ordinary user data on a successful (200/204) response: a mandatory
/// <see cref="ApplicationErrorCodeUserDataKey"/> and an optional <see cref="ApplicationErrorPayloadUserDataKey"/>.
/// </remarks>
public readonly record struct ExtendedResponse<TResp>
{
    /// <summary>The user property carrying an application error code.</summary>
    public const string ApplicationErrorCodeUserDataKey = "AppErrCode";

    /// <summary>The user property carrying an application error payload (conventionally JSON text).</summary>
    public const string ApplicationErrorPayloadUserDataKey = "AppErrPayload";

    /// <summary>The response value (<see langword="default"/> for an empty payload).</summary>
    public TResp? Response { get; init; }

    /// <summary>The response metadata, or <see langword="null"/> for none.</summary>
    public CommandResponseMetadata? ResponseMetadata { get; init; }

    /// <summary>Creates a response without metadata.</summary>
    /// <param name="response">The value.</param>
    /// <returns>The response.</returns>
    public static ExtendedResponse<TResp> CreateFromResponse(TResp? response) => new() { Response = response };

    /// <summary>Returns a copy carrying an application error code and optional payload in its user data.</summary>
    /// <param name="errorCode">The application error code.</param>
    /// <param name="errorPayload">An optional error payload.</param>
    /// <returns>The response with the error properties.</returns>
    public ExtendedResponse<TResp> WithApplicationError(string errorCode, string? errorPayload = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(errorCode);
        var metadata = ResponseMetadata ?? new CommandResponseMetadata();
        metadata.UserData[ApplicationErrorCodeUserDataKey] = errorCode;
        if (errorPayload is not null)
        {
            metadata.UserData[ApplicationErrorPayloadUserDataKey] = errorPayload;
        }

        return this with { ResponseMetadata = metadata };
    }

    /// <summary>Reads the application error, if the response carries one.</summary>
    /// <param name="errorCode">The error code.</param>
    /// <param name="errorPayload">The error payload, if any.</param>
    /// <returns>Whether the response carries an application error.</returns>
    public bool TryGetApplicationError([NotNullWhen(true)] out string? errorCode, out string? errorPayload)
    {
        errorCode = null;
        errorPayload = null;
        if (ResponseMetadata?.UserData is not { } data || !data.TryGetValue(ApplicationErrorCodeUserDataKey, out errorCode))
        {
            return false;
        }

        data.TryGetValue(ApplicationErrorPayloadUserDataKey, out errorPayload);
        return true;
    }

    /// <summary>Whether the response carries an application error code.</summary>
    /// <returns>Whether it is an application error.</returns>
    public bool IsApplicationError() => TryGetApplicationError(out _, out _);
}
