using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using OrleansAio.Client.Security;
using StackExchange.Redis;

namespace OrleansAio.Silo.Security;

/// <summary>
/// The loaded files of <see cref="RedisTlsOptions"/>, applied to a StackExchange.Redis <see cref="ConfigurationOptions"/>; remembers
/// why it last refused the server's certificate, so a failed connection can say so instead of a bare socket error.
/// </summary>
public sealed class RedisTlsCredentials : IDisposable
{
    private readonly string? caFile;
    private readonly string? serverName;
    private (string Setting, string Problem)? lastRejection;

    /// <summary>Creates the credentials.</summary>
    /// <param name="certificate">The client certificate, or <see langword="null"/>.</param>
    /// <param name="authorities">The CA certificates the server must chain to, or <see langword="null"/> for the system's roots.</param>
    /// <param name="caFile">The CA file's path, for messages.</param>
    /// <param name="serverName">The name the server's certificate must hold, or <see langword="null"/> for the endpoint's host.</param>
    public RedisTlsCredentials(X509Certificate2? certificate, X509Certificate2Collection? authorities, string? caFile, string? serverName)
    {
        Certificate = certificate;
        Authorities = authorities;
        this.caFile = caFile;
        this.serverName = string.IsNullOrWhiteSpace(serverName) ? null : serverName;
    }

    /// <summary>The client certificate, or <see langword="null"/>.</summary>
    public X509Certificate2? Certificate { get; }

    /// <summary>The trusted CA certificates, or <see langword="null"/> for the system's roots.</summary>
    public X509Certificate2Collection? Authorities { get; }

    /// <summary>The setting and the reason of the last refusal of the server's certificate, or <see langword="null"/>.</summary>
    public (string Setting, string Problem)? LastRejection => lastRejection;

    /// <summary>Turns on TLS in <paramref name="redis"/> with the client certificate and the server validation of these credentials.</summary>
    /// <param name="redis">The connection options (before any clone is taken from them).</param>
    public void ApplyTo(ConfigurationOptions redis)
    {
        ArgumentNullException.ThrowIfNull(redis);
        redis.Ssl = true;
        if (serverName is not null)
        {
            redis.SslHost = serverName;
        }

        if (Certificate is { } certificate)
        {
            redis.CertificateSelection += (_, _, _, _, _) => certificate;
        }

        redis.CertificateValidation += ValidateServer;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Certificate?.Dispose();
        foreach (var authority in Authorities ?? [])
        {
            authority.Dispose();
        }
    }

    private bool ValidateServer(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            return Refuse($"{RedisTlsOptions.SectionName}:Enabled", "the Redis server sent no certificate: is TLS on at its port?");
        }

        var server = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (Authorities is null)
        {
            if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            {
                return Refuse($"{RedisTlsOptions.SectionName}:CaFile", $"the Redis server's certificate {server.Subject} (issued by {server.Issuer}) does not chain to a root the system trusts; set CaFile to its CA");
            }
        }
        else if (!TlsCertificateFiles.ChainsTo(server, chain, Authorities, out var problem))
        {
            return Refuse($"{RedisTlsOptions.SectionName}:CaFile", $"the Redis server's certificate is refused: {problem} in '{caFile}'");
        }

        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return Refuse($"{RedisTlsOptions.SectionName}:ServerName", $"the Redis server's certificate {server.Subject} does not name the host it was reached by{(serverName is null ? string.Empty : $" ('{serverName}')")}; set ServerName to a name it holds");
        }

        lastRejection = null;
        return true;
    }

    private bool Refuse(string setting, string problem)
    {
        lastRejection = (setting, problem);
        return false;
    }
}
