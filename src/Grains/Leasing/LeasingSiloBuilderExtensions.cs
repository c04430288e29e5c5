using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace OrleansAio.Grains.Leasing;

/// <summary>Registers the leasing capability (lease grains; leader election runs on top of them) in a silo.</summary>
public static class LeasingSiloBuilderExtensions
{
    /// <summary>Adds the lease grains' options (validated at first use) and a system <see cref="TimeProvider"/> if none is registered.</summary>
    /// <param name="silo">The silo builder.</param>
    /// <param name="configure">Changes the <see cref="LeaseGrainOptions"/> defaults.</param>
    /// <returns>The same builder.</returns>
    public static ISiloBuilder AddAioLeasing(this ISiloBuilder silo, Action<LeaseGrainOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.TryAddSingleton(TimeProvider.System);
        var options = silo.Services.AddOptions<LeaseGrainOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        silo.Services.AddSingleton<IValidateOptions<LeaseGrainOptions>, LeaseGrainOptionsValidator>();
        return silo;
    }

    private sealed class LeaseGrainOptionsValidator : IValidateOptions<LeaseGrainOptions>
    {
        public ValidateOptionsResult Validate(string? name, LeaseGrainOptions options)
        {
            try
            {
                options.Validate();
                return ValidateOptionsResult.Success;
            }
            catch (ArgumentOutOfRangeException ex)
            {
                return ValidateOptionsResult.Fail(ex.Message);
            }
        }
    }
}
