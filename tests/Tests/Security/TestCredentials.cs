using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OrleansAio.Tests.Security;

/// <summary>A test certificate authority made in the test with <see cref="CertificateRequest"/>: a CA, a server and client certificates.</summary>
public sealed class TestCertificateAuthority : IDisposable
{
    private readonly RSA caKey = RSA.Create(2048);

    /// <summary>Creates the CA.</summary>
    /// <param name="name">The CA's common name.</param>
    public TestCertificateAuthority(string name = "orleans-aio test CA")
    {
        var request = new CertificateRequest($"CN={name}", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    /// <summary>The CA certificate (with its key).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Issues a server certificate for 127.0.0.1 and localhost.</summary>
    public X509Certificate2 IssueServer() => Issue("CN=localhost", server: true);

    /// <summary>Issues a client certificate.</summary>
    /// <param name="commonName">The subject's common name (the broker's user name).</param>
    public X509Certificate2 IssueClient(string commonName) => Issue($"CN={commonName}", server: false);

    /// <summary>Writes the CA certificate as PEM.</summary>
    /// <param name="path">The file.</param>
    public void WriteCaPem(string path) => File.WriteAllText(path, Certificate.ExportCertificatePem());

    /// <summary>Writes a certificate and its key as PEM files.</summary>
    public static void WritePem(X509Certificate2 certificate, string certificatePath, string keyPath)
    {
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        using var key = certificate.GetRSAPrivateKey()!;
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Certificate.Dispose();
        caKey.Dispose();
    }

    private X509Certificate2 Issue(string subject, bool server)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(System.Net.IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(12);
        using var issued = request.Create(Certificate, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(12), serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        // SslStream wants a key it can use: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }
}

/// <summary>Signs Kubernetes-style service-account tokens with a key made in the test.</summary>
public sealed class TestTokenIssuer : IDisposable
{
    /// <summary>The issuer the tokens carry.</summary>
    public const string Issuer = "https://kubernetes.default.svc.cluster.local";

    /// <summary>The audience the tokens carry.</summary>
    public const string Audience = "aio-internal";

    private readonly RSA key = RSA.Create(2048);
    private readonly JsonWebTokenHandler handler = new();

    /// <summary>Writes the public key as PEM (what <c>Broker:Authentication:Sat:SigningKeysFile</c> names).</summary>
    /// <param name="path">The file.</param>
    public void WritePublicKeyPem(string path) => File.WriteAllText(path, key.ExportSubjectPublicKeyInfoPem());

    /// <summary>Makes a token.</summary>
    /// <param name="subject">The <c>sub</c>.</param>
    /// <param name="expires">The <c>exp</c>.</param>
    /// <param name="issuer">The <c>iss</c>.</param>
    /// <param name="audience">The <c>aud</c>.</param>
    /// <returns>The compact JWT.</returns>
    public string Create(string subject, DateTimeOffset expires, string issuer = Issuer, string audience = Audience)
    {
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = expires.UtcDateTime.AddHours(-2) < DateTime.UtcNow ? expires.UtcDateTime.AddHours(-2) : DateTime.UtcNow.AddMinutes(-1),
            NotBefore = expires.UtcDateTime.AddHours(-2) < DateTime.UtcNow ? expires.UtcDateTime.AddHours(-2) : DateTime.UtcNow.AddMinutes(-1),
            Expires = expires.UtcDateTime,
            Claims = new Dictionary<string, object> { ["sub"] = subject },
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key) { KeyId = "test" }, SecurityAlgorithms.RsaSha256),
        };
        return handler.CreateToken(descriptor);
    }

    /// <summary>The token's bytes.</summary>
    public static byte[] Bytes(string token) => Encoding.UTF8.GetBytes(token);

    /// <inheritdoc />
    public void Dispose() => key.Dispose();
}
