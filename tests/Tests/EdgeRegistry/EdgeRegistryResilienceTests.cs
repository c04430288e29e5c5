using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansAio.GrainsInterfaces.EdgeRegistry;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Connection;
using OrleansAio.Protocol.EdgeRegistry;
using OrleansAio.Protocol.Session;
using OrleansAio.Silo.Hosting;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.EdgeRegistry;

/// <summary>A two-silo cluster of its own: the failover test stops one silo.</summary>
public sealed class EdgeRegistryFailoverClusterFixture : AioClusterFixture;

/// <summary>Edge Registry Resources move when a silo stops: their grains re-activate from storage on the remaining silo.</summary>
public sealed class EdgeRegistryFailoverTests(EdgeRegistryFailoverClusterFixture fixture) : IClassFixture<EdgeRegistryFailoverClusterFixture>
{
    [Fact]
    public async Task ResourcesHostedOnAStoppedSiloAreServedByTheRemainingSilo()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var connections = new EdgeRegistryConnections(fixture);
        var wire = await connections.WireAsync("er-failover");
        var victim = fixture.Cluster.Silos[1];
        var management = fixture.Client.GetGrain<IManagementGrain>(0);
        var groupId = EdgeIds.Group();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var onVictim = 0;
        for (var i = 0; i < 64 && (onVictim == 0 || keys.Count < 8); i++)
        {
            var id = $"failover-{i}";
            await wire.CreateSchemaVersionAsync(groupId, id, [new Label("i", $"{i}")], new ExtensionVersionAttributes { Format = "JsonSchema/draft-07", Document = EdgeIds.EmptyObject, Labels = [new Label("v", $"{i}")] }, cancellationToken: ct);
            keys.Add($"schemagroups/{groupId}/schemas/{id}");
            var hosted = await management.GetDetailedGrainStatistics(null, [victim.SiloAddress], ct);
            onVictim = hosted.Count(s => keys.Contains(s.GrainId.Key.ToString()!));
        }

        Assert.True(onVictim > 0, "no Resource grain was placed on the silo to stop");
        await fixture.Cluster.StopSiloAsync(victim, ct);

        var listed = await wire.ListSchemaVersionsAsync(groupId, cancellationToken: ct);
        Assert.Equal(keys.Count, listed.Count);
        foreach (var version in listed)
        {
            var read = await wire.GetSchemaVersionAsync(groupId, version.ResourceId, version.VersionId, cancellationToken: ct);
            Assert.Equal(EdgeIds.EmptyObjectHash, read.DocumentHash);
            Assert.Equal(version.ResourceId["failover-".Length..], Assert.Single(read.Labels).Value);
            var resource = await wire.GetResourceAsync("schemagroups", groupId, "schemas", version.ResourceId, cancellationToken: ct);
            Assert.Equal(new Label("i", version.ResourceId["failover-".Length..]), Assert.Single(resource.Meta.Labels));
        }

        var grain = fixture.Client.GetGrain<IEdgeRegistryGrain>(0);
        Assert.Equal((ulong)keys.Count, (await grain.GetGroupAsync("schemagroups", groupId)).Output!.ResourcesCounts["schemas"]);
    }
}

/// <summary>Every acknowledged Edge Registry change survives a crash of the whole silo process.</summary>
public sealed class EdgeRegistryDurabilityTests : IDisposable
{
    private readonly TempDirectory workingDirectory = new("edge-durability");
    private readonly SiloPorts ports = new();

    private string DataDirectory => Path.Combine(workingDirectory.Path, "data");

    public void Dispose() => workingDirectory.Dispose();

    [Fact]
    public async Task AcknowledgedChangesSurviveAKilledSiloProcess()
    {
        var ct = TestContext.Current.CancellationToken;
        var groupId = EdgeIds.Group();
        ExtensionVersion schemaVersion;
        await using (var silo = SiloProcess.Start(workingDirectory.Path, [.. ports.ToArguments(), $"--Silo:DataDirectory={DataDirectory}"]))
        {
            await silo.WaitForOutputAsync("Orleans silo of service", TimeSpan.FromSeconds(90), ct);
            await using var session = await ConnectAsync("before", ct);
            await using var registry = new EdgeRegistryClient(new ApplicationContext(), session);
            await registry.CreateGroupAsync("thingdescriptiongroups", groupId, new GroupAttributes { Name = "durable", Labels = [new Label("k", "v")] }, cancellationToken: ct);
            for (var i = 0; i < 5; i++)
            {
                await registry.CreateVersionAsync("thingdescriptiongroups", groupId, "thingdescriptions", $"td-{i}", [new Label("n", $"{i}")], null, new VersionAttributes { Document = EdgeIds.EmptyObject, Format = "JsonLD/1.1" }, cancellationToken: ct);
            }

            await registry.DeleteResourceAsync("thingdescriptiongroups", groupId, "thingdescriptions", "td-0", cancellationToken: ct);
            schemaVersion = await registry.CreateSchemaVersionAsync(groupId, "s", [], new ExtensionVersionAttributes { Format = "Avro/1.11.0", Document = "{\"type\":\"int\"}"u8.ToArray() }, cancellationToken: ct);
            silo.Crash();
            await silo.WaitForExitAsync(TimeSpan.FromSeconds(30), ct);
        }

        var settings = ports.ToConfiguration();
        settings["Silo:DataDirectory"] = DataDirectory;
        settings["Logging:LogLevel:Default"] = "Warning";
        await using var restarted = await SiloApplication.StartAsync([], configuration => configuration.AddInMemoryCollection(settings), ct);
        await using var afterSession = await ConnectAsync("after", ct);
        await using var wire = new EdgeRegistryClient(new ApplicationContext(), afterSession);

        var group = await wire.GetGroupAsync("thingdescriptiongroups", groupId, cancellationToken: ct);
        Assert.Equal(("durable", 4UL), (group.Name, group.ResourcesCounts["thingdescriptions"]));
        var resources = await wire.ListResourcesAsync(new ListResourcesRequest { GroupType = "thingdescriptiongroups", GroupId = groupId }, cancellationToken: ct);
        Assert.Equal(["td-1", "td-2", "td-3", "td-4"], resources.Select(r => r.ResourceId));
        Assert.Contains(new Label("n", "3"), (await wire.GetResourceAsync("thingdescriptiongroups", groupId, "thingdescriptions", "td-3", cancellationToken: ct)).Meta.Labels);
        var schema = await wire.GetSchemaVersionAsync(groupId, "s", null, cancellationToken: ct);
        Assert.Equal((schemaVersion.VersionId, schemaVersion.DocumentHash, schemaVersion.CreatedAt), (schema.VersionId, schema.DocumentHash, schema.CreatedAt));
        Assert.Equal("2", (await wire.CreateVersionAsync("thingdescriptiongroups", groupId, "thingdescriptions", "td-1", [], null, new VersionAttributes(), cancellationToken: ct)).VersionId);
        var grains = restarted.Services.GetRequiredService<IGrainFactory>().GetGrain<IEdgeRegistryGrain>(0);
        Assert.Contains(groupId, (await grains.ListGroupsAsync("thingdescriptiongroups")).Output!);
    }

    private async Task<MqttSessionClient> ConnectAsync(string suffix, CancellationToken ct)
    {
        var session = new MqttSessionClient(new MqttSessionClientOptions(), NullLoggerFactory.Instance);
        await session.ConnectAsync(new MqttConnectionSettings { HostName = "127.0.0.1", TcpPort = ports.Broker, UseTls = false, ClientId = MqttTestClient.TestClientId(suffix) }, ct);
        return session;
    }
}
