using OrleansAio.Silo.DeviceRegistry.Hosting;
using OrleansAio.Silo.EdgeRegistry.Hosting;
using OrleansAio.Silo.Failover;
using OrleansAio.Silo.Leasing;
using OrleansAio.Silo.SchemaRegistry.Hosting;
using OrleansAio.Silo.StateStore;

namespace OrleansAio.Silo.Hosting;

/// <summary>The one place where the silo's AIO capabilities (state store, leases, commands, telemetry...) are registered.</summary>
public static class AioCapabilities
{
    /// <summary>
    /// Adds every AIO capability the silo serves. Each capability brings its own <c>Hosting/</c> extension method; the silo host
    /// and the multi-silo test fixtures both call this, so what is tested is what runs.
    /// </summary>
    /// <param name="silo">The silo builder; the shared MQTT session (<c>AddAioMqttConnection</c>) must be registered too.</param>
    /// <returns>The same builder.</returns>
    public static ISiloBuilder AddAioCapabilities(this ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.AddAioStateStore();
        silo.AddAioLeasing();
        silo.AddAioSchemaRegistry();
        silo.AddAioEdgeRegistry();
        silo.AddAioDeviceRegistry();
        silo.AddAioFailover();
        return silo;
    }
}
