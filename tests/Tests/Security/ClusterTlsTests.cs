using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Runtime;
using OrleansAio.Client.Security;
using OrleansAio.Client.StateStore;
using OrleansAio.Silo.Hosting;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Security;

/// <summary>
/// Two silo hosts (the real <see cref="SiloApplication"/>, each with its embedded broker) sharing one Garnet for membership and
/// storage, with <c>Cluster:Tls</c> on: one silo reads a PFX with a password file, the other a PEM certificate and key, both
/// signed by a CA made in the test.
/// </summary>
public sealed class ClusterTlsClusterFixture : IAsyncLifetime
{
    /// <summary>The PFX password; must never appear in a log line.</summary>
    public const string PfxPassword = "pfx-Secret-4711";

    private readonly EmbeddedGarnetFixture garnet = new();
    private readonly List<SiloApplication> silos = [];

    /// <summary>The cluster's CA.</summary>
    public ClusterTlsCertificates Authority { get; } = new("cluster-ca");

    /// <summary>Another CA the cluster does not trust.</summary>
    public ClusterTlsCertificates Stranger { get; } = new("stranger-ca");

    /// <summary>Every log entry of both silos.</summary>
    public CapturingLoggerProvider Logs { get; } = new();

    /// <summary>The cluster id (unique per fixture).</summary>
    public string ClusterId { get; } = $"tls-{Guid.NewGuid():N}"[..16];

    /// <summary>The running silos.</summary>
    public IReadOnlyList<SiloApplication> Silos => silos;

    /// <summary>The text of the PEM private key of the second silo; must never appear in a log line.</summary>
    public string PemKeyText { get; private set; } = string.Empty;

    /// <summary>The gateways of both silos.</summary>
    public IPEndPoint[] Gateways => [.. silos.Select(s => new IPEndPoint(IPAddress.Loopback, s.Options.GatewayPort))];

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        await garnet.InitializeAsync();
        var pfx = Authority.WritePfx("silo-1", PfxPassword);
        var passwordFile = Authority.WriteFile("silo-1.password", PfxPassword + "\n");
        var (certFile, keyFile) = Authority.WritePem("silo-2");
        PemKeyText = File.ReadAllText(keyFile);
        silos.Add(await StartSiloAsync(new() { ["Cluster:Tls:CertFile"] = pfx, ["Cluster:Tls:PasswordFile"] = passwordFile }, ct));
        silos.Add(await StartSiloAsync(new() { ["Cluster:Tls:CertFile"] = certFile, ["Cluster:Tls:KeyFile"] = keyFile }, ct));
    }

    /// <summary>Starts an Orleans client of both gateways with <paramref name="tls"/> as its <c>Cluster:Tls</c> settings.</summary>
    /// <param name="tls">The client's settings (keys without the <c>Cluster:Tls:</c> prefix), or <see langword="null"/> for no TLS.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The started client host.</returns>
    public async Task<IHost> StartClientAsync(Dictionary<string, string?>? tls, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(tls?.ToDictionary(p => $"{ClusterTlsOptions.SectionName}:{p.Key}", p => p.Value) ?? []);
        builder.Logging.AddProvider(Logs);
        var attempts = 0;
        builder.UseOrleansClient(client => client
            .UseStaticClustering(Gateways)
            .Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = ClusterId;
                cluster.ServiceId = ClusterId;
            })
            .UseConnectionRetryFilter((_, _) => Task.FromResult(++attempts < 3))
            .UseAioClusterTls());
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var silo in Enumerable.Reverse(silos))
        {
            await silo.DisposeAsync();
        }

        await garnet.DisposeAsync();
        Authority.Dispose();
        Stranger.Dispose();
    }

    private async Task<SiloApplication> StartSiloAsync(Dictionary<string, string?> tls, CancellationToken ct)
    {
        var ports = new SiloPorts();
        var settings = ports.ToConfiguration();
        settings["ConnectionStrings:Redis"] = garnet.ConnectionString;
        settings["Silo:ClusterId"] = ClusterId;
        settings["Silo:ServiceId"] = ClusterId;
        settings["Logging:LogLevel:Orleans"] = "Information";
        settings["Cluster:Tls:Enabled"] = "true";
        settings["Cluster:Tls:CaFile"] = Authority.CaFile;
        foreach (var (key, value) in tls)
        {
            settings[key] = value;
        }

        return await SiloApplication.StartAsync(
            [], configuration => configuration.AddInMemoryCollection(settings), ct, silo => silo.Services.AddSingleton<ILoggerProvider>(Logs));
    }
}

