using Microsoft.Extensions.Configuration;
using OrleansAio.Samples.Thermostat;
using OrleansAio.Silo.Hosting;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Rpc;

/// <summary>The README's walk-through: the sample silo (standard host, embedded broker and Garnet) and the sample client.</summary>
public sealed class ThermostatSampleTests : IDisposable
{
    private readonly TempDirectory workingDirectory = new("thermostat-sample");
    private readonly SiloPorts ports = new();

    public void Dispose() => workingDirectory.Dispose();

    [Fact]
    public async Task TheSampleRunsEndToEndWithTheEmbeddedDefaults()
    {
        var ct = TestContext.Current.CancellationToken;
        var settings = ports.ToConfiguration();
        settings["Silo:DataDirectory"] = Path.Combine(workingDirectory.Path, "data");
        settings["Logging:LogLevel:Default"] = "Warning";
        await using var silo = await SiloApplication.StartAsync(
            [], configuration => configuration.AddInMemoryCollection(settings), ct, configureSilo: ThermostatSilo.Configure);
        using var output = new StringWriter();

        var status = await ThermostatDemo.RunAsync(
            new ThermostatDemoOptions { GatewayPort = ports.Gateway, BrokerPort = ports.Broker, ThermostatId = "thermostat-test" }, output, ct);

        Assert.Equal(new ThermostatStatus("thermostat-test", 22.5, 20.5), status);
        var lines = output.ToString();
        Assert.Contains("observer: thermostat-test reads 20.5 °C", lines, StringComparison.Ordinal);
        Assert.Contains("setTarget answered: 20 -> 22.5 °C, heating: True", lines, StringComparison.Ordinal);
        Assert.Contains("application error OutOfRange", lines, StringComparison.Ordinal);
        Assert.Contains("getFirmware answered by the device: 2.4.1+build.77", lines, StringComparison.Ordinal);
    }
}
