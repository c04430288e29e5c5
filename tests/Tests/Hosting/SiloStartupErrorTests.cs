using System.Net;
using System.Net.Sockets;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Hosting;

/// <summary>
/// Each bad setting stops the real silo program with a non-zero exit code and exactly one line on standard error that starts
/// with the setting's name, and no stack trace.
/// </summary>
public sealed class SiloStartupErrorTests : IDisposable
{
    private readonly TempDirectory workingDirectory = new("silo-errors");
    private readonly SiloPorts ports = new();

    public void Dispose() => workingDirectory.Dispose();

    public static TheoryData<string, string, string> BadSettings => new()
    {
        { "--ConnectionStrings:Mqtt=HostName", "ConnectionStrings:Mqtt", "HostName" },
        { "--ConnectionStrings:Mqtt=TcpPort=1883;UseTls=false", "ConnectionStrings:Mqtt", "HostName" },
        { "--ConnectionStrings:Mqtt=HostName=127.0.0.1;TcpPort=seventy;UseTls=false", "ConnectionStrings:Mqtt", "TcpPort" },
        { "--ConnectionStrings:Redis=nonsense=yes", "ConnectionStrings:Redis", "cannot be parsed" },
        { "--Silo:SiloPort=abc", "Silo:SiloPort", "'abc' is not a valid Int32" },
        { "--Silo:GatewayPort=70000", "Silo:GatewayPort", "is not a TCP port" },
        { "--Silo:ClusterId= ", "Silo:ClusterId", "must not be empty" },
        { "--Silo:AdvertisedAddress=not-an-ip", "Silo:AdvertisedAddress", "is not an IP address" },
        { "--Silo:Brokerport2=1", "Silo:Brokerport2", "is not a known setting" },
        { "--Silo:ShutdownTimeout=-00:00:01", "Silo:ShutdownTimeout", "must be positive" },
        { "--Silo:MqttMaxPendingOperations=0", "Silo:MqttMaxPendingOperations", "must be at least 1" },
        { "--StateStore:MaxKeyBytes=0", "StateStore:MaxKeyBytes", "the key limit must be at least 1 byte" },
        { "--Silo:GarnetMemory=lots", "Silo:GarnetMemory", "'lots' is not a Garnet size" },
        { "--Silo:GarnetIndexSize=16 m", "Silo:GarnetIndexSize", "'16 m' is not a Garnet size" },
        { "--Silo:AdvertisedAddress=10.9.9.9", "Silo:AdvertisedAddress", "10.9.9.9 is not an address of this machine" },
        { "--StateStore:MaxClockDrift=-00:00:01", "StateStore:MaxClockDrift", "the clock drift must be positive" },
        { "--StateStore:ExecutionTimeout=00:00:00.500", "StateStore:ExecutionTimeout", "the execution timeout must be between 1 second and 5 minutes" },
        { "--Leasing:ReobserveInterval=00:10:00", "Leasing:ReobserveInterval", "must be positive and below 5 minutes" },
        { "--Silo:BrokerBindAddress=0.0.0.0", "Silo:BrokerBindAddress", "with no authentication: set Broker:Authentication:PasswordFile" },
        { "--Broker:Acl:File=/nonexistent/acl", "Broker:Acl:File", "does not exist" },
        { "--Broker:Authentication:Sat:SigningKeysFile=/etc/hostname", "Broker:Authentication:Sat:Issuer", "must be set" },
        { "--StateStore:Authorization:MaxKeysPerClient=-1", "StateStore:Authorization:MaxKeysPerClient", "must be 0 (no limit) or more" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task ABadSettingIsReportedInOneLineNamingIt(string argument, string setting, string problem)
    {
        var output = await RunAsync(argument);
        Assert.StartsWith($"{setting}: ", output);
        Assert.Contains(problem, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoSettingsWithTheSamePortAreReported()
    {
        var output = await RunAsync($"--Silo:HttpPort={ports.Silo}");
        Assert.Equal($"Silo:HttpPort: port {ports.Silo} is also used by Silo:SiloPort", output);
    }

    [Fact]
    public async Task APortInUseIsReportedByItsSetting()
    {
        using var occupant = new TcpListener(IPAddress.Loopback, ports.Broker);
        occupant.Start();
        var output = await RunAsync();
        Assert.Equal($"Silo:BrokerPort: port {ports.Broker} on 127.0.0.1 is in use", output);
    }

    [Fact]
    public async Task ADataDirectoryThatCannotBeWrittenIsReported()
    {
        // Root may write anywhere, so make the directory impossible instead: a path below a regular file.
        var file = Path.Combine(workingDirectory.Path, "a-file");
        await File.WriteAllTextAsync(file, "not a directory", TestContext.Current.CancellationToken);
        var output = await RunAsync($"--Silo:DataDirectory={Path.Combine(file, "data")}");
        Assert.StartsWith("Silo:DataDirectory: ", output);
        Assert.Contains("is not writable", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnreachableExternalBrokerIsReported()
    {
        var closedPort = FreePort.Get();
        var output = await RunAsync($"--ConnectionStrings:Mqtt=HostName=127.0.0.1;TcpPort={closedPort};UseTls=false", "--Silo:ConnectTimeout=00:00:05");
        Assert.StartsWith("ConnectionStrings:Mqtt: cannot connect to the MQTT broker at 127.0.0.1:" + closedPort, output);
    }

    [Fact]
    public async Task ABrokerThatNeverAnswersConnectIsReportedAfterTheConnectTimeout()
    {
        // Accepts TCP connections and never writes a byte: no CONNACK ever comes.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var accepted = new List<TcpClient>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var accepting = Task.Run(
            async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    accepted.Add(await silent.AcceptTcpClientAsync(stop.Token));
                }
            },
            TestContext.Current.CancellationToken);

        var output = await RunAsync($"--ConnectionStrings:Mqtt=HostName=127.0.0.1;TcpPort={port};UseTls=false", "--Silo:ConnectTimeout=00:00:03");

        Assert.StartsWith($"ConnectionStrings:Mqtt: cannot connect to the MQTT broker at 127.0.0.1:{port}", output);
        Assert.Contains("timed out after 00:00:03", output, StringComparison.Ordinal);
        await stop.CancelAsync();
        await accepting.ContinueWith(_ => { }, TaskScheduler.Default);
        accepted.ForEach(c => c.Dispose());
    }

    [Fact]
    public async Task AnUnreachableExternalRedisIsReported()
    {
        var closedPort = FreePort.Get();
        var output = await RunAsync($"--ConnectionStrings:Redis=127.0.0.1:{closedPort}", "--Silo:ConnectTimeout=00:00:03");
        Assert.StartsWith($"ConnectionStrings:Redis: cannot connect to Redis at 127.0.0.1:{closedPort}", output);
    }

    private async Task<string> RunAsync(params string[] extra)
    {
        string[] args = [.. ports.ToArguments(), $"--Silo:DataDirectory={Path.Combine(workingDirectory.Path, "data")}", .. extra];
        await using var silo = SiloProcess.Start(workingDirectory.Path, args);
        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        Assert.NotEqual(0, exitCode);
        var line = Assert.Single(silo.StandardError, l => !string.IsNullOrWhiteSpace(l));
        Assert.DoesNotContain("   at ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);
        return line;
    }
}