/// <summary>
/// Orleans' own connections under <c>Cluster:Tls</c>: the silos form a cluster and serve grain calls over mutual TLS; an Orleans
/// client with a certificate of the cluster's CA connects; a client without a certificate, with one of another CA, or without
/// TLS cannot; and no private key or password ever reaches a log line.
/// </summary>
public sealed class ClusterTlsTests(ClusterTlsClusterFixture fixture) : IClassFixture<ClusterTlsClusterFixture>
{
    [Fact]
    public async Task TheTlsSilosFormOneClusterAndATrustedClientCallsGrainsOnBoth()
    {
        var ct = TestContext.Current.CancellationToken;
        var (certFile, keyFile) = fixture.Authority.WritePem("client-ok");
        using var client = await fixture.StartClientAsync(new() { ["Enabled"] = "true", ["CaFile"] = fixture.Authority.CaFile, ["CertFile"] = certFile, ["KeyFile"] = keyFile }, ct);
        var grains = client.Services.GetRequiredService<IClusterClient>();

        // Both silos active in the membership, each answering a system call the other forwards (silo-to-silo over TLS).
        var management = grains.GetGrain<IManagementGrain>(0);
        var active = await WaitForActiveSilosAsync(management, 2, ct);
        var statistics = await management.GetRuntimeStatistics([.. active], ct);
        Assert.Equal(2, statistics.Length);

        await using var store = new ClusterStateStoreClient(grains);
        for (var i = 0; i < 8; i++)
        {
            Assert.True((await store.SetAsync($"tls-key-{i}", $"value-{i}", cancellationToken: ct)).Success);
        }

        for (var i = 0; i < 8; i++)
        {
            Assert.Equal($"value-{i}", (await store.GetAsync($"tls-key-{i}", cancellationToken: ct)).Value?.GetString());
        }

        // The same keys read through the other silo's own grain factory.
        await using var fromSilo = new ClusterStateStoreClient(fixture.Silos[1].Services.GetRequiredService<IGrainFactory>());
        Assert.Equal("value-3", (await fromSilo.GetAsync("tls-key-3", cancellationToken: ct)).Value?.GetString());
        AssertNoSecretLogged();
    }

    [Fact]
    public async Task AClientWithoutACertificateCannotConnect()
    {
        var ct = TestContext.Current.CancellationToken;
        await Assert.ThrowsAnyAsync<Exception>(() => fixture.StartClientAsync(new() { ["Enabled"] = "true", ["CaFile"] = fixture.Authority.CaFile }, ct));
    }

    [Fact]
    public async Task AClientWithACertificateOfAnotherCaCannotConnectAndTheSiloSaysWhy()
    {
        var ct = TestContext.Current.CancellationToken;

        // The stranger trusts the cluster's CA (it would accept the gateway), but its own certificate is another CA's.
        var (certFile, keyFile) = fixture.Stranger.WritePem("client-stranger");
        var strangerCa = await File.ReadAllTextAsync(fixture.Stranger.CaFile, ct);
        var bothCas = fixture.Stranger.WriteFile("both-cas.pem", await File.ReadAllTextAsync(fixture.Authority.CaFile, ct) + strangerCa);
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => fixture.StartClientAsync(new() { ["Enabled"] = "true", ["CaFile"] = bothCas, ["CertFile"] = certFile, ["KeyFile"] = keyFile }, ct));
        Assert.False(refused is ClusterTlsConfigurationException, refused.Message);

