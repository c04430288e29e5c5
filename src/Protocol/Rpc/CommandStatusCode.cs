namespace OrleansAio.Protocol.Rpc;

/// <summary>The HTTP-like status codes carried in a response's <c>__stat</c> (protocol.md §1.9).</summary>
public enum CommandStatusCode
{
    /// <summary>Success with a payload.</summary>
    OK = 200,

    /// <summary>Success with an empty payload.</summary>
    NoContent = 204,

    /// <summary>A header is missing or invalid, or the payload cannot be deserialized.</summary>
    BadRequest = 400,

    /// <summary>The handler exceeded the execution timeout.</summary>
    RequestTimeout = 408,

    /// <summary>The content type (or payload format indicator) is not supported.</summary>
    UnsupportedMediaType = 415,

    /// <summary>The handler failed, or an internal or unknown error occurred.</summary>
    InternalServerError = 500,

    /// <summary>The executor is in an invalid state (for instance clock drift).</summary>
    ServiceUnavailable = 503,

    /// <summary>The request's protocol version is unparsable or unsupported.</summary>
    NotSupportedVersion = 505,
}
