using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OrleansAio.Silo.Hosting;

namespace OrleansAio.Silo.Failover;

/// <summary>Registers the failover of MQTT sessions: a survivor takes over the persistent session of a dead silo.</summary>
public static class FailoverSiloBuilderExtensions
{
    /// <summary>The configuration section of <see cref="SessionTakeoverOptions"/>.</summary>
    public const string SectionName = "Failover";

    /// <summary>
    /// Adds the session takeover: every silo watches Orleans membership, and when a silo is declared dead the lowest active silo
    /// takes over its MQTT session (see <see cref="DeadSiloSessionTakeover"/>). Does nothing with the embedded broker, where each
    /// silo has its own broker. Adds, with either broker, the retry of grain calls whose target silo cannot be reached
    /// (<see cref="UnavailableSiloRetryFilter"/>). Options bind from <c>Failover</c> and are validated at start
    /// (<c>Failover:QuietPeriod</c>...).
    /// </summary>
    /// <param name="silo">The silo builder; the shared MQTT session (<c>AddAioMqttConnection</c>) must be registered too.</param>
    /// <param name="configure">Changes the options after the configuration is applied.</param>
    /// <returns>The same builder.</returns>
    public static ISiloBuilder AddAioFailover(this ISiloBuilder silo, Action<SessionTakeoverOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.Services.AddAioOptions(SectionName, configure, o => o.Validate());
        silo.Services.TryAddSingleton<SessionTakeover>();
        silo.Services.TryAddSingleton<DeadSiloSessionTakeover>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<DeadSiloSessionTakeover>());
        silo.Services.TryAddSingleton<UnavailableSiloRetryFilter>();
        silo.Services.AddSingleton<IOutgoingGrainCallFilter>(sp => sp.GetRequiredService<UnavailableSiloRetryFilter>());
        silo.Services.AddSingleton<IIncomingGrainCallFilter>(sp => sp.GetRequiredService<UnavailableSiloRetryFilter>());
        return silo;
    }
}
