using OrleansAio.Abstractions.Common;

namespace OrleansAio.GrainsInterfaces.Rpc;

/// <summary>
/// A failed command invocation or telemetry send as it crosses the grain boundary: the protocol layer's error (kind, shallow/remote flags and the
/// supplemental fields of protocol.md §1.17) in a form Orleans can serialize.
/// </summary>
/// <remarks>The protocol layer's own exception type is not Orleans-serializable: the command invoker and telemetry topic grains translate it (<c>AioEnvoyErrors.FromProtocol</c>).</remarks>
[GenerateSerializer]
public sealed class AioEnvoyException : Exception
{
    /// <summary>Creates an exception.</summary>
    /// <param name="kind">The error kind.</param>
    /// <param name="message">The message.</param>
    public AioEnvoyException(AioErrorKind kind, string message)
        : base(message)
    {
        Kind = kind;
    }

    /// <summary>Creates an exception with the default message (serializer use).</summary>
    public AioEnvoyException()
        : base("The AIO envoy failed.")
    {
    }

    /// <summary>Creates an exception of kind <see cref="AioErrorKind.UnknownError"/>.</summary>
    /// <param name="message">The message.</param>
    public AioEnvoyException(string message)
        : base(message)
    {
        Kind = AioErrorKind.UnknownError;
    }

    /// <summary>Creates an exception of kind <see cref="AioErrorKind.UnknownError"/> with an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public AioEnvoyException(string message, Exception innerException)
        : base(message, innerException)
    {
        Kind = AioErrorKind.UnknownError;
    }

    /// <summary>The error kind.</summary>
    [Id(0)]
    public AioErrorKind Kind { get; init; }

    /// <summary>Whether the error was detected before any network I/O.</summary>
    [Id(1)]
    public bool IsShallow { get; init; }

    /// <summary>Whether the error was detected (and reported) by the remote executor.</summary>
    [Id(2)]
    public bool IsRemote { get; init; }

    /// <summary>The command name.</summary>
    [Id(3)]
    public string? CommandName { get; init; }

    /// <summary>The correlation ID of the failed request, when one was sent.</summary>
    [Id(4)]
    public Guid? CorrelationId { get; init; }

    /// <summary>The header at fault, for header errors.</summary>
    [Id(5)]
    public string? HeaderName { get; init; }

    /// <summary>The header value at fault.</summary>
    [Id(6)]
    public string? HeaderValue { get; init; }

    /// <summary>The name of the timeout that expired, for timeouts.</summary>
    [Id(7)]
    public string? TimeoutName { get; init; }

    /// <summary>The value of the timeout that expired.</summary>
    [Id(8)]
    public TimeSpan? TimeoutValue { get; init; }

    /// <summary>The property at fault (configuration, state, execution errors).</summary>
    [Id(9)]
    public string? PropertyName { get; init; }

    /// <summary>The property value at fault, as text.</summary>
    [Id(10)]
    public string? PropertyValue { get; init; }

    /// <summary>The protocol version the peer refused, for <see cref="AioErrorKind.UnsupportedVersion"/>.</summary>
    [Id(11)]
    public string? ProtocolVersion { get; init; }

    /// <summary>The major protocol versions the peer supports, for <see cref="AioErrorKind.UnsupportedVersion"/>.</summary>
    [Id(12)]
    public int[]? SupportedMajorProtocolVersions { get; init; }
}
