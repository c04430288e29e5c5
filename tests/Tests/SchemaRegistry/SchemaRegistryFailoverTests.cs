using OrleansAio.Protocol.SchemaRegistry;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.SchemaRegistry;

/// <summary>A two-silo cluster of its own: the failover test stops one silo.</summary>
public sealed class SchemaRegistryFailoverClusterFixture : AioClusterFixture;

/// <summary>
/// Schema grains live on every silo; when a silo stops, its schemas re-activate from grain storage on the remaining silo and are
/// served over both access paths, and the stopped silo's wire endpoint has left the shared group.
/// </summary>
public sealed class SchemaRegistryFailoverTests(SchemaRegistryFailoverClusterFixture fixture) : IClassFixture<SchemaRegistryFailoverClusterFixture>
{
    [Fact]
    public async Task SchemasHostedOnAStoppedSiloAreServedByTheRemainingSilo()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var connections = new SchemaRegistryConnections(fixture);
        var wire = await connections.WireAsync("failover");
        var grains = connections.Grain();
        var victim = fixture.Cluster.Silos[1];
        var management = fixture.Client.GetGrain<IManagementGrain>(0);

        var stored = new Dictionary<string, Schema>(StringComparer.Ordinal);
        var onVictim = 0;
        for (var i = 0; i < 64 && (onVictim == 0 || stored.Count < 8); i++)
        {
            var registry = i % 2 == 0 ? (ISchemaRegistryClient)wire : grains;
            var schema = await registry.PutAsync(SchemaTexts.Unique($"failover-{i}"), SchemaFormat.JsonSchemaDraft07, tags: new Dictionary<string, string> { ["i"] = $"{i}" }, cancellationToken: ct);
            stored[schema.Name] = schema;
            var hosted = await management.GetDetailedGrainStatistics(null, [victim.SiloAddress], ct);
            onVictim = hosted.Count(s => stored.ContainsKey(s.GrainId.Key.ToString()!));
        }

        Assert.True(onVictim > 0, "no schema grain was placed on the silo to stop");
        await fixture.Cluster.StopSiloAsync(victim, ct);

        foreach (var (name, schema) in stored)
        {
            var overWire = await wire.GetAsync(name, cancellationToken: ct);
            Assert.Equal(schema.SchemaContent, overWire.SchemaContent);
            Assert.Equal(schema.Tags, overWire.Tags);
            Assert.Equal(schema.Tags, (await grains.GetAsync(name, cancellationToken: ct)).Tags);
        }

        var survivor = fixture.Cluster.Silos.Single().SiloAddress;
        var reactivated = await management.GetDetailedGrainStatistics(null, [survivor], ct);
        Assert.Equal(stored.Count, reactivated.Count(s => stored.ContainsKey(s.GrainId.Key.ToString()!)));

        var after = await wire.PutAsync(SchemaTexts.Unique("after-stop"), SchemaFormat.JsonSchemaDraft07, cancellationToken: ct);
        Assert.Equal(after.SchemaContent, (await grains.GetAsync(after.Name, cancellationToken: ct)).SchemaContent);
    }
}
