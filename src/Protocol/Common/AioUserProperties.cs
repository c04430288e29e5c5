namespace OrleansAio.Protocol.Common;

/// <summary>The names of the MQTT user properties the AIO protocol reserves or gives a meaning (protocol.md §1.6).</summary>
public static class AioUserProperties
{
    /// <summary>The prefix of reserved protocol properties.</summary>
    public const string ReservedPrefix = "__";

    /// <summary>Hybrid logical clock timestamp of the message.</summary>
    public const string Timestamp = "__ts";

    /// <summary>Protocol version, <c>major.minor</c>.</summary>
    public const string ProtocolVersion = "__protVer";

    /// <summary>Client ID of the sender or invoker.</summary>
    public const string SourceId = "__srcId";

    /// <summary>Legacy invoker client ID (superseded by <see cref="SourceId"/>, ignored by receivers).</summary>
    public const string InvokerClientId = "__invId";

    /// <summary>HTTP-like status code of a response.</summary>
    public const string Status = "__stat";

    /// <summary>Human-readable status message of an error response.</summary>
    public const string StatusMessage = "__stMsg";

    /// <summary><c>true</c> when an error response reports an application (execution) error.</summary>
    public const string IsApplicationError = "__apErr";

    /// <summary>Name of the offending header, property or timeout in an error response.</summary>
    public const string InvalidPropertyName = "__propName";

    /// <summary>Value of the offending header, property or timeout in an error response.</summary>
    public const string InvalidPropertyValue = "__propVal";

    /// <summary>Space-separated major protocol versions the executor supports (505 responses).</summary>
    public const string SupportedMajorProtocolVersions = "__supProtMajVer";

    /// <summary>The request's protocol version text, echoed verbatim in 505 responses.</summary>
    public const string RequestProtocolVersion = "__requestProtVer";

    /// <summary>Shared-subscription partition key: the invoker client ID on every request.</summary>
    public const string Partition = "$partition";

    /// <summary>Broker backpressure bypass marker with an empty value, on every request and response (ADR 0031).</summary>
    public const string HighPriority = "$high_priority";

    /// <summary>Asks the broker to persist a telemetry message; only sent with value <c>true</c>.</summary>
    public const string AioPersistence = "aio-persistence";

    /// <summary>Optional W3C trace context parent (only sent when trace propagation is enabled).</summary>
    public const string TraceParent = "traceparent";

    /// <summary>Optional W3C trace state (only sent when trace propagation is enabled).</summary>
    public const string TraceState = "tracestate";

    /// <summary>The reserved names stripped from the user data surfaced for requests and telemetry.</summary>
    internal static readonly HashSet<string> StrippedFromRequests = new(StringComparer.Ordinal)
    {
        Timestamp, ProtocolVersion, SourceId, InvokerClientId, Status, StatusMessage, IsApplicationError,
        InvalidPropertyName, InvalidPropertyValue, SupportedMajorProtocolVersions, RequestProtocolVersion, Partition,
    };
}
