using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Connection;
using OrleansAio.Protocol.Session;
using OrleansAio.Protocol.StateStore;
using OrleansAio.Silo.Hosting;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Security;

/// <summary>
/// The standalone broker process (<c>OrleansAio.EdgeServices</c>, role <c>Broker</c>, as the AppHost starts it) run as a real
/// child process: it reads the silo's <c>Broker</c> section and applies the same bind-address rule; a silo reaches it through
/// <c>ConnectionStrings:Mqtt</c> with a user name and a password file. Every log line of both processes is captured at trace
/// level (MQTTnet included) and checked for the passwords.
/// </summary>
public sealed class EdgeServicesBrokerSecurityTests : IDisposable
{
    private readonly TempDirectory directory = new("edge-services-security");

    // The program's own build output (tests/Tests/bin/{Configuration}/{tfm} -> src/EdgeServices/bin/{Configuration}/{tfm}), where
    // its runtime configuration and appsettings.json are; the AppHost builds it, the tests do not copy it.
    private static string Program
    {
        get
        {
            var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var (framework, configuration) = (testOutput.Name, testOutput.Parent!.Name);
            var root = testOutput.Parent.Parent!.Parent!.Parent!.Parent!.FullName;
            return Path.Combine(root, "src", "EdgeServices", "bin", configuration, framework, "OrleansAio.EdgeServices.dll");
        }
    }

    public void Dispose() => directory.Dispose();

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ANonLoopbackBindWithoutAuthenticationRefusesToStartNamingTheSetting()
    {
        await using var broker = SiloProcess.StartProgram(Program, directory.Path, [.. BrokerArguments(FreePort.Get(), FreePort.Get()), "--EdgeServices:BindAddress=0.0.0.0"]);
        Assert.Equal(2, await broker.WaitForExitAsync(TimeSpan.FromSeconds(60), Ct));
        var line = Assert.Single(broker.StandardError);
        Assert.StartsWith("EdgeServices:BindAddress: the broker would listen on 0.0.0.0 with no authentication: set Broker:Authentication:PasswordFile", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownBrokerSettingRefusesToStartNamingTheSection()
    {
        await using var broker = SiloProcess.StartProgram(Program, directory.Path, [.. BrokerArguments(FreePort.Get(), FreePort.Get()), "--Broker:Authentication:PasswordFiel=/x"]);
        Assert.Equal(2, await broker.WaitForExitAsync(TimeSpan.FromSeconds(60), Ct));
        Assert.StartsWith("Broker: ", Assert.Single(broker.StandardError), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheBrokerChecksPasswordsAndASiloConnectsToItWithCredentials()
    {
        var logs = new SecretLogs();
        var passwords = Path.Combine(directory.Path, "passwords");
        await logs.AddUserAsync(passwords, "silo", "silo-secret", Ct);
        await logs.AddUserAsync(passwords, "app", "app-secret", Ct);
        logs.Add("wrong-secret");
        var (port, httpPort) = (FreePort.Get(), FreePort.Get());
        await using var broker = SiloProcess.StartProgram(
            Program,
            directory.Path,
            [
                .. BrokerArguments(port, httpPort),
                // Every address: allowed because a credentials file is configured.
                "--EdgeServices:BindAddress=0.0.0.0",
                $"--Broker:Authentication:PasswordFile={passwords}",
                "--Logging:LogLevel:Default=Trace",
                "--Logging:LogLevel:MQTTnet=Trace",
            ]);
        await broker.WaitForOutputAsync("Edge service Broker listening on 0.0.0.0", TimeSpan.FromSeconds(60), Ct);

        using (var wrong = new MqttClientFactory().CreateMqttClient())
        {
            var refused = await wrong.ConnectAsync(Options(port, "wrong").WithCredentials("app", "wrong-secret").Build(), Ct);
            Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, refused.ResultCode);
        }

        using (var anonymous = new MqttClientFactory().CreateMqttClient())
        {
            Assert.Equal(MqttClientConnectResultCode.NotAuthorized, (await anonymous.ConnectAsync(Options(port, "anon").Build(), Ct)).ResultCode);
        }

        using (var right = new MqttClientFactory().CreateMqttClient())
        {
            Assert.Equal(MqttClientConnectResultCode.Success, (await right.ConnectAsync(Options(port, "right").WithCredentials("app", "app-secret").Build(), Ct)).ResultCode);
            await right.DisconnectAsync(cancellationToken: Ct);
        }

        // A silo on this external broker: ConnectionStrings:Mqtt with Username and PasswordFile (the file holds the password
        // alone). It serves the state store through the broker to a client that authenticated as another user.
        var siloPassword = Path.Combine(directory.Path, "silo-password");
        await File.WriteAllTextAsync(siloPassword, "silo-secret", Ct);
        var ports = new SiloPorts();
        var settings = ports.ToConfiguration();
        settings["Silo:DataDirectory"] = Path.Combine(directory.Path, "data");
        settings["Logging:LogLevel:Default"] = "Warning";
        settings["ConnectionStrings:Mqtt"] = $"HostName=127.0.0.1;TcpPort={port.ToString(CultureInfo.InvariantCulture)};UseTls=false;Username=silo;PasswordFile={siloPassword}";
        await using (var silo = await SiloApplication.StartAsync([], configuration => configuration.AddInMemoryCollection(settings), Ct, s => logs.AddTo(s.Services)))
        {
            var session = new MqttSessionClient(new MqttSessionClientOptions(), NullLoggerFactory.Instance);
            await using var _ = session;
            await session.ConnectAsync(
                new MqttConnectionSettings
                {
                    HostName = "127.0.0.1",
                    TcpPort = port,
                    UseTls = false,
                    ClientId = MqttTestClient.TestClientId("app"),
                    Username = "app",
                    Password = Encoding.UTF8.GetBytes("app-secret"),
                },
                Ct);
            await using var store = new StateStoreClient(new ApplicationContext(), session);
            Assert.True((await store.SetAsync("edge-services/k", "v", cancellationToken: Ct)).Success);
            Assert.Equal("v", (await store.GetAsync("edge-services/k", cancellationToken: Ct)).Value?.GetString());
        }

        Assert.Contains(broker.StandardOutput, l => l.Contains("wrong user name or password", StringComparison.Ordinal));
        logs.AssertNoSecretLogged();
        broker.Terminate();
        Assert.Equal(0, await broker.WaitForExitAsync(TimeSpan.FromSeconds(60), Ct));
        logs.AssertNotInLines(broker.StandardOutput.Concat(broker.StandardError));
    }

    static string[] BrokerArguments(int port, int httpPort) =>
    [
        "--EdgeServices:Role=Broker",
        $"--EdgeServices:Port={port.ToString(CultureInfo.InvariantCulture)}",
        $"--EdgeServices:HttpPort={httpPort.ToString(CultureInfo.InvariantCulture)}",
    ];

    static MqttClientOptionsBuilder Options(int port, string suffix) => new MqttClientOptionsBuilder()
        .WithTcpServer("127.0.0.1", port)
        .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
        .WithClientId(MqttTestClient.TestClientId(suffix))
        .WithCleanStart(true);
}
