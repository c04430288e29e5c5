using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OrleansAio.Silo.Broker;

/// <summary>The outcome of validating a <c>K8S-SAT</c> token.</summary>
/// <param name="IsValid">Whether the token is valid.</param>
/// <param name="UserName">The user claim of a valid token.</param>
/// <param name="Expires">When a valid token expires.</param>
/// <param name="Failure">Why an invalid token was refused (never the token or its claims).</param>
public sealed record SatValidationResult(bool IsValid, string? UserName, DateTimeOffset Expires, string? Failure);

/// <summary>
/// Validates Kubernetes service-account tokens as JWTs with <see cref="JsonWebTokenHandler"/> (Microsoft.IdentityModel): the
/// signature against the configured keys (a JWKS document or PEM keys/certificates, re-read when the file changes), the issuer,
/// the audience and the lifetime (<c>exp</c> required).
/// </summary>
public sealed class SatTokenValidator
{
    private readonly BrokerSatOptions options;
    private readonly JsonWebTokenHandler handler = new();
    private readonly Lock gate = new();
    private IReadOnlyList<SecurityKey> keys = [];
    private DateTime keysWriteTime;

    /// <summary>Loads the signing keys.</summary>
    /// <param name="options">The SAT options (a signing keys file is required).</param>
    /// <exception cref="FormatException">The keys file holds no usable key.</exception>
    public SatTokenValidator(BrokerSatOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.SigningKeysFile);
        this.options = options;
        LoadKeys();
    }

    /// <summary>Validates a token.</summary>
    /// <param name="token">The token bytes (UTF-8 compact JWT).</param>
    /// <returns>The result.</returns>
    public async Task<SatValidationResult> ValidateAsync(ReadOnlyMemory<byte> token)
    {
        ReloadKeysIfChanged();
        var text = Encoding.UTF8.GetString(token.Span).Trim();
        if (text.Length == 0)
        {
            return new SatValidationResult(false, null, default, "no token");
        }

        var parameters = new TokenValidationParameters
        {
            ValidIssuer = options.Issuer,
            ValidAudience = options.Audience,
            IssuerSigningKeys = keys,
            ValidateIssuerSigningKey = true,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = options.ClockSkew,
        };
        TokenValidationResult result;
        try
        {
            result = await handler.ValidateTokenAsync(text, parameters).ConfigureAwait(false);
        }
        catch (ArgumentException)
        {
            return new SatValidationResult(false, null, default, "not a JWT");
        }

        if (!result.IsValid)
        {
            return new SatValidationResult(false, null, default, Describe(result.Exception));
        }

        var user = result.Claims.TryGetValue(options.UserClaim, out var claim) ? claim?.ToString() : null;
        if (string.IsNullOrEmpty(user))
        {
            return new SatValidationResult(false, null, default, $"the token has no '{options.UserClaim}' claim");
        }

        return new SatValidationResult(true, user, new DateTimeOffset(result.SecurityToken.ValidTo, TimeSpan.Zero), null);
    }

    // Why, in words that hold nothing of the token: the exception messages can quote claims.
    private static string Describe(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => "the token has expired",
        SecurityTokenNotYetValidException => "the token is not valid yet",
        SecurityTokenNoExpirationException => "the token has no expiry",
        SecurityTokenInvalidIssuerException => "the issuer is not the configured one",
        SecurityTokenInvalidAudienceException => "the audience is not the configured one",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "the signature does not verify with the configured keys",
        SecurityTokenMalformedException => "the token is malformed",
        null => "invalid token",
        _ => $"invalid token ({exception.GetType().Name})",
    };

    private void ReloadKeysIfChanged()
    {
        try
        {
            if (File.GetLastWriteTimeUtc(options.SigningKeysFile!) != keysWriteTime)
            {
                LoadKeys();
            }
        }
        catch (Exception ex) when (ex is IOException or FormatException or CryptographicException or ArgumentException)
        {
            // Keep the keys loaded last; a half-written file is read again on the next token.
        }
    }

    private void LoadKeys()
    {
        lock (gate)
        {
            var path = options.SigningKeysFile!;
            var writeTime = File.GetLastWriteTimeUtc(path);
            var text = File.ReadAllText(path);
            var loaded = new List<SecurityKey>();
            if (text.TrimStart().StartsWith('{'))
            {
                loaded.AddRange(new JsonWebKeySet(text).GetSigningKeys());
            }
            else
            {
                foreach (var (label, der) in PemBlocks(text))
                {
                    loaded.Add(label switch
                    {
                        "CERTIFICATE" => new X509SecurityKey(X509CertificateLoader.LoadCertificate(der)),
                        "PUBLIC KEY" => PublicKey(der),
                        _ => throw new FormatException($"'{path}': a PEM '{label}' block is not a public key or certificate"),
                    });
                }
            }

            if (loaded.Count == 0)
            {
                throw new FormatException($"'{path}' holds no signing key (expected a JWKS document or PEM public keys)");
            }

            keys = loaded;
            keysWriteTime = writeTime;
        }
    }

    private static SecurityKey PublicKey(byte[] der)
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportSubjectPublicKeyInfo(der, out _);
            return new RsaSecurityKey(rsa);
        }
        catch (CryptographicException)
        {
            rsa.Dispose();
        }

        var ecdsa = ECDsa.Create();
        ecdsa.ImportSubjectPublicKeyInfo(der, out _);
        return new ECDsaSecurityKey(ecdsa);
    }

    private static IEnumerable<(string Label, byte[] Der)> PemBlocks(string text)
    {
        var rest = text.AsMemory();
        while (PemEncoding.TryFind(rest.Span, out var fields))
        {
            var span = rest.Span;
            var label = span[fields.Label].ToString();
            var der = Convert.FromBase64String(span[fields.Base64Data].ToString());
            rest = rest[fields.Location.End..];
            yield return (label, der);
        }
    }
}
