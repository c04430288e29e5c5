using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OrleansAio.Grains.Leasing;
using OrleansAio.Silo.Hosting;

namespace OrleansAio.Silo.Leasing;

/// <summary>Registers the leasing capability (lease grains; leader election runs on top of them) in a silo.</summary>
public static class LeasingSiloBuilderExtensions
{
    /// <summary>The configuration section of <see cref="LeaseGrainOptions"/>.</summary>
    public const string SectionName = "Leasing";

    /// <summary>
    /// Adds the lease grains' options, bound from the <c>Leasing</c> section and validated at start (an error names the setting,
    /// for instance <c>Leasing:ReobserveInterval</c>), and a system <see cref="TimeProvider"/> if none is registered.
    /// </summary>
    /// <param name="silo">The silo builder; the state store (<c>AddAioStateStore</c>) must be registered too.</param>
    /// <param name="configure">Changes the <see cref="LeaseGrainOptions"/> after the configuration is applied.</param>
    /// <returns>The same builder.</returns>
    public static ISiloBuilder AddAioLeasing(this ISiloBuilder silo, Action<LeaseGrainOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.Services.AddAioOptions(SectionName, configure, o => o.Validate());
        return silo;
    }
}
