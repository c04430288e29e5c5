using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OrleansAio.Grains.EdgeRegistry;
using OrleansAio.Silo.Hosting;
using OrleansAio.Silo.Mqtt;
using OrleansAio.Silo.Security;

namespace OrleansAio.Silo.EdgeRegistry.Hosting;

/// <summary>Registers the Edge Registry capability.</summary>
public static class EdgeRegistrySiloBuilderExtensions
{
    /// <summary>
    /// Adds the Edge Registry: <see cref="EdgeRegistryOptions"/> bound from the configuration section <c>EdgeRegistry</c> and
    /// validated at start (<see cref="EdgeRegistryOptions.Validate"/>; an error names the setting, e.g. <c>EdgeRegistry:MaxDocumentBytes</c>), and the wire endpoint <see cref="EdgeRegistryEndpoint"/>, whose writers are restricted by <c>Registries:Authorization:EdgeRegistry</c>.
    /// Needs the silo's MQTT session (<c>AddAioMqttConnection</c>) and default grain storage.
    /// </summary>
    /// <param name="silo">The silo builder.</param>
    /// <param name="configure">Changes the options after configuration binding; optional.</param>
    /// <returns>The same builder.</returns>
    public static ISiloBuilder AddAioEdgeRegistry(this ISiloBuilder silo, Action<EdgeRegistryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddAioOptions(EdgeRegistryOptions.SectionName, configure, o => o.Validate());
        silo.Services.AddAioApplicationContext();
        silo.Services.AddAioRegistryAuthorization();
        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.Services.TryAddSingleton<EdgeRegistryEndpoint>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<EdgeRegistryEndpoint>());
        return silo;
    }
}
