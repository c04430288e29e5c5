using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace OrleansAio.Silo.Health.Hosting;

/// <summary>Registers the silo's health checks beyond the MQTT session's own (<c>mqtt</c>).</summary>
public static class HealthSiloBuilderExtensions
{
    /// <summary>
    /// Adds the <c>storage</c> check (the Redis or Garnet of membership and grain state answers a PING) and the <c>cluster</c>
    /// check (this silo is active in the membership). Both are readiness checks: <c>/health</c> reports them, <c>/alive</c> does not.
    /// </summary>
    /// <param name="silo">The silo builder.</param>
    /// <param name="redis">The Redis connection the silo's clustering and storage use.</param>
    /// <returns>The same builder.</returns>
    public static ISiloBuilder AddAioHealthChecks(this ISiloBuilder silo, ConfigurationOptions redis)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(redis);
        // Cloned when first resolved, after the silo host has applied Redis:Tls to the shared options.
        silo.Services.AddSingleton(_ => new StorageHealthCheck(redis.Clone()));
        silo.Services.AddHealthChecks()
            .AddCheck<StorageHealthCheck>("storage")
            .AddCheck<ClusterMembershipHealthCheck>("cluster");
        return silo;
    }
}
