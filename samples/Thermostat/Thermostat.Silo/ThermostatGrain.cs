using OrleansAio.GrainsInterfaces.Rpc;
using OrleansAio.GrainsInterfaces.Telemetry;

namespace OrleansAio.Samples.Thermostat;

/// <summary>The persisted state of a thermostat.</summary>
[GenerateSerializer]
public sealed class ThermostatState
{
    /// <summary>The target temperature (default 20 °C).</summary>
    [Id(0)]
    public double TargetCelsius { get; set; } = 20;
}

/// <summary>
/// A thermostat: keeps its target temperature in grain storage and reads its last temperature from the telemetry topic grain
/// of the same device.
/// </summary>
/// <param name="state">The persisted target.</param>
public sealed class ThermostatGrain([PersistentState("thermostat")] IPersistentState<ThermostatState> state) : Grain, IThermostatGrain
{
    /// <inheritdoc />
    public async Task<AioCommandResponse<SetTargetResponse>> ExecuteCommandAsync(AioCommandRequest<SetTargetRequest> request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Request is not { } target || target.Celsius is < 5 or > 35)
        {
            // An application error: a successful response that says what is wrong (ADR 0021).
            return AioCommandResponse<SetTargetResponse>.From(null)
                .WithApplicationError("OutOfRange", $"{{\"min\":5,\"max\":35,\"requested\":{request.Request?.Celsius ?? 0}}}");
        }

        var previous = state.State.TargetCelsius;
        state.State.TargetCelsius = target.Celsius;
        await state.WriteStateAsync(cancellationToken);
        var last = await LastCelsiusAsync();
        return AioCommandResponse<SetTargetResponse>.From(
            new SetTargetResponse(this.GetPrimaryKeyString(), previous, target.Celsius, last < target.Celsius));
    }

    /// <inheritdoc />
    public async Task<ThermostatStatus> GetStatusAsync() =>
        new(this.GetPrimaryKeyString(), state.State.TargetCelsius, await LastCelsiusAsync());

    private async Task<double?> LastCelsiusAsync()
    {
        var telemetry = GrainFactory.GetGrain<ITelemetryTopicGrain<TemperatureReading>>(
            TelemetryTopicKey.Format(ThermostatTopics.TemperatureTelemetry, this.GetPrimaryKeyString()));
        return (await telemetry.GetLastAsync())?.Value?.Celsius;
    }
}
