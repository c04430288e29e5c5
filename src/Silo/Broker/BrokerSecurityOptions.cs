using System.Net;

namespace OrleansAio.Silo.Broker;

/// <summary>
/// Who may connect to the <see cref="EmbeddedMqttBroker"/> and what each client may publish and subscribe. Bound from the
/// <c>Broker</c> configuration section (<c>Broker:Authentication:*</c>, <c>Broker:Tls:*</c>, <c>Broker:Acl:*</c>). See
/// <c>docs/security.md</c>.
/// </summary>
public sealed class BrokerSecurityOptions
{
    /// <summary>The configuration section of these options.</summary>
    public const string SectionName = "Broker";

    /// <summary>How clients prove who they are.</summary>
    public BrokerAuthenticationOptions Authentication { get; set; } = new();

    /// <summary>The TLS listener (server certificate, client certificates).</summary>
    public BrokerTlsOptions Tls { get; set; } = new();

    /// <summary>The access-control list of topics.</summary>
    public BrokerAclOptions Acl { get; set; } = new();

    /// <summary>Whether any way of authenticating (password file, SAT tokens, client certificates) is configured.</summary>
    public bool HasAuthentication =>
        !string.IsNullOrWhiteSpace(Authentication.PasswordFile)
        || !string.IsNullOrWhiteSpace(Authentication.Sat.SigningKeysFile)
        || !string.IsNullOrWhiteSpace(Tls.ClientCaFile);

    /// <summary>
    /// Whether clients without credentials are admitted: <see cref="BrokerAuthenticationOptions.AllowAnonymous"/> when set,
    /// otherwise only when no authentication is configured (the loopback default).
    /// </summary>
    public bool AnonymousAllowed => Authentication.AllowAnonymous ?? !HasAuthentication;

    /// <summary>
    /// Checks the options against the listener address. Anonymous clients are allowed only while the broker listens on loopback
    /// alone: binding any other address needs a way to authenticate, and <c>AllowAnonymous = true</c> is refused there.
    /// </summary>
    /// <param name="bindAddress">The address the plain listener binds.</param>
    /// <param name="bindSetting">The setting that holds the address (named in the error).</param>
    /// <param name="port">The broker's port (carried by the exception).</param>
    /// <exception cref="EmbeddedBrokerException">A value is wrong; <see cref="EmbeddedBrokerException.Setting"/> names it.</exception>
    public void Validate(string bindAddress, string bindSetting, int port)
    {
        var loopback = IPAddress.TryParse(bindAddress, out var address) && IPAddress.IsLoopback(address);
        if (!loopback && !HasAuthentication)
        {
            throw new EmbeddedBrokerException(
                bindSetting,
                port,
                $"the broker would listen on {bindAddress} with no authentication: set {SectionName}:Authentication:PasswordFile, {SectionName}:Authentication:Sat:SigningKeysFile or {SectionName}:Tls:ClientCaFile, or bind 127.0.0.1");
        }

        if (!loopback && Authentication.AllowAnonymous == true)
        {
            throw new EmbeddedBrokerException(
                $"{SectionName}:Authentication:AllowAnonymous",
                port,
                $"anonymous clients are allowed only while the broker listens on loopback alone (it binds {bindAddress})");
        }

        RequireFile("Authentication:PasswordFile", Authentication.PasswordFile, port);
        RequireFile("Authentication:Sat:SigningKeysFile", Authentication.Sat.SigningKeysFile, port);
        if (!string.IsNullOrWhiteSpace(Authentication.Sat.SigningKeysFile))
        {
            if (string.IsNullOrWhiteSpace(Authentication.Sat.Issuer))
            {
                throw new EmbeddedBrokerException($"{SectionName}:Authentication:Sat:Issuer", port, "must be set when SAT tokens are accepted");
            }

            if (string.IsNullOrWhiteSpace(Authentication.Sat.Audience))
            {
                throw new EmbeddedBrokerException($"{SectionName}:Authentication:Sat:Audience", port, "must be set when SAT tokens are accepted");
            }

            if (Authentication.Sat.ClockSkew < TimeSpan.Zero || Authentication.Sat.ClockSkew > TimeSpan.FromMinutes(10))
            {
                throw new EmbeddedBrokerException($"{SectionName}:Authentication:Sat:ClockSkew", port, $"{Authentication.Sat.ClockSkew} must be between 0 and 10 minutes");
            }
        }

        RequireFile("Tls:CertificateFile", Tls.CertificateFile, port);
        RequireFile("Tls:KeyFile", Tls.KeyFile, port);
        RequireFile("Tls:ClientCaFile", Tls.ClientCaFile, port);
        if (!string.IsNullOrWhiteSpace(Tls.ClientCaFile) && string.IsNullOrWhiteSpace(Tls.CertificateFile))
        {
            throw new EmbeddedBrokerException($"{SectionName}:Tls:CertificateFile", port, "client certificates need the TLS listener: set the server certificate");
        }

        if (Tls.Port is < 1 or > 65535 || (Tls.Port == port && !string.IsNullOrWhiteSpace(Tls.CertificateFile)))
        {
            throw new EmbeddedBrokerException($"{SectionName}:Tls:Port", port, $"{Tls.Port} must be a TCP port (1-65535) other than the plain listener's {port}");
        }

        RequireFile("Acl:File", Acl.File, port);
    }

