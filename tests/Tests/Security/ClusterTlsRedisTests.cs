using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansAio.Client.StateStore;
using OrleansAio.Silo.Hosting;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Security;

/// <summary>
/// <c>Redis:Tls</c> against a real <c>redis-server</c> listening with TLS only and requiring client certificates, all signed by a
/// CA made in the test: membership, grain storage and the storage health check work over TLS, a server certificate of another CA
/// stops the start naming <c>Redis:Tls:CaFile</c>, and neither the key nor the password is logged.
/// </summary>
public sealed class ClusterTlsRedisTests : IDisposable
{
    private const string Password = "redis-Client-Secret-55";
    private readonly ClusterTlsCertificates authority = new("redis-ca");
    private readonly ClusterTlsCertificates stranger = new("redis-stranger-ca");
    private readonly CapturingLoggerProvider logs = new();

    public void Dispose()
    {
        authority.Dispose();
        stranger.Dispose();
    }

    [Fact]
    public async Task SiloStorageWorksOverTlsWithAClientCertificate()
    {
        var unavailable = RedisServer.TlsUnavailableReason();
        Assert.SkipWhen(unavailable is not null, unavailable ?? string.Empty);
        var ct = TestContext.Current.CancellationToken;
        var (serverCert, serverKey) = authority.WritePem("redis-server");
        await using var redis = await RedisServer.StartWithTlsAsync(serverCert, serverKey, authority.CaFile, requireClientCertificates: true, ct);
        var clientPfx = authority.WritePfx("redis-client", Password);
        var passwordFile = authority.WriteFile("redis-client.password", Password);
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = redis.ConnectionString,
            ["Redis:Tls:Enabled"] = "true",
            ["Redis:Tls:CaFile"] = authority.CaFile,
            ["Redis:Tls:CertFile"] = clientPfx,
            ["Redis:Tls:PasswordFile"] = passwordFile,
            ["Silo:ClusterId"] = $"redis-tls-{Guid.NewGuid():N}"[..20],
        };

        await using (var silo = await StartAsync(settings, ct))
        {
            await using var store = new ClusterStateStoreClient(silo.Services.GetRequiredService<IGrainFactory>());
            Assert.True((await store.SetAsync("over-tls", "stored", cancellationToken: ct)).Success);
            using var http = new HttpClient { BaseAddress = silo.HttpAddress };
            Assert.Equal("Healthy", await http.GetStringAsync("/health", ct));
        }

        // A new silo reads the value back from Redis over TLS: the grain state really went there.
        await using (var restarted = await StartAsync(settings, ct))
        {
            await using var store = new ClusterStateStoreClient(restarted.Services.GetRequiredService<IGrainFactory>());
            Assert.Equal("stored", (await store.GetAsync("over-tls", cancellationToken: ct)).Value?.GetString());
        }

        AssertNoSecretLogged(File.ReadAllText(serverKey));
    }

    [Fact]
    public async Task AServerCertificateOfAnotherCaIsRefusedNamingCaFile()
    {
        var unavailable = RedisServer.TlsUnavailableReason();
        Assert.SkipWhen(unavailable is not null, unavailable ?? string.Empty);
        var ct = TestContext.Current.CancellationToken;
        var (serverCert, serverKey) = authority.WritePem("redis-server");
        await using var redis = await RedisServer.StartWithTlsAsync(serverCert, serverKey, authority.CaFile, requireClientCertificates: false, ct);
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = redis.ConnectionString,
            ["Redis:Tls:Enabled"] = "true",
            ["Redis:Tls:CaFile"] = stranger.CaFile,
            ["Silo:ConnectTimeout"] = "00:00:05",
        };

        var error = await Assert.ThrowsAsync<SiloStartupException>(async () =>
        {
            await using var silo = await StartAsync(settings, ct);
        });

        Assert.Equal("Redis:Tls:CaFile", error.Setting);
        Assert.Contains("CN=redis-server", error.Problem, StringComparison.Ordinal);
        Assert.Contains("does not chain to a trusted CA", error.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    private async Task<SiloApplication> StartAsync(Dictionary<string, string?> settings, CancellationToken ct)
    {
        var all = new SiloPorts().ToConfiguration();
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return await SiloApplication.StartAsync(
            [], configuration => configuration.AddInMemoryCollection(all), ct, silo => silo.Services.AddSingleton<ILoggerProvider>(logs));
    }

    private void AssertNoSecretLogged(string serverKeyPem)
    {
        var keyLine = serverKeyPem.Split('\n')[1].Trim();
        Assert.NotEmpty(logs.Entries);
        foreach (var entry in logs.Entries)
        {
            var text = entry.Message + " " + entry.Exception;
            Assert.DoesNotContain(Password, text, StringComparison.Ordinal);
            Assert.DoesNotContain("PRIVATE KEY", text, StringComparison.Ordinal);
            Assert.DoesNotContain(keyLine, text, StringComparison.Ordinal);
        }
    }
}
