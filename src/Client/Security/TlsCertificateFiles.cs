using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OrleansAio.Client.Security;

/// <summary>
/// Loads the certificate files of a TLS setting (a PFX/PKCS#12 file, or a PEM certificate with its PEM key) and the CA file that
/// peers' certificates must chain to. Every problem is an <see cref="ArgumentException"/> whose parameter name is the setting's
/// key (<c>CertFile</c>, <c>KeyFile</c>, <c>Password</c>, <c>CaFile</c>...), and no message ever holds a password or key material.
/// </summary>
public static class TlsCertificateFiles
{
    // Extended key usage OIDs (RFC 5280 4.2.1.12).
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    /// <summary>Reads the password: the <paramref name="password"/> value, or the first line of <paramref name="passwordFile"/>.</summary>
    /// <param name="password">The password itself, or <see langword="null"/>.</param>
    /// <param name="passwordFile">A file holding the password, or <see langword="null"/>.</param>
    /// <returns>The password, or <see langword="null"/> when neither is set.</returns>
    /// <exception cref="ArgumentException">Both are set, or the file cannot be read (parameter <c>Password</c> or <c>PasswordFile</c>).</exception>
    public static string? ReadPassword(string? password, string? passwordFile)
    {
        if (!string.IsNullOrEmpty(password) && !string.IsNullOrWhiteSpace(passwordFile))
        {
            throw new ArgumentException("set Password or PasswordFile, not both", "PasswordFile");
        }

        if (string.IsNullOrWhiteSpace(passwordFile))
        {
            return string.IsNullOrEmpty(password) ? null : password;
        }

        RequireFile("PasswordFile", passwordFile);
        try
        {
            // A password file written by `echo` ends with a newline that is not part of the password.
            return File.ReadAllText(passwordFile).TrimEnd('\r', '\n');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"'{passwordFile}' cannot be read ({ex.GetType().Name})", "PasswordFile", ex);
        }
    }

    /// <summary>
    /// Loads a certificate with its private key: a PFX/PKCS#12 <paramref name="certFile"/> (<c>.pfx</c>, <c>.p12</c>, or any file that
    /// is not PEM), or a PEM certificate whose key is in <paramref name="keyFile"/> (or in the same file when no key file is given).
    /// </summary>
    /// <param name="certFile">The certificate file.</param>
    /// <param name="keyFile">The PEM private key of a PEM certificate, or <see langword="null"/>.</param>
    /// <param name="password">The PFX password or the password of an encrypted PEM key, or <see langword="null"/>.</param>
    /// <param name="passwordKey">The setting that gave the password (<c>Password</c> or <c>PasswordFile</c>), named in errors.</param>
    /// <returns>The certificate, with its private key.</returns>
    /// <exception cref="ArgumentException">A file is missing or unreadable, the password is wrong, or there is no private key.</exception>
    public static X509Certificate2 LoadCertificate(string certFile, string? keyFile, string? password, string passwordKey = "Password")
    {
        ArgumentNullException.ThrowIfNull(certFile);
        RequireFile("CertFile", certFile);
        if (!string.IsNullOrWhiteSpace(keyFile))
        {
            RequireFile("KeyFile", keyFile);
        }

        X509Certificate2 certificate;
        if (!IsPem(certFile))
        {
            if (!string.IsNullOrWhiteSpace(keyFile))
            {
                throw new ArgumentException($"'{certFile}' is a PFX/PKCS#12 file, which holds its own key: leave KeyFile empty", "KeyFile");
            }

            try
            {
                certificate = X509CertificateLoader.LoadPkcs12FromFile(certFile, password, X509KeyStorageFlags.EphemeralKeySet);
            }
            catch (CryptographicException ex)
            {
                throw new ArgumentException(
                    password is null
                        ? $"'{certFile}' cannot be opened without a password, or is not a PFX/PKCS#12 file"
                        : $"the password does not open '{certFile}', or it is not a PFX/PKCS#12 file",
                    password is null ? "CertFile" : passwordKey,
                    ex);
            }
        }
        else
        {
            if (!File.ReadAllText(certFile).Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            {
                throw new ArgumentException($"'{certFile}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)", "CertFile");
            }

            var key = string.IsNullOrWhiteSpace(keyFile) ? certFile : keyFile;
            var keySetting = string.IsNullOrWhiteSpace(keyFile) ? "CertFile" : "KeyFile";
            if (!PemHasPrivateKey(key))
            {
                throw new ArgumentException(
                    string.IsNullOrWhiteSpace(keyFile)
                        ? $"'{certFile}' holds no private key: set KeyFile to the PEM file of the certificate's key"
                        : $"'{keyFile}' holds no PEM private key",
                    keySetting);
            }

            try
            {
                certificate = password is null
                    ? X509Certificate2.CreateFromPemFile(certFile, key)
                    : X509Certificate2.CreateFromEncryptedPemFile(certFile, password, key);
            }
            catch (CryptographicException ex)
            {
                throw new ArgumentException(
                    password is null
                        ? $"the key in '{key}' cannot be read (an encrypted key needs Password or PasswordFile), or it does not match the certificate in '{certFile}'"
                        : $"the password does not open the key in '{key}', or the key does not match the certificate in '{certFile}'",
                    password is null ? keySetting : passwordKey,
                    ex);
            }
            catch (ArgumentException ex)
            {
                // The certificate was checked above: what is left is a key of another certificate.
                throw new ArgumentException($"the key in '{key}' does not match the certificate in '{certFile}' ({FirstLine(ex.Message)})", keySetting, ex);
            }
        }

        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new ArgumentException($"the certificate in '{certFile}' has no private key", "CertFile");
        }

        return certificate;
    }

    /// <summary>Loads the PEM CA certificates of <paramref name="caFile"/>.</summary>
    /// <param name="caFile">A PEM file with one or more CA certificates.</param>
    /// <returns>The certificates.</returns>
    /// <exception cref="ArgumentException">The file is missing, unreadable or holds no certificate (parameter <c>CaFile</c>).</exception>
    public static X509Certificate2Collection LoadCaFile(string caFile)
    {
        ArgumentNullException.ThrowIfNull(caFile);
        RequireFile("CaFile", caFile);
        var authorities = new X509Certificate2Collection();
        try
        {
            // Files concatenated without a newline ("-----END CERTIFICATE----------BEGIN...") are read as nothing by .NET's PEM
            // reader: put the line break back (base64 has no '-').
            authorities.ImportFromPem(File.ReadAllText(caFile).Replace("----------", "-----\n-----", StringComparison.Ordinal));
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"'{caFile}' cannot be read as PEM certificates ({FirstLine(ex.Message)})", "CaFile", ex);
        }

        if (authorities.Count == 0)
        {
            throw new ArgumentException($"'{caFile}' holds no PEM certificate", "CaFile");
        }

        return authorities;
    }

    /// <summary>Checks that the extended key usage of <paramref name="certificate"/>, if it has one, allows the use.</summary>
    /// <param name="certificate">The local certificate.</param>
    /// <param name="server">Whether it must serve as a TLS server certificate.</param>
    /// <param name="client">Whether it must serve as a TLS client certificate.</param>
    /// <param name="setting">The setting named in the error.</param>
    /// <exception cref="ArgumentException">The certificate's extended key usage excludes a required use.</exception>
    public static void RequireUsage(X509Certificate2 certificate, bool server, bool client, string setting = "CertFile")
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var usage = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        if (usage is null)
        {
            return;
        }

        var oids = usage.EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value).ToHashSet(StringComparer.Ordinal);
        if (server && !oids.Contains(ServerAuthentication))
        {
            throw new ArgumentException($"the certificate {certificate.Subject} does not allow TLS server authentication (extended key usage 1.3.6.1.5.5.7.3.1)", setting);
        }

        if (client && !oids.Contains(ClientAuthentication))
        {
            throw new ArgumentException($"the certificate {certificate.Subject} does not allow TLS client authentication (extended key usage 1.3.6.1.5.5.7.3.2)", setting);
        }
    }

    /// <summary>
    /// Whether <paramref name="certificate"/> chains to one of <paramref name="authorities"/> (and to nothing else: the system's
    /// trusted roots do not count). Intermediates the peer sent in <paramref name="presented"/> are used to build the chain.
    /// Revocation is not checked (a private CA has no revocation service here).
    /// </summary>
    /// <param name="certificate">The peer's certificate.</param>
    /// <param name="presented">The chain the TLS stack built from what the peer sent, or <see langword="null"/>.</param>
    /// <param name="authorities">The trusted CA certificates.</param>
    /// <param name="problem">Why the certificate is refused, when it is.</param>
    /// <returns><see langword="true"/> when the certificate chains to a trusted CA.</returns>
    public static bool ChainsTo(X509Certificate2 certificate, X509Chain? presented, X509Certificate2Collection authorities, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(authorities);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements.Skip(1))
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (chain.Build(certificate))
        {
            problem = null;
            return true;
        }

        var statuses = chain.ChainStatus.Select(s => s.Status.ToString()).Distinct(StringComparer.Ordinal);
        problem = $"the certificate {certificate.Subject} (issued by {certificate.Issuer}) does not chain to a trusted CA ({string.Join(", ", statuses)})";
        return false;
    }

    /// <summary>Describes what a TLS stack reported for a peer's certificate, for an error message.</summary>
    /// <param name="errors">The policy errors.</param>
    /// <returns>A short description.</returns>
    public static string Describe(SslPolicyErrors errors) => errors switch
    {
        SslPolicyErrors.None => "no error",
        SslPolicyErrors.RemoteCertificateNotAvailable => "the peer sent no certificate",
        _ => errors.ToString(),
    };

    private static void RequireFile(string setting, string path)
    {
        if (!File.Exists(path))
        {
            throw new ArgumentException($"'{path}' does not exist", setting);
        }
    }

    private static bool IsPem(string path)
    {
        var extension = Path.GetExtension(path);
        if (extension.Equals(".pfx", StringComparison.OrdinalIgnoreCase) || extension.Equals(".p12", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        try
        {
            using var reader = new StreamReader(path);
            var buffer = new char[4096];
            var read = reader.ReadBlock(buffer, 0, buffer.Length);
            return new string(buffer, 0, read).Contains("-----BEGIN", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"'{path}' cannot be read ({ex.GetType().Name})", "CertFile", ex);
        }
    }

    private static bool PemHasPrivateKey(string path)
    {
        try
        {
            var text = File.ReadAllText(path);
            return text.Contains("PRIVATE KEY-----", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"'{path}' cannot be read ({ex.GetType().Name})", "KeyFile", ex);
        }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
