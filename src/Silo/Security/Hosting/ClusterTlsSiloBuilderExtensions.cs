using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansAio.Client.Security;
using OrleansAio.Silo.Hosting;

namespace OrleansAio.Silo.Security.Hosting;

/// <summary>Registers TLS on the silo's own connections: silo to silo, and Orleans clients to its gateway.</summary>
public static class ClusterTlsSiloBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="ClusterTlsOptions"/> from <c>Cluster:Tls</c> (validated at start: <c>Cluster:Tls:CertFile: '/x.pfx' does not
    /// exist</c>) and, when <c>Enabled</c>, TLS with Microsoft.Orleans.Connections.Security on the silo port (both sides present a
    /// certificate that chains to <c>CaFile</c>), on outbound silo connections, and on the gateway (client certificates required
    /// unless <c>RequireClientCertificate</c> is false).
    /// </summary>
    /// <param name="silo">The silo builder.</param>
    /// <param name="configure">Changes the options after the configuration; optional.</param>
    /// <returns>The same builder.</returns>
    public static ISiloBuilder AddAioClusterTls(this ISiloBuilder silo, Action<ClusterTlsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddAioOptions(ClusterTlsOptions.SectionName, configure, o => o.Validate(silo: true));
        silo.Services.AddSingleton(sp => new SiloClusterTls(sp.GetRequiredService<IOptions<ClusterTlsOptions>>().Value.Load(silo: true)));
        silo.Services.AddOptions<SiloConnectionOptions>().Configure<SiloClusterTls, ILoggerFactory>((connections, tls, loggers) =>
        {
            if (tls.Credentials is not { } credentials)
            {
                return;
            }

            var logger = loggers.CreateLogger(typeof(ClusterTlsCredentials).FullName!);
            var siloInbound = credentials.ServerOptions(requirePeerCertificate: true, logger);
            var gatewayInbound = credentials.ServerOptions(credentials.RequireClientCertificate, logger);
            var outbound = credentials.ClientOptions(logger);
            connections.ConfigureSiloInboundConnection(connection => connection.UseServerTls(siloInbound));
            connections.ConfigureGatewayInboundConnection(connection => connection.UseServerTls(gatewayInbound));
            connections.ConfigureSiloOutboundConnection(connection => connection.UseClientTls(outbound));
        });
        return silo;
    }

    /// <summary>The silo's loaded credentials (one load per silo; disposed with the container).</summary>
    /// <param name="credentials">The credentials, or <see langword="null"/> without TLS.</param>
    internal sealed class SiloClusterTls(ClusterTlsCredentials? credentials) : IDisposable
    {
        /// <summary>The credentials, or <see langword="null"/> without TLS.</summary>
        public ClusterTlsCredentials? Credentials => credentials;

        /// <inheritdoc />
        public void Dispose() => credentials?.Dispose();
    }
}
