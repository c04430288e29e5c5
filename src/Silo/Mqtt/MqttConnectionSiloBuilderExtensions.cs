using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Connection;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Protocol.Session;
using OrleansAio.Silo.Failover;

namespace OrleansAio.Silo.Mqtt;

/// <summary>Registers the silo's shared MQTT session.</summary>
public static class MqttConnectionSiloBuilderExtensions
{
    /// <summary>
    /// Adds the silo's one MQTT session: <see cref="IMqttPubSubClient"/> for every capability, connected early in the silo
    /// lifecycle, disconnected late, reported by the <c>mqtt</c> health check.
    /// </summary>
    /// <param name="silo">The silo builder.</param>
    /// <param name="settings">Where the broker is and how to authenticate.</param>
    /// <param name="settingName">The configuration key the settings came from, named in start-up errors.</param>
    /// <param name="sessionOptions">Reconnection and queue options; the defaults when <see langword="null"/>.</param>
    /// <returns>The same builder.</returns>
    public static ISiloBuilder AddAioMqttConnection(
        this ISiloBuilder silo, MqttConnectionSettings settings, string settingName, MqttSessionClientOptions? sessionOptions = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(settings);
        silo.Services.AddSingleton(sp => new SiloMqttConnection(
            settings,
            settingName,
            sessionOptions ?? new MqttSessionClientOptions(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System));
        silo.Services.AddSingleton(sp => new SharedSubscriptionLedger(sp.GetRequiredService<SiloMqttConnection>().Client));
        silo.Services.AddSingleton<IMqttPubSubClient>(sp => sp.GetRequiredService<SharedSubscriptionLedger>());
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SiloMqttConnection>());
        silo.Services.AddHealthChecks().AddCheck<SiloMqttConnection>("mqtt");
        silo.Services.AddAioApplicationContext();
        return silo;
    }

    /// <summary>
    /// Registers the silo's one <see cref="ApplicationContext"/> (the application hybrid logical clock and the time source every
    /// envoy of the silo shares) unless one is registered.
    /// </summary>
    /// <param name="services">The silo's services.</param>
    /// <returns>The same services.</returns>
    public static IServiceCollection AddAioApplicationContext(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new ApplicationContext(sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