        var warnings = fixture.Logs.Entries.Where(e => e.Level >= LogLevel.Warning).Select(e => $"{e.Category}: {e.Message}").ToArray();
        Assert.True(
            warnings.Any(w => w.Contains("refused a client certificate", StringComparison.Ordinal) && w.Contains("CN=client-stranger", StringComparison.Ordinal)),
            $"no refusal logged; client error: {refused.Message}; warnings: {string.Join(" | ", warnings)}");
        AssertNoSecretLogged();
    }

    [Fact]
    public async Task AClientWithoutTlsCannotConnect()
    {
        var ct = TestContext.Current.CancellationToken;
        await Assert.ThrowsAnyAsync<Exception>(() => fixture.StartClientAsync(null, ct));
    }

    [Fact]
    public async Task AClientThatTrustsAnotherCaRefusesTheGateway()
    {
        var ct = TestContext.Current.CancellationToken;
        var (certFile, keyFile) = fixture.Stranger.WritePem("client-wrong-trust");
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => fixture.StartClientAsync(new() { ["Enabled"] = "true", ["CaFile"] = fixture.Stranger.CaFile, ["CertFile"] = certFile, ["KeyFile"] = keyFile }, ct));
        Assert.False(refused is ClusterTlsConfigurationException, refused.Message);
        Assert.Contains(fixture.Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("refused a server certificate", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ASiloPortPeerWithACertificateOfAnotherCaIsDroppedDuringTheHandshake()
    {
        var ct = TestContext.Current.CancellationToken;
        using var rogue = fixture.Stranger.Issue("rogue-silo");
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, fixture.Silos[0].Options.SiloPort, ct);
        await using var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false, (_, _, _, _) => true);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));

        // TLS 1.3 finishes the client's side of the handshake before the server checks the client's certificate: the refusal
        // arrives on the first read, as an error or the end of the stream (a trusted peer would be waited on for its preamble).
        var dropped = false;
        try
        {
            await tls.AuthenticateAsClientAsync(
                new SslClientAuthenticationOptions { TargetHost = "localhost", ClientCertificates = [rogue] }, deadline.Token);
            dropped = await tls.ReadAsync(new byte[64], deadline.Token) == 0;
        }
        catch (Exception ex) when (ex is IOException or AuthenticationException)
        {
            dropped = true;
        }

        Assert.True(dropped);
        Assert.Contains(fixture.Logs.Entries, e => e.Level == LogLevel.Warning
            && e.Message.Contains("refused a client certificate", StringComparison.Ordinal)
            && e.Message.Contains("CN=rogue-silo", StringComparison.Ordinal));
    }

    private static async Task<SiloAddress[]> WaitForActiveSilosAsync(IManagementGrain management, int count, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            var hosts = await management.GetHosts(onlyActive: true);
            if (hosts.Count >= count)
            {
                return [.. hosts.Keys];
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), deadline.Token);
        }
    }

    private void AssertNoSecretLogged()
    {
        var keyBody = string.Concat(fixture.PemKeyText.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal))).Trim();
        var keyLine = fixture.PemKeyText.Split('\n')[1].Trim();
        foreach (var entry in fixture.Logs.Entries)
        {
            var text = entry.Message + " " + entry.Exception;
            Assert.DoesNotContain(ClusterTlsClusterFixture.PfxPassword, text, StringComparison.Ordinal);
            Assert.DoesNotContain("PRIVATE KEY", text, StringComparison.Ordinal);
            Assert.DoesNotContain(keyLine, text, StringComparison.Ordinal);
            Assert.DoesNotContain(keyBody, text, StringComparison.Ordinal);
        }

        Assert.NotEmpty(fixture.Logs.Entries);
    }
}
