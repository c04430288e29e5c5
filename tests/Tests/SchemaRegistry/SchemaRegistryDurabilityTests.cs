using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansAio.Grains.SchemaRegistry;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Connection;
using OrleansAio.Protocol.SchemaRegistry;
using OrleansAio.Protocol.Session;
using OrleansAio.Silo.Hosting;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.SchemaRegistry;

/// <summary>
/// Every acknowledged put survives a crash of the whole silo process: the silo program runs as a child process (embedded broker
/// and Garnet on a temporary data directory), takes puts over MQTT, is killed, and is started again in-process.
/// </summary>
public sealed class SchemaRegistryDurabilityTests : IDisposable
{
    private static readonly TimeSpan StartGuard = TimeSpan.FromSeconds(90);
    private readonly TempDirectory workingDirectory = new("schema-durability");
    private readonly SiloPorts ports = new();

    private string DataDirectory => Path.Combine(workingDirectory.Path, "data");

    public void Dispose() => workingDirectory.Dispose();

    [Fact]
    public async Task AcknowledgedPutsSurviveAKilledSiloProcess()
    {
        var ct = TestContext.Current.CancellationToken;
        var written = new List<Schema>();
        await using (var silo = SiloProcess.Start(workingDirectory.Path, [.. ports.ToArguments(), $"--Silo:DataDirectory={DataDirectory}"]))
        {
            await silo.WaitForOutputAsync("Orleans silo of service", StartGuard, ct);
            await using var session = await ConnectAsync("before", ct);
            await using var registry = new SchemaRegistryClient(new ApplicationContext(), session);
            for (var i = 0; i < 10; i++)
            {
                var content = SchemaTexts.Unique($"durable-{i}");
                written.Add(await registry.PutAsync(content, SchemaFormat.JsonSchemaDraft07, tags: new Dictionary<string, string> { ["i"] = $"{i}" }, cancellationToken: ct));
                written.Add(await registry.PutAsync(content, SchemaFormat.JsonSchemaDraft07, version: "2", description: $"second {i}", cancellationToken: ct));
            }

            silo.Crash();
            await silo.WaitForExitAsync(TimeSpan.FromSeconds(30), ct);
        }

        var settings = ports.ToConfiguration();
        settings["Silo:DataDirectory"] = DataDirectory;
        settings["Logging:LogLevel:Default"] = "Warning";
        await using var restarted = await SiloApplication.StartAsync([], configuration => configuration.AddInMemoryCollection(settings), ct);
        await using var afterSession = await ConnectAsync("after", ct);
        await using var wire = new SchemaRegistryClient(new ApplicationContext(), afterSession);
        await using var grains = new ClusterSchemaRegistryClient(restarted.Services.GetRequiredService<IGrainFactory>());
        foreach (var schema in written)
        {
            var overWire = await wire.GetAsync(schema.Name, schema.Version, cancellationToken: ct);
            Assert.Equal(schema, overWire with { Tags = schema.Tags });
            Assert.Equal(schema.Tags, overWire.Tags);
            var overGrains = await grains.GetAsync(schema.Name, schema.Version, cancellationToken: ct);
            Assert.Equal((schema.SchemaContent, schema.Version, schema.Description), (overGrains.SchemaContent, overGrains.Version, overGrains.Description));
        }

        var again = await wire.PutAsync(written[0].SchemaContent, SchemaFormat.JsonSchemaDraft07, tags: new Dictionary<string, string> { ["i"] = "changed" }, cancellationToken: ct);
        Assert.Equal("0", again.Tags!["i"]);
    }

    private async Task<MqttSessionClient> ConnectAsync(string suffix, CancellationToken ct)
    {
        var session = new MqttSessionClient(new MqttSessionClientOptions(), NullLoggerFactory.Instance);
        await session.ConnectAsync(new MqttConnectionSettings { HostName = "127.0.0.1", TcpPort = ports.Broker, UseTls = false, ClientId = MqttTestClient.TestClientId(suffix) }, ct);
        return session;
    }
}
