namespace OrleansAio.Protocol.CloudEvents;

/// <summary>A <see cref="CloudEvent"/> with its <c>datacontenttype</c>, which travels as the MQTT Content Type.</summary>
public class ExtendedCloudEvent : CloudEvent
{
    /// <summary>Creates an extended CloudEvent.</summary>
    /// <param name="source">The event source, a URI-reference.</param>
    /// <param name="type">The event type.</param>
    /// <param name="specVersion">The CloudEvents spec version.</param>
    public ExtendedCloudEvent(string source, string? type = null, string? specVersion = null)
        : base(source, type, specVersion)
    {
    }

    /// <summary>The data content type (the MQTT Content Type); must match <see cref="CloudEventRules.DataContentTypePattern"/>.</summary>
    public string? DataContentType { get; set; }
}
