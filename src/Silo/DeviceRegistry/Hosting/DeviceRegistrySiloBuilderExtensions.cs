using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrleansAio.Grains.DeviceRegistry;
using OrleansAio.Silo.Rpc;

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
        var optionsBuilder = silo.Services.AddOptions<DeviceRegistryOptions>().BindConfiguration(DeviceRegistryOptions.SectionName);
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        optionsBuilder.ValidateOnStart();
        silo.Services.AddSingleton<IValidateOptions<DeviceRegistryOptions>, DeviceRegistryOptionsValidator>();
        RpcSiloBuilderExtensions.AddApplicationContext(silo.Services);
        silo.Services.AddSingleton<DeviceRegistryEndpoint>();
        silo.Services.AddSingleton<IDeviceRegistryNotificationSink>(sp => sp.GetRequiredService<DeviceRegistryEndpoint>());
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<DeviceRegistryEndpoint>());
        return silo;
    }
}

/// <summary>Validates <see cref="DeviceRegistryOptions"/> at start; the failure names the setting (<c>DeviceRegistry:MaxPayloadBytes</c>).</summary>
internal sealed class DeviceRegistryOptionsValidator : IValidateOptions<DeviceRegistryOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, DeviceRegistryOptions options) =>
        options.Validate() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
}
