using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrleansAio.Silo.Hosting;

namespace OrleansAio.Silo.Security.Hosting;

/// <summary>Registers TLS to the silo's external Redis (membership and grain storage).</summary>
public static class RedisTlsSiloBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="RedisTlsOptions"/> from <c>Redis:Tls</c>, validated at start (<c>Redis:Tls:CaFile: '/x.pem' does not exist</c>),
    /// and <see cref="RedisTls"/>, which the silo host applies to the Redis connection options of membership, storage and the
    /// <c>storage</c> health check before any of them connects.
    /// </summary>
    /// <param name="silo">The silo builder.</param>
    /// <param name="configure">Changes the options after the configuration; optional.</param>
    /// <returns>The same builder.</returns>
    public static ISiloBuilder AddAioRedisTls(this ISiloBuilder silo, Action<RedisTlsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddAioOptions(RedisTlsOptions.SectionName, configure, o => o.Validate());
        silo.Services.AddSingleton(sp => new RedisTls(sp.GetRequiredService<IOptions<RedisTlsOptions>>().Value.Load()));
        return silo;
    }
}

/// <summary>The silo's loaded Redis TLS credentials (disposed with the container).</summary>
/// <param name="credentials">The credentials, or <see langword="null"/> without TLS.</param>
public sealed class RedisTls(RedisTlsCredentials? credentials) : IDisposable
{
    /// <summary>The credentials, or <see langword="null"/> without TLS.</summary>
    public RedisTlsCredentials? Credentials => credentials;

    /// <inheritdoc />
    public void Dispose() => credentials?.Dispose();
}
