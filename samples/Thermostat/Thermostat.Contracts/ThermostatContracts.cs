using OrleansAio.GrainsInterfaces.Rpc;

namespace OrleansAio.Samples.Thermostat;

/// <summary>The names and topics the sample registers, shared by the silo and the device.</summary>
public static class ThermostatTopics
{
    /// <summary>The command a device (or any AIO invoker) calls to change a thermostat's target temperature.</summary>
    public const string SetTargetCommand = "setTarget";

    /// <summary>The command the cluster calls on a device to read its firmware version.</summary>
    public const string GetFirmwareCommand = "getFirmware";

    /// <summary>The request topic of both commands: the executor ID is the thermostat ID.</summary>
    public const string CommandPattern = "thermostats/{executorId}/command/{commandName}";

    /// <summary>The telemetry name of temperature readings.</summary>
    public const string TemperatureTelemetry = "temperature";

    /// <summary>The telemetry topic of temperature readings.</summary>
    public const string TemperaturePattern = "thermostats/{deviceId}/temperature";
}

/// <summary>A request to change the target temperature.</summary>
/// <param name="Celsius">The new target.</param>
[GenerateSerializer, Immutable]
public sealed record SetTargetRequest([property: Id(0)] double Celsius);

/// <summary>The thermostat's answer to <see cref="SetTargetRequest"/>.</summary>
/// <param name="ThermostatId">The thermostat.</param>
/// <param name="PreviousCelsius">The target before the change.</param>
/// <param name="Celsius">The target now.</param>
/// <param name="Heating">Whether the last reading is below the new target.</param>
[GenerateSerializer, Immutable]
public sealed record SetTargetResponse(
    [property: Id(0)] string ThermostatId,
    [property: Id(1)] double PreviousCelsius,
    [property: Id(2)] double Celsius,
    [property: Id(3)] bool Heating);

/// <summary>A temperature reading sent by a device as telemetry.</summary>
/// <param name="Celsius">The temperature.</param>
[GenerateSerializer, Immutable]
public sealed record TemperatureReading([property: Id(0)] double Celsius);

/// <summary>The (empty) request of <see cref="ThermostatTopics.GetFirmwareCommand"/>.</summary>
/// <param name="Detail">Whether to include the build.</param>
[GenerateSerializer, Immutable]
public sealed record FirmwareRequest([property: Id(0)] bool Detail);

/// <summary>A device's firmware version.</summary>
/// <param name="Version">The version.</param>
[GenerateSerializer, Immutable]
public sealed record FirmwareResponse([property: Id(0)] string Version);

/// <summary>A thermostat's state as the cluster knows it.</summary>
/// <param name="ThermostatId">The thermostat.</param>
/// <param name="TargetCelsius">The target temperature.</param>
/// <param name="LastCelsius">The last reading, if any.</param>
[GenerateSerializer, Immutable]
public sealed record ThermostatStatus([property: Id(0)] string ThermostatId, [property: Id(1)] double TargetCelsius, [property: Id(2)] double? LastCelsius);

/// <summary>One thermostat: serves <see cref="ThermostatTopics.SetTargetCommand"/> for the devices keyed by its ID.</summary>
public interface IThermostatGrain : ICommandHandlerGrain<SetTargetRequest, SetTargetResponse>
{
    /// <summary>The thermostat's target and last reading.</summary>
    /// <returns>The status.</returns>
    Task<ThermostatStatus> GetStatusAsync();
}
