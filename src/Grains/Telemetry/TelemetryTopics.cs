using Microsoft.Extensions.Logging;
using OrleansAio.Grains.Envoys;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Protocol.Telemetry;

namespace OrleansAio.Grains.Telemetry;

/// <summary>
/// The silo's registered telemetry topics and their senders: one <see cref="TelemetrySender{T}"/> per topic, created on first use
/// on the silo's shared MQTT session and shared by every topic grain activated on the silo.
/// </summary>
public sealed class TelemetryTopics(IEnumerable<TelemetryTopicRegistration> registrations, ApplicationContext context, IMqttPubSubClient mqttClient, ILoggerFactory loggerFactory)
    : EnvoyRegistry<TelemetryTopicRegistration>(Validated(registrations), r => r.TelemetryName, "telemetry topic", "telemetryName", "AddAioTelemetry", context, mqttClient, loggerFactory)
{
    /// <summary>The registration of <paramref name="telemetryName"/>.</summary>
    /// <typeparam name="T">The payload type it was registered with.</typeparam>
    /// <param name="telemetryName">The telemetry name.</param>
    /// <returns>The registration.</returns>
    /// <exception cref="AioProtocolException">No topic is registered under that name, or with another payload type (<c>invalid configuration</c>).</exception>
    public TelemetryTopicRegistration<T> Get<T>(string telemetryName)
    {
        var registration = Find(telemetryName);
        return registration as TelemetryTopicRegistration<T> ?? throw AioProtocolException.ConfigurationInvalid(
            "telemetryName", telemetryName, $"the telemetry topic '{telemetryName}' carries {registration.PayloadType.Name}, not {typeof(T).Name}");
    }

    /// <summary>The sender of <paramref name="telemetryName"/>, created on first use.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="telemetryName">The telemetry name.</param>
    /// <returns>The sender.</returns>
    public TelemetrySender<T> GetSender<T>(string telemetryName)
    {
        var registration = Get<T>(telemetryName);
        return GetOrCreateEnvoy(telemetryName, () => (TelemetrySender<T>)registration.CreateSender(Context, MqttClient, LoggerFactory));
    }

    private static IEnumerable<TelemetryTopicRegistration> Validated(IEnumerable<TelemetryTopicRegistration> registrations)
    {
        ArgumentNullException.ThrowIfNull(registrations);
        var all = registrations.ToList();
        all.ForEach(r => r.Validate());
        return all;
    }
}
