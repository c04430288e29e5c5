using Microsoft.Extensions.DependencyInjection;
using OrleansAio.Grains.DeviceRegistry;
using OrleansAio.Silo.Hosting;
using OrleansAio.Silo.Security;
using OrleansAio.Silo.Mqtt;

namespace OrleansAio.Silo.DeviceRegistry.Hosting;

/// <summary>Registers the device registry (ADR) capability.</summary>
public static class DeviceRegistrySiloBuilderExtensions
{
    /// <summary>
    /// Adds the device registry: <see cref="DeviceRegistryOptions"/> bound from the configuration section <c>DeviceRegistry</c>
    /// and validated at start, and the wire endpoint <see cref="DeviceRegistryEndpoint"/> (ADR commands, health events, update
    /// events, start-up definition files). Needs the silo's MQTT session (<c>AddAioMqttConnection</c>) and default grain storage.
    /// </summary>
    /// <param name="silo">The silo builder.</param>
    /// <param name="configure">Changes the options after binding; optional.</param>
    /// <returns>The same builder.</returns>
    public static ISiloBuilder AddAioDeviceRegistry(this ISiloBuilder silo, Action<DeviceRegistryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddAioOptions(DeviceRegistryOptions.SectionName, configure, ThrowIfInvalid);
        silo.Services.AddAioApplicationContext();
        silo.Services.AddAioRegistryAuthorization();
        silo.Services.AddSingleton<DeviceRegistryEndpoint>();
        silo.Services.AddSingleton<IDeviceRegistryNotificationSink>(sp => sp.GetRequiredService<DeviceRegistryEndpoint>());
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<DeviceRegistryEndpoint>());
        return silo;
    }

    // DeviceRegistryOptions.Validate says "DeviceRegistry:Key: problem"; AddAioOptions wants the key and the problem.
    private static void ThrowIfInvalid(DeviceRegistryOptions options)
    {
        if (options.Validate() is { } failure)
        {
            var (setting, problem) = AioOptions.SplitFailure(failure);
            throw new ArgumentException(problem, setting[(DeviceRegistryOptions.SectionName.Length + 1)..]);
        }
    }
}
