using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansAio.Silo.Hosting;
using OrleansAio.Silo.Storage;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Hosting;

/// <summary>The silo's <c>/health</c> means something: it turns unhealthy when the broker or the storage goes away.</summary>
public sealed class SiloHealthCheckTests : IDisposable
{
    private readonly TempDirectory workingDirectory = new("silo-health");
    private readonly SiloPorts ports = new();

    public void Dispose() => workingDirectory.Dispose();

    [Fact]
    public async Task TheOrleansDashboardIsServedBesideTheHealthEndpoints()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var silo = await StartAsync(null, ct);
        using var http = new HttpClient { BaseAddress = silo.HttpAddress };

        using var page = await http.GetAsync(SiloApplication.OrleansDashboardPath, ct);

        Assert.True(page.IsSuccessStatusCode, $"GET {SiloApplication.OrleansDashboardPath}: {(int)page.StatusCode}");
        Assert.Contains("html", page.Content.Headers.ContentType?.MediaType ?? string.Empty, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASiloThatLosesItsBrokerReportsUnhealthyAndStaysAlive()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var silo = await StartAsync(null, ct);
        using var http = new HttpClient { BaseAddress = silo.HttpAddress };
        Assert.Equal("Healthy", await http.GetStringAsync("/health", ct));

        await silo.EmbeddedBroker!.StopAsync(ct);

        await WaitForHealthAsync(http, "Unhealthy", ct);
        Assert.Equal("Healthy", await http.GetStringAsync("/alive", ct));
    }

    [Fact]
    public async Task ASiloThatLosesItsStorageReportsUnhealthyUntilItIsBack()
    {
        var ct = TestContext.Current.CancellationToken;
        var options = new EmbeddedGarnetOptions { Port = FreePort.Get(), DataDirectory = Path.Combine(workingDirectory.Path, "store") };
        var garnet = new EmbeddedGarnet(options, NullLoggerFactory.Instance);
        garnet.Start();
        try
        {
            await using var silo = await StartAsync(garnet.ConnectionString, ct);
            using var http = new HttpClient { BaseAddress = silo.HttpAddress };
            Assert.Equal("Healthy", await http.GetStringAsync("/health", ct));

            garnet.Dispose();
            await WaitForHealthAsync(http, "Unhealthy", ct);

            // The same store back on the same port and data: the silo reconnects and is healthy again (and can stop cleanly).
            garnet = new EmbeddedGarnet(options, NullLoggerFactory.Instance);
            garnet.Start();
            await WaitForHealthAsync(http, "Healthy", ct);
        }
        finally
        {
            garnet.Dispose();
        }
    }

    private async Task<SiloApplication> StartAsync(string? redis, CancellationToken cancellationToken)
    {
        var settings = ports.ToConfiguration();
        settings["Silo:DataDirectory"] = Path.Combine(workingDirectory.Path, "data");
        settings["Logging:LogLevel:Default"] = "Critical";
        if (redis is not null)
        {
            settings["ConnectionStrings:Redis"] = redis;
        }

        return await SiloApplication.StartAsync([], configuration => configuration.AddInMemoryCollection(settings), cancellationToken);
    }

    // A bounded wait for the state to change, not a timing assertion.
    private static async Task WaitForHealthAsync(HttpClient http, string expected, CancellationToken cancellationToken)
    {
        string last = string.Empty;
        for (var attempt = 0; attempt < 120; attempt++)
        {
            using var response = await http.GetAsync("/health", cancellationToken);
            last = await response.Content.ReadAsStringAsync(cancellationToken);
            if (last == expected)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }

        Assert.Fail($"/health stayed '{last}', expected '{expected}'");
    }
}
