using OrleansAio.Client.Security;

namespace OrleansAio.Silo.Security;

/// <summary>
/// TLS to the external Redis (or Garnet) of Orleans membership and grain storage (<c>ConnectionStrings:Redis</c>), bound from
/// <c>Redis:Tls</c>. The embedded Garnet is reached on loopback without TLS; enabling this needs an external server.
/// </summary>
public sealed class RedisTlsOptions
{
    /// <summary>The configuration section of these options.</summary>
    public const string SectionName = "Redis:Tls";

    /// <summary>Whether the silo connects to Redis with TLS. Default <see langword="false"/>.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// A PEM file with the CA certificates the server's certificate must chain to (then only these count, not the system's roots);
    /// empty uses the system's trusted roots. The certificate must name the host in the connection string (or <see cref="ServerName"/>).
    /// </summary>
    public string? CaFile { get; set; }

    /// <summary>A client certificate for servers that require one (<c>tls-auth-clients yes</c>): PFX, or PEM with <see cref="KeyFile"/>.</summary>
    public string? CertFile { get; set; }

    /// <summary>The PEM private key of a PEM <see cref="CertFile"/>, when it is not in the certificate file.</summary>
    public string? KeyFile { get; set; }

    /// <summary>The password of the PFX file or of an encrypted PEM key. Prefer <see cref="PasswordFile"/>; never logged.</summary>
    public string? Password { get; set; }

    /// <summary>A file whose first line is the password of the PFX file or of an encrypted PEM key.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>The name the server's certificate must hold, when it is not the host of the connection string (StackExchange.Redis <c>sslHost</c>).</summary>
    public string? ServerName { get; set; }

    /// <summary>Checks the options and loads every file they name.</summary>
    /// <exception cref="ArgumentException">The first bad value; its parameter name is the key.</exception>
    public void Validate()
    {
        using var credentials = Load();
    }

    /// <summary>Loads the client certificate and the CA certificates, checking them.</summary>
    /// <returns>The credentials, or <see langword="null"/> when TLS is not enabled.</returns>
    /// <exception cref="ArgumentException">The first bad value; its parameter name is the key.</exception>
    public RedisTlsCredentials? Load()
    {
        if (!Enabled)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(CertFile) && !string.IsNullOrWhiteSpace(KeyFile))
        {
            throw new ArgumentException("is set but CertFile is not", nameof(KeyFile));
        }

        if (string.IsNullOrWhiteSpace(CertFile) && (!string.IsNullOrEmpty(Password) || !string.IsNullOrWhiteSpace(PasswordFile)))
        {
            throw new ArgumentException("is set but CertFile is not", string.IsNullOrEmpty(Password) ? nameof(PasswordFile) : nameof(Password));
        }

        var authorities = string.IsNullOrWhiteSpace(CaFile) ? null : TlsCertificateFiles.LoadCaFile(CaFile);
        if (string.IsNullOrWhiteSpace(CertFile))
        {
            return new RedisTlsCredentials(null, authorities, CaFile, ServerName);
        }

        var password = TlsCertificateFiles.ReadPassword(Password, PasswordFile);
        var certificate = TlsCertificateFiles.LoadCertificate(CertFile, KeyFile, password, string.IsNullOrEmpty(Password) ? nameof(PasswordFile) : nameof(Password));
        try
        {
            TlsCertificateFiles.RequireUsage(certificate, server: false, client: true);
        }
        catch
        {
            certificate.Dispose();
            throw;
        }

        return new RedisTlsCredentials(certificate, authorities, CaFile, ServerName);
    }
}
