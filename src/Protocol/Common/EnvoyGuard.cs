using System.Diagnostics;
using MQTTnet;
using MQTTnet.Formatter;
using OrleansAio.Abstractions.Common;
using OrleansAio.Protocol.Diagnostics;
using OrleansAio.Protocol.Mqtt;

namespace OrleansAio.Protocol.Common;

/// <summary>Checks and helpers every envoy shares.</summary>
internal static class EnvoyGuard
{
    /// <summary>The property name reported when the MQTT client does not speak MQTT 5.</summary>
    public const string ProtocolVersionPropertyName = "MQTTClient.ProtocolVersion";

    /// <summary>The property name reported when the MQTT client has no client ID.</summary>
    public const string ClientIdPropertyName = "MQTTClient.ClientId";

    /// <summary>Fails unless the client speaks MQTT 5 and has a client ID (protocol.md §1.1), and returns the client ID.</summary>
    public static string EnsureUsable(IMqttPubSubClient client)
    {
        if (client.ProtocolVersion != MqttProtocolVersion.V500)
        {
            throw AioProtocolException.ConfigurationInvalid(ProtocolVersionPropertyName, client.ProtocolVersion, "AIO components require MQTT 5.0");
        }

        var clientId = client.ClientId;
        if (string.IsNullOrEmpty(clientId))
        {
            throw AioProtocolException.ConfigurationInvalid(ClientIdPropertyName, clientId, "AIO components require an MQTT client ID (connect the client first)");
        }

        return clientId;
    }

    /// <summary>Rounds a timeout up to whole seconds and checks it is between 1 s and 2^32-1 s.</summary>
    public static uint RoundUpToSeconds(TimeSpan timeout, string propertyName)
    {
        var seconds = Math.Ceiling(timeout.TotalSeconds);
        if (seconds < 1 || seconds > uint.MaxValue)
        {
            throw AioProtocolException.ConfigurationInvalid(propertyName, timeout, "the timeout must round up to between 1 second and 2^32-1 seconds");
        }

        return (uint)seconds;
    }

    /// <summary>Adds W3C trace context user properties for <paramref name="activity"/>.</summary>
    public static void AddTraceContext(MqttApplicationMessage message, Activity? activity)
    {
        if (activity?.Id is { } id && activity.IdFormat == ActivityIdFormat.W3C)
        {
            message.AddUserProperty(AioUserProperties.TraceParent, id);
            if (!string.IsNullOrEmpty(activity.TraceStateString))
            {
                message.AddUserProperty(AioUserProperties.TraceState, activity.TraceStateString);
            }
        }
    }

    /// <summary>Starts a consumer or server activity parented on the message's <c>traceparent</c> when it has one.</summary>
    public static Activity? StartReceiveActivity(string name, ActivityKind kind, MqttApplicationMessage message)
    {
        var traceParent = message.GetUserProperty(AioUserProperties.TraceParent);
        if (traceParent is not null
            && ActivityContext.TryParse(traceParent, message.GetUserProperty(AioUserProperties.TraceState), out var parent))
        {
            return ProtocolDiagnostics.ActivitySource.StartActivity(name, kind, parent);
        }

        return ProtocolDiagnostics.ActivitySource.StartActivity(name, kind);
    }

    /// <summary>Counts an error on the errors counter.</summary>
    public static void CountError(AioErrorKind kind, string component) =>
        ProtocolDiagnostics.Errors.Add(1, new KeyValuePair<string, object?>("error.kind", kind.ToString()), new KeyValuePair<string, object?>("component", component));
}
