using System.Text.Json;
using OrleansAio.Protocol.DeviceRegistry;
using G = OrleansAio.GrainsInterfaces.DeviceRegistry;

namespace OrleansAio.Client.DeviceRegistry;

/// <summary>
/// Converts between the wire models (<c>Protocol/DeviceRegistry</c>) and their grain-side twins (<c>Grains.Interfaces</c>), which
/// have the same JSON shape: through JSON, so a field added to both models needs no mapping code.
/// </summary>
public static class DeviceRegistryMapping
{
    /// <summary>Converts <paramref name="value"/> to the other model of the same shape.</summary>
    /// <typeparam name="TOut">The target model.</typeparam>
    /// <param name="value">The source value.</param>
    /// <returns>The converted value.</returns>
    public static TOut Convert<TOut>(object value) =>
        JsonSerializer.Deserialize<TOut>(JsonSerializer.SerializeToUtf8Bytes(value, value.GetType(), DeviceRegistryJson.Options), DeviceRegistryJson.Options)
        ?? throw new InvalidOperationException($"Converting {value.GetType().Name} to {typeof(TOut).Name} gave null");

    /// <summary>A grain error as the wire's error object.</summary>
    /// <param name="error">The grain error.</param>
    /// <param name="now">The time of the error.</param>
    /// <returns>The wire error.</returns>
    public static AkriServiceError ToWire(G.DeviceRegistryError error, DateTimeOffset now) => new()
    {
        Code = (AkriServiceErrorCode)(int)error.Code,
        Message = error.Message,
        Timestamp = now,
    };
}
