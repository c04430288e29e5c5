using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace OrleansAio.Silo.Health;

/// <summary>The <c>cluster</c> health check: this silo is <see cref="SiloStatus.Active"/> in the cluster's membership.</summary>
internal sealed class ClusterMembershipHealthCheck(IClusterMembershipService membership, ILocalSiloDetails localSilo) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var snapshot = membership.CurrentSnapshot;
        var status = snapshot.GetSiloStatus(localSilo.SiloAddress);
        var active = snapshot.Members.Values.Count(m => m.Status == SiloStatus.Active);
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy($"silo {localSilo.SiloAddress} is active; {active} active silo(s) in the cluster")
            : HealthCheckResult.Unhealthy($"silo {localSilo.SiloAddress} is {status} in the cluster"));
    }
}
