namespace OrleansAio.GrainsInterfaces.Rpc;

/// <summary>A command response with its metadata: what a command grain returns, and what the invoker grain returns.</summary>
/// <typeparam name="TResp">The response type (serializable by Orleans and by the command's payload serializer).</typeparam>
/// <param name="Response">The response value (<see langword="default"/> for an empty payload, status 204).</param>
/// <param name="UserData">User properties sent with the response (names must not start with <c>__</c>).</param>
/// <remarks>
/// An application error (ADR 0021: a successful status carrying <c>AppErrCode</c>/<c>AppErrPayload</c> user data) is built with
/// <see cref="WithApplicationError"/>. An exception thrown by the grain becomes a 500 response with <c>__apErr=true</c> instead.
/// </remarks>
[GenerateSerializer, Immutable]
public sealed record AioCommandResponse<TResp>(
    [property: Id(0)] TResp? Response,
    [property: Id(1)] IReadOnlyDictionary<string, string> UserData)
{
    /// <summary>The user property carrying an application error code.</summary>
    public const string ApplicationErrorCodeKey = "AppErrCode";

    /// <summary>The user property carrying an application error payload.</summary>
    public const string ApplicationErrorPayloadKey = "AppErrPayload";

    /// <summary>The response's correlation ID (invoker side).</summary>
    [Id(2)]
    public Guid? CorrelationId { get; init; }

    /// <summary>The response's hybrid logical clock stamp (<c>__ts</c>) as received (invoker side).</summary>
    [Id(3)]
    public string? Timestamp { get; init; }

    /// <summary>The response's content type as received (invoker side).</summary>
    [Id(4)]
    public string? ContentType { get; init; }

    /// <summary>The application error code, when the response carries one.</summary>
    public string? ApplicationErrorCode => UserData.TryGetValue(ApplicationErrorCodeKey, out var code) ? code : null;

    /// <summary>The application error payload, when the response carries one.</summary>
    public string? ApplicationErrorPayload => UserData.TryGetValue(ApplicationErrorPayloadKey, out var payload) ? payload : null;

    /// <summary>Creates a response without user data.</summary>
    /// <param name="response">The value.</param>
    /// <returns>The response.</returns>
    public static AioCommandResponse<TResp> From(TResp? response) => new(response, new Dictionary<string, string>());

    /// <summary>Returns a copy carrying an application error code and optional payload in its user data.</summary>
    /// <param name="errorCode">The application error code.</param>
    /// <param name="errorPayload">An optional error payload (conventionally JSON text).</param>
    /// <returns>The response with the error properties.</returns>
    public AioCommandResponse<TResp> WithApplicationError(string errorCode, string? errorPayload = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(errorCode);
        var data = new Dictionary<string, string>(UserData) { [ApplicationErrorCodeKey] = errorCode };
        if (errorPayload is not null)
        {
            data[ApplicationErrorPayloadKey] = errorPayload;
        }

        return this with { UserData = data };
    }
}
