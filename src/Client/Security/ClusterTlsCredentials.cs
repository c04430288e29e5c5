using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Orleans.Connections.Security;

namespace OrleansAio.Client.Security;

/// <summary>
/// The loaded certificate and CA certificates of <see cref="ClusterTlsOptions"/>, turned into Orleans' <see cref="TlsOptions"/> for
/// each kind of connection (silo inbound, gateway inbound, outbound).
/// </summary>
public sealed partial class ClusterTlsCredentials : IDisposable
{
    private readonly TimeSpan handshakeTimeout;

    /// <summary>Creates the credentials.</summary>
    /// <param name="certificate">This side's certificate with its private key, or <see langword="null"/> (a client without one).</param>
    /// <param name="authorities">The CA certificates peers must chain to.</param>
    /// <param name="handshakeTimeout">The TLS handshake timeout.</param>
    /// <param name="requireClientCertificate">Whether a gateway requires Orleans clients to present a certificate.</param>
    public ClusterTlsCredentials(X509Certificate2? certificate, X509Certificate2Collection authorities, TimeSpan handshakeTimeout, bool requireClientCertificate)
    {
        ArgumentNullException.ThrowIfNull(authorities);
        Certificate = certificate;
        Authorities = authorities;
        this.handshakeTimeout = handshakeTimeout;
        RequireClientCertificate = requireClientCertificate;
    }

    /// <summary>This side's certificate, or <see langword="null"/>.</summary>
    public X509Certificate2? Certificate { get; }

    /// <summary>The CA certificates peers must chain to.</summary>
    public X509Certificate2Collection Authorities { get; }

    /// <summary>Whether a gateway requires Orleans clients to present a certificate.</summary>
    public bool RequireClientCertificate { get; }

    /// <summary>Options of an accepting side: a silo's silo port (<paramref name="requirePeerCertificate"/>) or its gateway.</summary>
    /// <param name="requirePeerCertificate">Whether the connecting peer must present a certificate.</param>
    /// <param name="logger">Where refused peers are reported, or <see langword="null"/>.</param>
    /// <returns>Orleans' TLS options.</returns>
    public TlsOptions ServerOptions(bool requirePeerCertificate, ILogger? logger)
    {
        var certificate = Certificate ?? throw new InvalidOperationException("A silo needs its certificate (Cluster:Tls:CertFile).");
        return new TlsOptions
        {
            LocalCertificate = certificate,
            RemoteCertificateMode = requirePeerCertificate ? RemoteCertificateMode.RequireCertificate : RemoteCertificateMode.AllowCertificate,
            RemoteCertificateValidation = CreateValidator("client", logger),
            HandshakeTimeout = handshakeTimeout,
        };
    }

    /// <summary>Options of a connecting side: a silo's connections to other silos, or an Orleans client's to gateways.</summary>
    /// <param name="logger">Where refused peers are reported, or <see langword="null"/>.</param>
    /// <returns>Orleans' TLS options.</returns>
    public TlsOptions ClientOptions(ILogger? logger) => new()
    {
        LocalCertificate = Certificate,
        ClientCertificateMode = Certificate is null ? RemoteCertificateMode.NoCertificate : RemoteCertificateMode.RequireCertificate,
        RemoteCertificateMode = RemoteCertificateMode.RequireCertificate,
        RemoteCertificateValidation = CreateValidator("server", logger),
        HandshakeTimeout = handshakeTimeout,
    };

    /// <inheritdoc />
    public void Dispose()
    {
        Certificate?.Dispose();
        foreach (var authority in Authorities)
        {
            authority.Dispose();
        }
    }

    // The host name is not checked (silos are reached by membership addresses); the private CA is what authenticates a peer.
    private RemoteCertificateValidator CreateValidator(string peer, ILogger? logger) => (certificate, chain, errors) =>
    {
        if (TlsCertificateFiles.ChainsTo(certificate, chain, Authorities, out var problem))
        {
            return true;
        }

        if (logger is not null)
        {
            LogPeerRefused(logger, peer, problem!, TlsCertificateFiles.Describe(errors & ~SslPolicyErrors.RemoteCertificateNameMismatch));
        }

        return false;
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster TLS: refused a {Peer} certificate: {Problem} (TLS stack: {Errors}); Cluster:Tls:CaFile names the trusted CA")]
    private static partial void LogPeerRefused(ILogger logger, string peer, string problem, string errors);
}
