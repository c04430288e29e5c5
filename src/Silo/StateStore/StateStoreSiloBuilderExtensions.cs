using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansAio.Grains.StateStore;

namespace OrleansAio.Silo.StateStore;

/// <summary>Registers the state store capability.</summary>
public static class StateStoreSiloBuilderExtensions
{
    /// <summary>
    /// Adds the state store: <see cref="StateStoreOptions"/> (validated), the silo's <see cref="StateStoreVersionClock"/> (node id =
    /// the Orleans service id unless configured) and the wire endpoint <see cref="StateStoreEndpoint"/>. Needs the silo's MQTT
    /// session (<c>AddAioMqttConnection</c>) and default grain storage.
    /// </summary>
    /// <param name="silo">The silo builder.</param>
    /// <param name="configure">Changes the options; optional.</param>
    /// <returns>The same builder.</returns>
    public static ISiloBuilder AddAioStateStore(this ISiloBuilder silo, Action<StateStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var optionsBuilder = silo.Services.AddOptions<StateStoreOptions>();
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        optionsBuilder.Validate(
            o =>
            {
                o.Validate();
                return true;
            },
            "invalid state store options");
        silo.Services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<IOptions<StateStoreOptions>>().Value;
            var nodeId = settings.VersionNodeId ?? sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId.Replace(':', '-');
            return new StateStoreVersionClock(sp.GetService<TimeProvider>() ?? TimeProvider.System, nodeId);
        });
        silo.Services.AddSingleton<StateStoreEndpoint>();
        silo.Services.AddSingleton<IStateStoreNotificationSink>(sp => sp.GetRequiredService<StateStoreEndpoint>());
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<StateStoreEndpoint>());
        return silo;
    }
}
