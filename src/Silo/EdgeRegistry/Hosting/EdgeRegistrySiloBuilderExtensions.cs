using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OrleansAio.Grains.EdgeRegistry;

namespace OrleansAio.Silo.EdgeRegistry.Hosting;

/// <summary>Registers the Edge Registry capability.</summary>
public static class EdgeRegistrySiloBuilderExtensions
{
    /// <summary>
    /// Adds the Edge Registry: <see cref="EdgeRegistryOptions"/> bound from the configuration section <c>EdgeRegistry</c> and
    /// validated at start (<see cref="EdgeRegistryOptionsValidator"/>), and the wire endpoint <see cref="EdgeRegistryEndpoint"/>.
    /// Needs the silo's MQTT session (<c>AddAioMqttConnection</c>) and default grain storage.
    /// </summary>
    /// <param name="silo">The silo builder.</param>
    /// <param name="configure">Changes the options after configuration binding; optional.</param>
    /// <returns>The same builder.</returns>
    public static ISiloBuilder AddAioEdgeRegistry(this ISiloBuilder silo, Action<EdgeRegistryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var optionsBuilder = silo.Services.AddOptions<EdgeRegistryOptions>().BindConfiguration(EdgeRegistryOptions.SectionName);
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        optionsBuilder.ValidateOnStart();
        silo.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EdgeRegistryOptions>, EdgeRegistryOptionsValidator>());
        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.Services.TryAddSingleton<EdgeRegistryEndpoint>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<EdgeRegistryEndpoint>());
        return silo;
    }
}
