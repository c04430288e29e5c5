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

    // The client's own build output (tests/Tests/bin/{Configuration}/{tfm} -> samples/.../bin/{Configuration}/{tfm}): its
    // runtime configuration and dependencies are there, not beside the tests.
    private static string ClientAssembly
    {
        get
        {
            var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var (framework, configuration) = (testOutput.Name, testOutput.Parent!.Name);
            var root = testOutput.Parent.Parent!.Parent!.Parent!.Parent!.FullName;
            return Path.Combine(root, "samples", "Thermostat", "Thermostat.Client", "bin", configuration, framework, "OrleansAio.Thermostat.Client.dll");
        }
    }

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

    [Fact]
    public async Task WithNoSiloRunningTheClientFailsWithinSecondsSayingWhatToStart()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = SiloProcess.StartProgram(
            ClientAssembly, workingDirectory.Path, "--gateway-port", ports.Gateway.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // A hang guard, not a timing assertion: the client gives up after its 10 s connect timeout.
        Assert.Equal(3, await client.WaitForExitAsync(TimeSpan.FromSeconds(90), ct));
        var error = Assert.Single(client.StandardError, l => !string.IsNullOrWhiteSpace(l));
        Assert.StartsWith($"cannot reach the silo's Orleans gateway at 127.0.0.1:{ports.Gateway}", error, StringComparison.Ordinal);
        Assert.Contains("dotnet run --project samples/Thermostat/Thermostat.Silo", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HelpPrintsTheUsage()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = SiloProcess.StartProgram(ClientAssembly, workingDirectory.Path, "--help");

        Assert.Equal(0, await client.WaitForExitAsync(TimeSpan.FromSeconds(60), ct));
        Assert.Contains(client.StandardOutput, l => l.StartsWith("Usage: dotnet run --project samples/Thermostat/Thermostat.Client", StringComparison.Ordinal));
        Assert.Contains(client.StandardOutput, l => l.Contains("--gateway-port N", StringComparison.Ordinal));
        Assert.DoesNotContain(client.StandardError, l => !string.IsNullOrWhiteSpace(l));
    }
}
