namespace OrleansAio.GrainsInterfaces.Telemetry;

/// <summary>An Orleans client (or grain) observing a telemetry topic grain.</summary>
/// <typeparam name="T">The payload type.</typeparam>
public interface ITelemetryObserver<T> : IGrainObserver
{
    /// <summary>Called for every message the topic grain receives.</summary>
    /// <param name="message">The message.</param>
    /// <returns>A task that completes when the observer has taken it.</returns>
    Task OnTelemetryAsync(TelemetryMessage<T> message);
}
