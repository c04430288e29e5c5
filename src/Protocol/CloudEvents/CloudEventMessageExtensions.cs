using MQTTnet;
using OrleansAio.Protocol.Common;

namespace OrleansAio.Protocol.CloudEvents;

/// <summary>Attaches CloudEvents to MQTT messages and reads them back (ADR 0027), with the validation rules of §1.14.</summary>
public static class CloudEventMessageExtensions
{
    /// <summary>The default <c>type</c> of telemetry CloudEvents.</summary>
    public const string TelemetryType = "ms.aio.telemetry";

    /// <summary>The default <c>type</c> of RPC request CloudEvents.</summary>
    public const string RequestType = "ms.aio.rpc.request";

    /// <summary>The default <c>type</c> of RPC response CloudEvents.</summary>
    public const string ResponseType = "ms.aio.rpc.response";

    /// <summary>The property name used in CloudEvent validation errors.</summary>
    public const string PropertyName = "CloudEvent";

    /// <summary>
    /// Validates <paramref name="cloudEvent"/> and appends its attributes as user properties (in the SDK's order:
    /// <c>specversion</c>, <c>id</c>, <c>type</c>, <c>source</c>, <c>time</c>, <c>subject</c>, <c>dataschema</c>). An
    /// <see cref="ExtendedCloudEvent"/> with a <see cref="ExtendedCloudEvent.DataContentType"/> also sets the Content Type.
    /// </summary>
    /// <param name="message">The message; its topic is the default subject and its Content Type the data content type.</param>
    /// <param name="cloudEvent">The CloudEvent.</param>
    /// <param name="defaultType">The <c>type</c> used when <see cref="CloudEvent.Type"/> is <see langword="null"/>.</param>
    /// <param name="now">The time used when <see cref="CloudEvent.Time"/> is <see langword="null"/>.</param>
    public static void SetCloudEvent(this MqttApplicationMessage message, CloudEvent cloudEvent, string defaultType, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(cloudEvent);
        if (cloudEvent is ExtendedCloudEvent { DataContentType: { } dataContentType })
        {
            message.ContentType = dataContentType;
        }

        var attributes = Validate(cloudEvent, message.Topic, message.ContentType, defaultType, now);
        foreach (var (name, value) in attributes)
        {
            message.AddUserProperty(name, value);
        }
    }

    /// <summary>Reads a CloudEvent from a received message; <see langword="null"/> when absent or not valid per ADR 0010.</summary>
    /// <param name="message">The received message.</param>
    /// <returns>The CloudEvent with <see cref="ExtendedCloudEvent.DataContentType"/> from the Content Type, or <see langword="null"/>.</returns>
    public static ExtendedCloudEvent? GetCloudEvent(this MqttApplicationMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var specVersion = message.GetUserProperty("specversion");
        var id = message.GetUserProperty("id");
        var source = message.GetUserProperty("source");
        var type = message.GetUserProperty("type");
        var time = message.GetUserProperty("time");
        var subject = message.GetUserProperty("subject");
        var dataSchema = message.GetUserProperty("dataschema");
        if (specVersion != CloudEventRules.SupportedSpecVersion
            || string.IsNullOrEmpty(id)
            || !CloudEventRules.IsUriReference(source)
            || string.IsNullOrEmpty(type)
            || (subject is not null && subject.Length == 0)
            || (dataSchema is not null && !CloudEventRules.IsAbsoluteUri(dataSchema))
            || (message.ContentType is not null && !CloudEventRules.IsConformingDataContentType(message.ContentType)))
        {
            return null;
        }

        DateTimeOffset? parsedTime = null;
        if (time is not null)
        {
            if (!CloudEventRules.TryParseTime(time, out var t))
            {
                return null;
            }

            parsedTime = t;
        }

        return new ExtendedCloudEvent(source!, type, specVersion)
        {
            Id = id,
            Time = parsedTime,
            Subject = subject,
            DataSchema = dataSchema,
            DataContentType = message.ContentType,
        };
    }

    /// <summary>Validates a CloudEvent for sending and returns its attributes with defaults applied, in wire order.</summary>
    /// <param name="cloudEvent">The CloudEvent.</param>
    /// <param name="topic">The message topic (default subject).</param>
    /// <param name="contentType">The message content type (the data content type).</param>
    /// <param name="defaultType">The default <c>type</c>.</param>
    /// <param name="now">The default <c>time</c>.</param>
    /// <returns>The attribute name/value pairs.</returns>
    internal static List<KeyValuePair<string, string>> Validate(CloudEvent cloudEvent, string topic, string? contentType, string defaultType, DateTimeOffset now)
    {
        var specVersion = cloudEvent.SpecVersion ?? CloudEventRules.SupportedSpecVersion;
        var id = cloudEvent.Id ?? Guid.NewGuid().ToString();
        var type = cloudEvent.Type ?? defaultType;
        var subject = cloudEvent.Subject ?? topic;
        Require(specVersion.Length > 0, "specversion", specVersion, "must not be empty");
        Require(id.Length > 0, "id", id, "must not be empty");
        Require(CloudEventRules.IsUriReference(cloudEvent.Source), "source", cloudEvent.Source, "must be a URI-reference");
        Require(type.Length > 0, "type", type, "must not be empty");
        Require(subject.Length > 0, "subject", subject, "must not be empty");
        Require(cloudEvent.DataSchema is null || CloudEventRules.IsAbsoluteUri(cloudEvent.DataSchema), "dataschema", cloudEvent.DataSchema, "must be an absolute URI");
        Require(contentType is null || CloudEventRules.IsConformingDataContentType(contentType), "datacontenttype", contentType, $"must match {CloudEventRules.DataContentTypePattern}");
        var attributes = new List<KeyValuePair<string, string>>
        {
            new("specversion", specVersion),
            new("id", id),
            new("type", type),
            new("source", cloudEvent.Source),
            new("time", CloudEventRules.FormatTime(cloudEvent.Time ?? now)),
            new("subject", subject),
        };
        if (cloudEvent.DataSchema is not null)
        {
            attributes.Add(new("dataschema", cloudEvent.DataSchema));
        }

        return attributes;
    }

    private static void Require(bool condition, string attribute, string? value, string rule)
    {
        if (!condition)
        {
            throw AioProtocolException.ConfigurationInvalid(PropertyName, value, $"the CloudEvent attribute '{attribute}' {rule}");
        }
    }
}
