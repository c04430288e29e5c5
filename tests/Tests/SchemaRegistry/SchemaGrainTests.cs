using OrleansAio.GrainsInterfaces.SchemaRegistry;
using OrleansAio.Protocol.SchemaRegistry;

namespace OrleansAio.Tests.SchemaRegistry;

/// <summary>The per-schema grain guards its key: only content whose SHA-256 is the key is stored under it.</summary>
public sealed class SchemaGrainTests(SchemaRegistryClusterFixture fixture) : IClassFixture<SchemaRegistryClusterFixture>
{
    [Fact]
    public async Task ContentWhoseHashIsNotTheKeyIsRefusedAndNothingIsStored()
    {
        var content = SchemaTexts.Unique();
        var otherName = SchemaName.FromContent(content + " ");
        var grain = fixture.Client.GetGrain<ISchemaGrain>(otherName);
        var refused = await grain.PutAsync(new SchemaInfo(otherName, "DefaultSRNamespace", "JsonSchema/draft-07", "MessageSchema", content, "1"), 10);
        Assert.Equal((SchemaRegistryErrorKind.BadRequest, "Name"), (refused.Error!.Kind, refused.Error.Target));
        Assert.Empty(await grain.GetVersionsAsync());
        Assert.Equal(SchemaRegistryErrorKind.NotFound, (await grain.GetAsync("1")).Error!.Kind);
    }

    [Fact]
    public async Task TheRegistryGrainStoresVersionsInPutOrder()
    {
        var content = SchemaTexts.Unique();
        var registry = fixture.Client.GetGrain<ISchemaRegistryGrain>(0);
        await registry.PutAsync(new SchemaPutRequest(content, "JsonSchema/draft-07", Version: "b"));
        await registry.PutAsync(new SchemaPutRequest(content, "JsonSchema/draft-07", Version: "a", Tags: new Dictionary<string, string> { ["x"] = "y" }));
        var versions = await fixture.Client.GetGrain<ISchemaGrain>(SchemaName.FromContent(content)).GetVersionsAsync();
        Assert.Equal(["b", "a"], versions.Select(v => v.Version));
        Assert.Equal("y", versions[1].Tags!["x"]);
    }
}
