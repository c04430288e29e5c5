namespace OrleansAio.Abstractions.StateStore;

/// <summary>The errors a state store reports in <c>-ERR &lt;text&gt;\r\n</c> replies (services.md 1.9).</summary>
public enum StateStoreServiceError
{
    /// <summary>A text this enum does not know.</summary>
    Unknown = 0,

    /// <summary><c>the request timestamp is too far in the future; ...</c>.</summary>
    TimestampSkew,

    /// <summary><c>a fencing token is required for this request</c>.</summary>
    MissingFencingToken,

    /// <summary><c>the request fencing token timestamp is too far in the future; ...</c>.</summary>
    FencingTokenSkew,

    /// <summary><c>the request fencing token is a lower version than the fencing token protecting the resource</c>.</summary>
    FencingTokenLowerVersion,

    /// <summary><c>the quota has been exceeded</c>.</summary>
    QuotaExceeded,

    /// <summary><c>syntax error</c>.</summary>
    SyntaxError,

    /// <summary><c>not authorized</c>.</summary>
    NotAuthorized,

    /// <summary><c>unknown command</c>.</summary>
    UnknownCommand,

    /// <summary><c>wrong number of arguments</c>.</summary>
    WrongNumberOfArguments,

    /// <summary><c>missing timestamp</c>.</summary>
    TimestampMissing,

    /// <summary><c>malformed timestamp</c>.</summary>
    TimestampMalformed,

    /// <summary><c>the key length is zero</c>.</summary>
    KeyLengthZero,
}
