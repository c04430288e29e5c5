using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansAio.Grains.StateStore;
using OrleansAio.Silo.Hosting;
using OrleansAio.Silo.Mqtt;

namespace OrleansAio.Silo.StateStore;

/// <summary>Registers the state store (key grains, version clock, wire endpoint) in a silo.</summary>
public static class StateStoreSiloBuilderExtensions
{
    /// <summary>The configuration section of <see cref="StateStoreOptions"/>.</summary>
    public const string SectionName = "StateStore";

    /// <summary>
    /// Adds the state store: <see cref="StateStoreOptions"/> bound from the <c>StateStore</c> section and validated at start
    /// (an error names the setting, for instance <c>StateStore:MaxKeyBytes</c>), the version clock, and the wire endpoint.
    /// </summary>
    /// <param name="silo">The silo builder; the shared MQTT session (<c>AddAioMqttConnection</c>) must be registered too.</param>
    /// <param name="configure">Changes the options after the configuration is applied.</param>
    /// <returns>The same builder.</returns>
    public static ISiloBuilder AddAioStateStore(this ISiloBuilder silo, Action<StateStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddAioOptions(SectionName, configure, o => o.Validate());
        silo.Services.AddAioApplicationContext();
        silo.Services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<IOptions<StateStoreOptions>>().Value;
            var nodeId = settings.VersionNodeId ?? sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId.Replace(':', '-');
            return new StateStoreVersionClock(sp.GetService<TimeProvider>() ?? TimeProvider.System, nodeId);
        });
        silo.Services.AddAioOptions<StateStoreAuthorizationOptions>(StateStoreAuthorizationOptions.SectionName, null, o => o.Validate());
        silo.Services.AddSingleton<StateStoreAuthorizer>();
        silo.Services.AddSingleton<StateStoreEndpoint>();
        silo.Services.AddSingleton<IStateStoreNotificationSink>(sp => sp.GetRequiredService<StateStoreEndpoint>());
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<StateStoreEndpoint>());
        silo.Services.AddSingleton<StateStoreReclaimer>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<StateStoreReclaimer>());
        return silo;
    }
}
