using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Protocol.Telemetry;

namespace OrleansAio.Grains.Telemetry;

/// <summary>
/// The silo's registered telemetry topics and their senders: one <see cref="TelemetrySender{T}"/> per topic, created on first use
/// on the silo's shared MQTT session and shared by every topic grain activated on the silo.
/// </summary>
public sealed class TelemetryTopics : IAsyncDisposable
{
    private readonly Dictionary<string, TelemetryTopicRegistration> registrations;
    private readonly ApplicationContext context;
    private readonly IMqttPubSubClient mqttClient;
    private readonly ILoggerFactory loggerFactory;
    private readonly ConcurrentDictionary<string, Lazy<IAsyncDisposable>> senders = new(StringComparer.Ordinal);

    /// <summary>Creates the set.</summary>
    /// <param name="registrations">The registered topics.</param>
    /// <param name="context">The silo's application context.</param>
    /// <param name="mqttClient">The shared MQTT session.</param>
    /// <param name="loggerFactory">Logging.</param>
    public TelemetryTopics(IEnumerable<TelemetryTopicRegistration> registrations, ApplicationContext context, IMqttPubSubClient mqttClient, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(registrations);
        this.registrations = [];
        foreach (var registration in registrations)
        {
            registration.Validate();
            if (!this.registrations.TryAdd(registration.TelemetryName, registration))
            {
                throw new ArgumentException($"The telemetry topic '{registration.TelemetryName}' is registered twice.", nameof(registrations));
            }
        }

        this.context = context;
        this.mqttClient = mqttClient;
        this.loggerFactory = loggerFactory;
    }

    /// <summary>The registration named <paramref name="telemetryName"/> for payload type <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The payload type the caller uses.</typeparam>
    /// <param name="telemetryName">The telemetry name.</param>
    /// <returns>The registration.</returns>
    /// <exception cref="AioProtocolException">No such topic is registered, or with another payload type.</exception>
    public TelemetryTopicRegistration<T> Get<T>(string telemetryName)
    {
        if (!registrations.TryGetValue(telemetryName, out var registration))
        {
            throw AioProtocolException.ConfigurationInvalid(
                "telemetryName", telemetryName, $"no telemetry topic '{telemetryName}' is registered (call AddAioTelemetry on the silo builder)");
        }

        return registration as TelemetryTopicRegistration<T> ?? throw AioProtocolException.ConfigurationInvalid(
            "telemetryName", telemetryName, $"the telemetry topic '{telemetryName}' carries {registration.PayloadType.Name}, not {typeof(T).Name}");
    }

    /// <summary>The silo's sender for <paramref name="telemetryName"/>.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="telemetryName">The telemetry name.</param>
    /// <returns>The sender.</returns>
    public TelemetrySender<T> GetSender<T>(string telemetryName)
    {
        var registration = Get<T>(telemetryName);
        var lazy = senders.GetOrAdd(telemetryName, _ => new Lazy<IAsyncDisposable>(() => registration.CreateSender(context, mqttClient, loggerFactory)));
        return (TelemetrySender<T>)lazy.Value;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var lazy in senders.Values)
        {
            if (lazy.IsValueCreated)
            {
                await lazy.Value.DisposeAsync();
            }
        }

        senders.Clear();
    }
}
