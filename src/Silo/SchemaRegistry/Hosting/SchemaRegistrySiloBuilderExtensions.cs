using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OrleansAio.Grains.SchemaRegistry;
using OrleansAio.Silo.Hosting;
using OrleansAio.Silo.Security;
using OrleansAio.Silo.Mqtt;

namespace OrleansAio.Silo.SchemaRegistry.Hosting;

/// <summary>Registers the schema registry capability.</summary>
public static class SchemaRegistrySiloBuilderExtensions
{
    /// <summary>
    /// Adds the schema registry: <see cref="SchemaRegistryOptions"/> bound from the configuration section <c>SchemaRegistry</c>
    /// and validated at start (<see cref="SchemaRegistryOptions.Validate"/>; an error names the setting, e.g. <c>SchemaRegistry:MaxContentBytes</c>), and the wire endpoint
    /// <see cref="SchemaRegistryEndpoint"/>. Needs the silo's MQTT session (<c>AddAioMqttConnection</c>) and default grain storage.
    /// </summary>
    /// <param name="silo">The silo builder.</param>
    /// <param name="configure">Changes the options after configuration binding; optional.</param>
    /// <returns>The same builder.</returns>
    public static ISiloBuilder AddAioSchemaRegistry(this ISiloBuilder silo, Action<SchemaRegistryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddAioOptions(SchemaRegistryOptions.SectionName, configure, o => o.Validate());
        silo.Services.AddAioApplicationContext();
        silo.Services.AddAioRegistryAuthorization();
        silo.Services.TryAddSingleton<SchemaRegistryEndpoint>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SchemaRegistryEndpoint>());
        return silo;
    }
}
