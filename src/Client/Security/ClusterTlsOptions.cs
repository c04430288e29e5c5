namespace OrleansAio.Client.Security;

/// <summary>
/// TLS of the Orleans cluster's own connections (silo to silo, and Orleans clients to gateways), bound from <c>Cluster:Tls</c> in
/// the silo and in a client app alike, so both sides read the same keys (<c>Cluster__Tls__CaFile</c> as an environment variable).
/// </summary>
/// <remarks>
/// Peers are authenticated by a private CA: a certificate is accepted when it chains to a certificate in <see cref="CaFile"/>
/// (the system's trusted roots do not count), whatever its host name, because silos reach each other by the addresses in the
/// membership table. Every silo presents its certificate both as a server and as a client: silo-to-silo connections are always
/// mutual. Whether Orleans clients must present one is <see cref="RequireClientCertificate"/>.
/// </remarks>
public sealed class ClusterTlsOptions
{
    /// <summary>The configuration section of these options.</summary>
    public const string SectionName = "Cluster:Tls";

    /// <summary>Whether the cluster's connections use TLS. Default <see langword="false"/>.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// This side's certificate: a PFX/PKCS#12 file (<c>.pfx</c>, <c>.p12</c>) with its key, or a PEM certificate (key in
    /// <see cref="KeyFile"/> or in the same file). Required on a silo; on a client, needed when the gateways require client certificates.
    /// </summary>
    public string? CertFile { get; set; }

    /// <summary>The PEM private key of a PEM <see cref="CertFile"/>, when it is not in the certificate file.</summary>
    public string? KeyFile { get; set; }

    /// <summary>The password of the PFX file or of an encrypted PEM key. Prefer <see cref="PasswordFile"/>; never logged.</summary>
    public string? Password { get; set; }

    /// <summary>A file whose first line is the password of the PFX file or of an encrypted PEM key.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>A PEM file with the CA certificates that every peer's certificate must chain to. Required when enabled.</summary>
    public string? CaFile { get; set; }

    /// <summary>
    /// Whether the silos' gateways require Orleans clients to present a certificate that chains to <see cref="CaFile"/>
    /// (silo-to-silo connections always do). Default <see langword="true"/>. Read by silos only.
    /// </summary>
    public bool RequireClientCertificate { get; set; } = true;

    /// <summary>How long a TLS handshake may take before the connection is dropped. Default 10 s.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Checks the options and loads every file they name (certificate, key, password, CA), so a wrong path, a wrong password or a
    /// certificate without its private key is reported at start rather than at the first connection.
    /// </summary>
    /// <param name="silo">Whether the options are a silo's (a certificate is then required).</param>
    /// <exception cref="ArgumentException">The first bad value; its parameter name is the key (<c>CertFile</c>, <c>CaFile</c>...).</exception>
    public void Validate(bool silo)
    {
        using var credentials = Load(silo);
    }

    /// <summary>Loads the certificate and the CA certificates, checking them as <see cref="Validate"/> does.</summary>
    /// <param name="silo">Whether the options are a silo's.</param>
    /// <returns>The credentials, or <see langword="null"/> when TLS is not enabled.</returns>
    /// <exception cref="ArgumentException">The first bad value; its parameter name is the key.</exception>
    public ClusterTlsCredentials? Load(bool silo)
    {
        if (HandshakeTimeout <= TimeSpan.Zero || HandshakeTimeout > TimeSpan.FromMinutes(10))
        {
            throw new ArgumentOutOfRangeException(nameof(HandshakeTimeout), HandshakeTimeout, "must be positive and at most 10 minutes");
        }

        if (!Enabled)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(CaFile))
        {
            throw new ArgumentException("is required with TLS: the PEM file of the CA that signs the silos' (and clients') certificates", nameof(CaFile));
        }

        if (silo && string.IsNullOrWhiteSpace(CertFile))
        {
            throw new ArgumentException("is required on a silo with TLS: the silo's certificate (PFX, or PEM with KeyFile)", nameof(CertFile));
        }

        if (string.IsNullOrWhiteSpace(CertFile) && !string.IsNullOrWhiteSpace(KeyFile))
        {
            throw new ArgumentException("is set but CertFile is not", nameof(KeyFile));
        }

        var authorities = TlsCertificateFiles.LoadCaFile(CaFile);
        if (string.IsNullOrWhiteSpace(CertFile))
        {
            return new ClusterTlsCredentials(null, authorities, HandshakeTimeout, RequireClientCertificate);
        }

        var password = TlsCertificateFiles.ReadPassword(Password, PasswordFile);
        var certificate = TlsCertificateFiles.LoadCertificate(CertFile, KeyFile, password, string.IsNullOrEmpty(Password) ? nameof(PasswordFile) : nameof(Password));
        try
        {
            TlsCertificateFiles.RequireUsage(certificate, server: silo, client: true);
            if (!TlsCertificateFiles.ChainsTo(certificate, null, authorities, out var problem))
            {
                throw new ArgumentException($"{problem}: peers would refuse it; sign it with the CA in CaFile", nameof(CertFile));
            }
        }
        catch
        {
            certificate.Dispose();
            throw;
        }

        return new ClusterTlsCredentials(certificate, authorities, HandshakeTimeout, RequireClientCertificate);
    }
}
