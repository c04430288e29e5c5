using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using OrleansAio.Client.Security;
using OrleansAio.Silo.Hosting;
using OrleansAio.Silo.Security;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Security;

/// <summary>
/// Bad <c>Cluster:Tls</c> and <c>Redis:Tls</c> settings stop the silo (or the client) at start with one line naming the key, and
/// the line never holds the password.
/// </summary>
public sealed class ClusterTlsSettingsTests : IDisposable
{
    private const string Password = "right-Password-93";
    private readonly ClusterTlsCertificates authority = new("settings-ca");
    private readonly TempDirectory workingDirectory = new("tls-settings");

    public void Dispose()
    {
        authority.Dispose();
        workingDirectory.Dispose();
    }

    [Fact]
    public async Task AMissingCertificateFileStopsTheSiloNamingCertFile()
    {
        var error = await StartFailingAsync(new()
        {
            ["Cluster:Tls:Enabled"] = "true",
            ["Cluster:Tls:CaFile"] = authority.CaFile,
            ["Cluster:Tls:CertFile"] = Path.Combine(authority.Directory, "missing.pfx"),
        });

        Assert.Equal("Cluster:Tls:CertFile", error.Setting);
        Assert.Contains("missing.pfx' does not exist", error.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task AWrongPfxPasswordStopsTheSiloNamingPasswordWithoutShowingIt()
    {
        var pfx = authority.WritePfx("silo", Password);
        var error = await StartFailingAsync(new()
        {
            ["Cluster:Tls:Enabled"] = "true",
            ["Cluster:Tls:CaFile"] = authority.CaFile,
            ["Cluster:Tls:CertFile"] = pfx,
            ["Cluster:Tls:Password"] = "wrong-Password-17",
        });

        Assert.Equal("Cluster:Tls:Password", error.Setting);
        Assert.Contains("the password does not open", error.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-Password-17", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task APemCertificateWithoutItsKeyStopsTheSiloNamingCertFile()
    {
        var (certFile, _) = authority.WritePem("silo-nokey");
        var error = await StartFailingAsync(new()
        {
            ["Cluster:Tls:Enabled"] = "true",
            ["Cluster:Tls:CaFile"] = authority.CaFile,
            ["Cluster:Tls:CertFile"] = certFile,
        });

        Assert.Equal("Cluster:Tls:CertFile", error.Setting);
        Assert.Contains("holds no private key", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RedisTlsWithTheEmbeddedGarnetStopsTheSiloNamingEnabled()
    {
        var error = await StartFailingAsync(new() { ["Redis:Tls:Enabled"] = "true" });

        Assert.Equal("Redis:Tls:Enabled", error.Setting);
        Assert.Contains("external Redis", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryBadClusterTlsValueNamesItsKey()
    {
        var pfx = authority.WritePfx("checks", Password);
        var (certFile, keyFile) = authority.WritePem("checks-pem");
        var other = new ClusterTlsCertificates("other-ca");
        try
        {
            var (otherCert, otherKey) = other.WritePem("foreign");
            var notPem = authority.WriteFile("not-a-ca.pem", "hello");
            var cases = new (ClusterTlsOptions Options, string Key, string Text)[]
            {
                (new() { Enabled = true, CertFile = pfx, Password = Password }, "CaFile", "is required"),
                (new() { Enabled = true, CaFile = authority.CaFile }, "CertFile", "is required on a silo"),
                (new() { Enabled = true, CaFile = notPem, CertFile = pfx, Password = Password }, "CaFile", "holds no PEM certificate"),
                (new() { Enabled = true, CaFile = authority.CaFile, CertFile = pfx }, "CertFile", "cannot be opened without a password"),
                (new() { Enabled = true, CaFile = authority.CaFile, CertFile = pfx, Password = Password, PasswordFile = pfx }, "PasswordFile", "not both"),
                (new() { Enabled = true, CaFile = authority.CaFile, CertFile = pfx, Password = Password, KeyFile = keyFile }, "KeyFile", "leave KeyFile empty"),
                (new() { Enabled = true, CaFile = authority.CaFile, CertFile = certFile, KeyFile = otherKey }, "KeyFile", "does not match"),
                (new() { Enabled = true, CaFile = authority.CaFile, CertFile = otherCert, KeyFile = otherKey }, "CertFile", "does not chain to a trusted CA"),
                (new() { Enabled = true, CaFile = authority.CaFile, CertFile = certFile, KeyFile = keyFile, HandshakeTimeout = TimeSpan.Zero }, "HandshakeTimeout", "must be positive"),
            };
            foreach (var (options, key, text) in cases)
            {
                var error = Assert.ThrowsAny<ArgumentException>(() => options.Validate(silo: true));
                Assert.Equal(key, error.ParamName);
                Assert.Contains(text, error.Message, StringComparison.Ordinal);
                Assert.DoesNotContain(Password, error.Message, StringComparison.Ordinal);
            }

            // What is accepted: a PFX with its password, a PEM pair; TLS off needs nothing.
            new ClusterTlsOptions { Enabled = true, CaFile = authority.CaFile, CertFile = pfx, Password = Password }.Validate(silo: true);
            new ClusterTlsOptions { Enabled = true, CaFile = authority.CaFile, CertFile = certFile, KeyFile = keyFile }.Validate(silo: true);
            new ClusterTlsOptions { Enabled = true, CaFile = authority.CaFile }.Validate(silo: false);
            new ClusterTlsOptions().Validate(silo: true);
        }
        finally
        {
            other.Dispose();
        }
    }

    [Fact]
    public void EveryBadRedisTlsValueNamesItsKey()
    {
        var cases = new (RedisTlsOptions Options, string Key, string Text)[]
        {
            (new() { Enabled = true, CaFile = Path.Combine(authority.Directory, "nope.pem") }, "CaFile", "does not exist"),
            (new() { Enabled = true, KeyFile = authority.CaFile }, "KeyFile", "CertFile is not"),
            (new() { Enabled = true, Password = Password }, "Password", "CertFile is not"),
            (new() { Enabled = true, CertFile = authority.WritePfx("redis-client", Password), Password = "nope" }, "Password", "the password does not open"),
        };
        foreach (var (options, key, text) in cases)
        {
            var error = Assert.ThrowsAny<ArgumentException>(options.Validate);
            Assert.Equal(key, error.ParamName);
            Assert.Contains(text, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AClientWithABadCaFileFailsNamingTheKey()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cluster:Tls:Enabled"] = "true",
            ["Cluster:Tls:CaFile"] = Path.Combine(authority.Directory, "absent-ca.pem"),
        });

        var error = Assert.Throws<ClusterTlsConfigurationException>(() => builder.UseOrleansClient(client => client.UseAioClusterTls()));
        Assert.Equal("Cluster:Tls:CaFile", error.Setting);
        Assert.StartsWith("Cluster:Tls:CaFile: '", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("absent-ca.pem' does not exist", error.Message, StringComparison.Ordinal);
    }

    private async Task<SiloStartupException> StartFailingAsync(Dictionary<string, string?> settings)
    {
        var all = new SiloPorts().ToConfiguration();
        all["Silo:DataDirectory"] = workingDirectory.Path;
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return await Assert.ThrowsAsync<SiloStartupException>(async () =>
        {
            await using var silo = await SiloApplication.StartAsync([], configuration => configuration.AddInMemoryCollection(all), TestContext.Current.CancellationToken);
        });
    }
}