    private static void RequireFile(string key, string? path, int port)
    {
        if (!string.IsNullOrWhiteSpace(path) && !File.Exists(path))
        {
            throw new EmbeddedBrokerException($"{SectionName}:{key}", port, $"file '{path}' does not exist");
        }
    }
}

/// <summary>How clients of the embedded broker authenticate (<c>Broker:Authentication:*</c>).</summary>
public sealed class BrokerAuthenticationOptions
{
    /// <summary>
    /// Whether clients without credentials are admitted. Unset (the default): only when no authentication is configured, which
    /// start-up allows only on a loopback listener. <see langword="true"/> is refused on any other address.
    /// </summary>
    public bool? AllowAnonymous { get; set; }

    /// <summary>
    /// The credentials file: one <c>user:pbkdf2-sha256:iterations:salt:hash</c> line per user (salt and hash in base 64), written
    /// by <c>OrleansAio.Silo add-user</c>. Re-read when it changes.
    /// </summary>
    public string? PasswordFile { get; set; }

    /// <summary>Kubernetes service-account-token (<c>K8S-SAT</c>) enhanced authentication.</summary>
    public BrokerSatOptions Sat { get; set; } = new();
}

/// <summary><c>K8S-SAT</c> bearer tokens, validated as JWTs (<c>Broker:Authentication:Sat:*</c>).</summary>
public sealed class BrokerSatOptions
{
    /// <summary>
    /// The signing keys: a JWKS document (<c>{"keys":[...]}</c>, as the Kubernetes API server serves at
    /// <c>/openid/v1/jwks</c>) or PEM public keys / certificates. Setting it enables <c>K8S-SAT</c>.
    /// </summary>
    public string? SigningKeysFile { get; set; }

    /// <summary>The required <c>iss</c> (for instance <c>https://kubernetes.default.svc.cluster.local</c>).</summary>
    public string? Issuer { get; set; }

    /// <summary>The required <c>aud</c> (AIO's broker uses <c>aio-internal</c>).</summary>
    public string? Audience { get; set; }

    /// <summary>The claim that names the user (default <c>sub</c>: <c>system:serviceaccount:&lt;ns&gt;:&lt;name&gt;</c>).</summary>
    public string UserClaim { get; set; } = "sub";

    /// <summary>Tolerated clock difference on <c>exp</c> and <c>nbf</c>. Default 30 s.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>The TLS listener of the embedded broker (<c>Broker:Tls:*</c>).</summary>
public sealed class BrokerTlsOptions
{
    /// <summary>The server certificate: a PFX/PKCS#12 file, or a PEM certificate with <see cref="KeyFile"/>. Setting it opens the TLS listener.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>The PEM private key of a PEM <see cref="CertificateFile"/>.</summary>
    public string? KeyFile { get; set; }

    /// <summary>The TLS listener's port. Default 8883.</summary>
    public int Port { get; set; } = 8883;

    /// <summary>
    /// The CA (PEM, one or more certificates) that issues client certificates. Setting it enables X.509 client authentication:
    /// a client presenting a certificate that chains to it is authenticated as the certificate's subject common name.
    /// </summary>
    public string? ClientCaFile { get; set; }

    /// <summary>Whether the TLS listener refuses a handshake without a client certificate. Default <see langword="false"/>.</summary>
    public bool RequireClientCertificate { get; set; }
}

/// <summary>The broker's topic access-control list (<c>Broker:Acl:*</c>).</summary>
public sealed class BrokerAclOptions
{
    /// <summary>
    /// The ACL file (Mosquitto's format with <c>client</c> sections; see <c>docs/security.md</c>). Re-read when it changes. Unset:
    /// every client may publish and subscribe anywhere except the built-in per-client protections.
    /// </summary>
    public string? File { get; set; }
}
