using OrleansAio.Silo.Rpc;
using OrleansAio.Silo.Telemetry;

namespace OrleansAio.Samples.Thermostat;

/// <summary>The sample's registrations on top of the standard silo.</summary>
public static class ThermostatSilo
{
    /// <summary>
    /// Serves <c>setTarget</c> with <see cref="IThermostatGrain"/>, receives temperature telemetry into topic grains, and lets the
    /// cluster call <c>getFirmware</c> on devices.
    /// </summary>
    /// <param name="silo">The silo builder.</param>
    public static void Configure(ISiloBuilder silo)
    {
        silo.AddAioCommand<SetTargetRequest, SetTargetResponse, IThermostatGrain>(ThermostatTopics.SetTargetCommand, options =>
        {
            options.RequestTopicPattern = ThermostatTopics.CommandPattern;
            options.KeyToken = "executorId";
            options.ExecutionTimeout = TimeSpan.FromSeconds(5);
        });
        silo.AddAioTelemetry<TemperatureReading>(ThermostatTopics.TemperatureTelemetry, options =>
        {
            options.TopicPattern = ThermostatTopics.TemperaturePattern;
            options.KeyToken = "deviceId";
        });
        silo.AddAioCommandInvoker<FirmwareRequest, FirmwareResponse>(ThermostatTopics.GetFirmwareCommand, options =>
            options.RequestTopicPattern = ThermostatTopics.CommandPattern);
    }
}
