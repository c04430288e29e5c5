namespace OrleansAio.GrainsInterfaces.Telemetry;

/// <summary>The CloudEvent attributes of a telemetry message (protocol.md §1.14).</summary>
/// <param name="Source">The <c>source</c> attribute (a URI reference).</param>
/// <param name="Type">The <c>type</c> attribute.</param>
[GenerateSerializer, Immutable]
public sealed record TelemetryCloudEvent([property: Id(0)] string Source, [property: Id(1)] string? Type = null)
{
    /// <summary>The <c>id</c> attribute (generated when sending without one).</summary>
    [Id(2)]
    public string? Id { get; init; }

    /// <summary>The <c>time</c> attribute.</summary>
    [Id(3)]
    public DateTimeOffset? Time { get; init; }

    /// <summary>The <c>subject</c> attribute.</summary>
    [Id(4)]
    public string? Subject { get; init; }

    /// <summary>The <c>dataschema</c> attribute.</summary>
    [Id(5)]
    public string? DataSchema { get; init; }

    /// <summary>The <c>datacontenttype</c> attribute (received messages).</summary>
    [Id(6)]
    public string? DataContentType { get; init; }

    /// <summary>The <c>specversion</c> attribute.</summary>
    [Id(7)]
    public string? SpecVersion { get; init; }
}

/// <summary>A received telemetry message with its metadata, as the topic grain keeps it and hands it to subscribers.</summary>
/// <typeparam name="T">The payload type (serializable by Orleans and by the topic's payload serializer).</typeparam>
/// <param name="Value">The deserialized value.</param>
/// <param name="ReceivedAt">When the silo received it.</param>
/// <param name="Timestamp">The sender's hybrid logical clock stamp (<c>__ts</c>) as sent, when present.</param>
/// <param name="SenderId">The sender's client ID (<c>__srcId</c>; empty when absent).</param>
/// <param name="Topic">The topic it arrived on.</param>
/// <param name="TopicTokens">The token values taken from the topic.</param>
/// <param name="UserData">The user properties (reserved names removed).</param>
/// <param name="CloudEvent">The CloudEvent, when the message carried a valid one.</param>
[GenerateSerializer, Immutable]
public sealed record TelemetryMessage<T>(
    [property: Id(0)] T? Value,
    [property: Id(1)] DateTimeOffset ReceivedAt,
    [property: Id(2)] string? Timestamp,
    [property: Id(3)] string SenderId,
    [property: Id(4)] string Topic,
    [property: Id(5)] IReadOnlyDictionary<string, string> TopicTokens,
    [property: Id(6)] IReadOnlyDictionary<string, string> UserData,
    [property: Id(7)] TelemetryCloudEvent? CloudEvent);
