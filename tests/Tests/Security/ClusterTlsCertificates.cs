using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Security;

/// <summary>
/// A test CA made with <see cref="CertificateRequest"/> and the certificates it signs, written to a temporary directory in the
/// forms the settings take: PEM CA file, PFX with a password, PEM certificate with a separate PEM key.
/// </summary>
public sealed class ClusterTlsCertificates : IDisposable
{
    private readonly TempDirectory directory;
    private readonly X509Certificate2 authority;
    private readonly DateTimeOffset now = TimeProvider.System.GetUtcNow();

    /// <summary>Creates a CA named <paramref name="name"/> and writes its certificate to <see cref="CaFile"/>.</summary>
    /// <param name="name">The CA's common name (also the folder name).</param>
    public ClusterTlsCertificates(string name)
    {
        directory = new TempDirectory($"tls-{name}");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        authority = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        CaFile = Path.Combine(directory.Path, "ca.pem");
        File.WriteAllText(CaFile, authority.ExportCertificatePem());
    }

    /// <summary>The PEM file of the CA certificate.</summary>
    public string CaFile { get; }

    /// <summary>The folder the files are written to.</summary>
    public string Directory => directory.Path;

    /// <summary>Issues a certificate for a silo, a client or a server on loopback (names 127.0.0.1 and localhost; server and client use).</summary>
    /// <param name="name">The common name, also the file names' stem.</param>
    /// <returns>The certificate with its private key.</returns>
    public X509Certificate2 Issue(string name)
    {
        // Not disposed: the certificate returned by CopyWithPrivateKey uses this key.
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, true, false));
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        using var issued = request.Create(authority, now.AddDays(-1), now.AddDays(30), serial);
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>Issues a certificate and writes it as a PFX protected by <paramref name="password"/>.</summary>
    /// <param name="name">The common name and file stem.</param>
    /// <param name="password">The PFX password.</param>
    /// <returns>The PFX path.</returns>
    public string WritePfx(string name, string password)
    {
        using var certificate = Issue(name);
        var path = Path.Combine(directory.Path, $"{name}.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password));
        return path;
    }

    /// <summary>Issues a certificate and writes it as a PEM certificate and an unencrypted PEM (PKCS#8) key.</summary>
    /// <param name="name">The common name and file stem.</param>
    /// <returns>The certificate's and the key's paths.</returns>
    public (string CertFile, string KeyFile) WritePem(string name)
    {
        using var certificate = Issue(name);
        var certFile = Path.Combine(directory.Path, $"{name}.crt.pem");
        var keyFile = Path.Combine(directory.Path, $"{name}.key.pem");
        File.WriteAllText(certFile, certificate.ExportCertificatePem());
        using var key = certificate.GetECDsaPrivateKey()!;
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certFile, keyFile);
    }

    /// <summary>Writes <paramref name="text"/> to a file in the folder.</summary>
    /// <param name="fileName">The file name.</param>
    /// <param name="text">The content.</param>
    /// <returns>The path.</returns>
    public string WriteFile(string fileName, string text)
    {
        var path = Path.Combine(directory.Path, fileName);
        File.WriteAllText(path, text);
        return path;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        authority.Dispose();
        directory.Dispose();
    }
}
