using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OrleansAio.Grains.Telemetry;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Protocol.Serialization;
using OrleansAio.Silo.Hosting;
using OrleansAio.Silo.Mqtt;

namespace OrleansAio.Silo.Telemetry;

/// <summary>How the cluster handles one telemetry topic (<c>AddAioTelemetry</c>).</summary>
public sealed class AioTelemetryOptions
{
    /// <summary>The topic pattern, for example <c>thermostats/{deviceId}/temperature</c>. Required.</summary>
    public string TopicPattern { get; set; } = string.Empty;

    /// <summary>The token whose value keys the topic grain (default <c>senderId</c>).</summary>
    public string KeyToken { get; set; } = "senderId";

    /// <summary>An optional topic namespace.</summary>
    public string? TopicNamespace { get; set; }

    /// <summary>Resident values of the pattern's other tokens.</summary>
    public Dictionary<string, string> TopicTokenMap { get; } = new(StringComparer.Ordinal);

    /// <summary>The payload serializer (default JSON).</summary>
    public IPayloadSerializer Serializer { get; set; } = new JsonPayloadSerializer();

    /// <summary>Whether the silos subscribe and deliver received messages to the grains (default true; false: send only).</summary>
    public bool Receive { get; set; } = true;

    /// <summary>The silos' shared subscription group (default <c>orleans-aio-telemetry-{name}</c>).</summary>
    public string? ServiceGroupId { get; set; }

    /// <summary>The message expiry of sent telemetry (default 10 s).</summary>
    public TimeSpan TelemetryTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether telemetry the cluster sends carries the sender's W3C trace context as <c>traceparent</c>/<c>tracestate</c> user
    /// properties. Default <see langword="true"/>; a receiver that ignores them still works.
    /// </summary>
    public bool PropagateTraceContext { get; set; } = true;
}

/// <summary>Registers AIO telemetry topics served by <c>ITelemetryTopicGrain&lt;T&gt;</c> grains.</summary>
public static class TelemetrySiloBuilderExtensions
{
    /// <summary>The configuration section prefix of a telemetry topic's options: <c>Telemetry:{telemetryName}</c>.</summary>
    public const string TelemetrySection = "Telemetry:";

    /// <summary>
    /// Registers a telemetry topic: grains keyed <c>{telemetryName}/{key token value}</c> send on it and, unless
    /// <see cref="AioTelemetryOptions.Receive"/> is false, every silo subscribes in a shared group and delivers each message to the
    /// grain for its key before acknowledging it.
    /// </summary>
    /// <typeparam name="T">The payload type (Orleans-serializable and handled by the options' serializer).</typeparam>
    /// <param name="silo">The silo builder; the shared MQTT session must be registered.</param>
    /// <param name="telemetryName">The telemetry name (no <c>/</c>).</param>
    /// <param name="configure">Sets the topic pattern, key token and serializer.</param>
    /// <returns>The same builder.</returns>
    public static ISiloBuilder AddAioTelemetry<T>(this ISiloBuilder silo, string telemetryName, Action<AioTelemetryOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(configure);
        silo.Services.AddAioOptions(TelemetrySection + telemetryName, configure, o => ToRegistration<T>(telemetryName, o).Validate(), telemetryName);
        silo.Services.AddAioApplicationContext();
        silo.Services.AddSingleton<TelemetryTopicRegistration>(sp =>
            ToRegistration<T>(telemetryName, sp.GetRequiredService<IOptionsMonitor<AioTelemetryOptions>>().Get(telemetryName)));
        silo.Services.TryAddSingleton<TelemetryTopics>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => new TelemetryReceiverHost<T>(
            (TelemetryTopicRegistration<T>)sp.GetServices<TelemetryTopicRegistration>().First(r => r.TelemetryName == telemetryName),
            sp.GetRequiredService<IGrainFactory>(),
            sp.GetRequiredService<IMqttPubSubClient>(),
            sp.GetRequiredService<ApplicationContext>(),
            sp.GetRequiredService<ILoggerFactory>()));
        return silo;
    }

    private static TelemetryTopicRegistration<T> ToRegistration<T>(string telemetryName, AioTelemetryOptions options) => new()
    {
        TelemetryName = telemetryName,
        TopicPattern = options.TopicPattern,
        KeyToken = options.KeyToken,
        TopicNamespace = options.TopicNamespace,
        TopicTokenMap = new Dictionary<string, string>(options.TopicTokenMap, StringComparer.Ordinal),
        Serializer = options.Serializer,
        Receive = options.Receive,
        ServiceGroupId = options.ServiceGroupId,
        TelemetryTimeout = options.TelemetryTimeout,
        PropagateTraceContext = options.PropagateTraceContext,
    };
}
