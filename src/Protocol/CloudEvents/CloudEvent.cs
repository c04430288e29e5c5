namespace OrleansAio.Protocol.CloudEvents;

/// <summary>
/// CloudEvents 1.0 attributes attached to an MQTT message in binary content mode (ADR 0010/0011): each attribute is a user
/// property with its lower-case name, and <c>datacontenttype</c> is the MQTT Content Type.
/// </summary>
/// <remarks>
/// Attributes left <see langword="null"/> take their defaults when the message is sent: <see cref="SpecVersion"/> <c>1.0</c>,
/// <see cref="Id"/> a new GUID, <see cref="Type"/> the message kind's default (<c>ms.aio.telemetry</c>, <c>ms.aio.rpc.request</c>,
/// <c>ms.aio.rpc.response</c>), <see cref="Time"/> now, <see cref="Subject"/> the resolved topic. An explicitly empty value is
/// not replaced by a default: it is refused when sending.
/// </remarks>
public class CloudEvent
{
    /// <summary>Creates a CloudEvent with the required source.</summary>
    /// <param name="source">The event source, a URI-reference (absolute or relative).</param>
    /// <param name="type">The event type; <see langword="null"/> for the message kind's default.</param>
    /// <param name="specVersion">The CloudEvents spec version; <see langword="null"/> for <c>1.0</c>.</param>
    public CloudEvent(string source, string? type = null, string? specVersion = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        Source = source;
        Type = type;
        SpecVersion = specVersion;
    }

    /// <summary>Creates a CloudEvent with the required source.</summary>
    /// <param name="source">The event source.</param>
    /// <param name="type">The event type; <see langword="null"/> for the message kind's default.</param>
    /// <param name="specVersion">The CloudEvents spec version; <see langword="null"/> for <c>1.0</c>.</param>
    public CloudEvent(Uri source, string? type = null, string? specVersion = null)
        : this((source ?? throw new ArgumentNullException(nameof(source))).OriginalString, type, specVersion)
    {
    }

    /// <summary>The event source (<c>source</c>), a URI-reference.</summary>
    public string Source { get; set; }

    /// <summary>The CloudEvents spec version (<c>specversion</c>); <see langword="null"/> means <c>1.0</c>.</summary>
    public string? SpecVersion { get; set; }

    /// <summary>The event type (<c>type</c>); <see langword="null"/> means the message kind's default.</summary>
    public string? Type { get; set; }

    /// <summary>The event ID (<c>id</c>); <see langword="null"/> means a new GUID per message.</summary>
    public string? Id { get; set; }

    /// <summary>The event time (<c>time</c>), sent as <c>yyyy-MM-ddTHH:mm:ssZ</c>; <see langword="null"/> means now.</summary>
    public DateTimeOffset? Time { get; set; }

    /// <summary>The event subject (<c>subject</c>); <see langword="null"/> means the message's topic.</summary>
    public string? Subject { get; set; }

    /// <summary>The data schema (<c>dataschema</c>), an absolute URI; <see langword="null"/> omits it.</summary>
    public string? DataSchema { get; set; }
}
