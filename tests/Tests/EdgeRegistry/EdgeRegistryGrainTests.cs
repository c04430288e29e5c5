using System.Text;
using OrleansAio.GrainsInterfaces.EdgeRegistry;
using OrleansAio.GrainsInterfaces.SchemaRegistry;

namespace OrleansAio.Tests.EdgeRegistry;

/// <summary>The Edge Registry through grain calls (<see cref="IEdgeRegistryGrain"/>), the access path of Orleans apps.</summary>
public sealed class EdgeRegistryGrainTests(EdgeRegistryClusterFixture fixture) : IClassFixture<EdgeRegistryClusterFixture>
{
    private static readonly IReadOnlyDictionary<string, byte[]> None = new Dictionary<string, byte[]>();

    private IEdgeRegistryGrain Registry => fixture.Client.GetGrain<IEdgeRegistryGrain>(0);

    [Fact]
    public async Task GroupsResourcesAndVersionsRoundTripAndDeleteCascades()
    {
        var (groupId, resourceId) = (EdgeIds.Group(), EdgeIds.Resource());
        var group = await Registry.CreateGroupAsync("thingmodelgroups", groupId, new EdgeGroupAttributes("g", null, null, null, [new EdgeLabel("a", "1")], null, None));
        Assert.Equal((groupId, 1UL), (group.Output!.Id, group.Output.Epoch));

        var resource = new EdgeResourceXId("thingmodelgroups", groupId, "thingmodels", resourceId);
        var created = await Registry.CreateResourceAsync(resource, new EdgeResourceMetaAttributes(null, [], null, null, None), None, "v-a", Version("first"));
        Assert.Equal(("v-a", true, 1UL), (created.Output!.DefaultVersion.VersionId, created.Output.DefaultVersion.IsDefault, created.Output.VersionsCount));

        var second = await Registry.CreateVersionAsync(resource, [new EdgeLabel("env", "test")], null, Version("second"));
        Assert.Equal("1", second.Output!.VersionId);
        var listed = await Registry.ListVersionsAsync(new EdgeGroupScope("thingmodelgroups", groupId, false), "thingmodels", resourceId);
        Assert.Equal(["v-a", "1"], listed.Output!.Select(v => v.VersionId));
        var byLabel = await Registry.ListResourcesAsync(new EdgeGroupScope(null, null, true), label: new EdgeLabel("env", "test"));
        Assert.Contains(resource, byLabel.Output!);

        Assert.True((await Registry.DeleteGroupAsync("thingmodelgroups", groupId)).Output);
        Assert.Equal(EdgeRegistryErrorKind.NotFound, (await Registry.GetResourceAsync(resource)).Error!.Kind);
        Assert.Equal(EdgeRegistryErrorKind.NotFound, (await Registry.GetGroupAsync("thingmodelgroups", groupId)).Error!.Kind);
        Assert.DoesNotContain(groupId, (await Registry.ListGroupsAsync("thingmodelgroups")).Output!);

        // Ids are never reused: the Resource created again continues the counter.
        await Registry.CreateVersionAsync(resource, [], null, Version("again"));
        Assert.Equal("2", (await Registry.GetVersionAsync(resource, null)).Output!.VersionId);
    }

    [Fact]
    public async Task DeletingTheLastVersionDeletesTheResource()
    {
        var resource = new EdgeResourceXId("schemagroups", EdgeIds.Group(), "schemas", EdgeIds.Resource());
        var created = await Registry.CreateVersionAsync(resource, [], null, Version("only"));
        Assert.True((await Registry.DeleteVersionAsync(resource, created.Output!.VersionId)).Output);
        Assert.Equal(EdgeRegistryErrorKind.NotFound, (await Registry.GetResourceAsync(resource)).Error!.Kind);
        Assert.DoesNotContain(resource, (await Registry.ListResourcesAsync(new EdgeGroupScope("schemagroups", resource.GroupId, false))).Output!);
        Assert.Equal(EdgeRegistryErrorKind.NotFound, (await Registry.DeleteVersionAsync(resource, created.Output.VersionId)).Error!.Kind);
    }

    [Fact]
    public async Task ARepeatedExplicitVersionIdWithTheSameAttributesReturnsTheStoredVersion()
    {
        var resource = new EdgeResourceXId("schemagroups", EdgeIds.Group(), "schemas", EdgeIds.Resource());
        var first = await Registry.CreateVersionAsync(resource, [], "7", Version("same"));
        var repeat = await Registry.CreateVersionAsync(resource, [], "7", Version("same"));
        Assert.Equal(first.Output!.CreatedAt, repeat.Output!.CreatedAt);
        Assert.Equal(1UL, (await Registry.GetResourceAsync(resource)).Output!.VersionsCount);
        Assert.Equal(EdgeRegistryErrorKind.Conflict, (await Registry.CreateVersionAsync(resource, [], "7", Version("other"))).Error!.Kind);
    }

    [Fact]
    public async Task AnInvalidScopeOrIdIsABadRequest()
    {
        Assert.Equal(EdgeRegistryErrorKind.BadRequest, (await Registry.ListVersionsAsync(new EdgeGroupScope(null, null, false))).Error!.Kind);
        Assert.Equal(EdgeRegistryErrorKind.BadRequest, (await Registry.CreateGroupAsync("a#b", null, EdgeGroupAttributes.Empty)).Error!.Kind);
        Assert.Equal(EdgeRegistryErrorKind.BadRequest, (await Registry.GetResourceAsync(new EdgeResourceXId("t", "g", "", "r"))).Error!.Kind);
    }

    [Fact]
    public async Task ASchemaVersionCreatedThroughGrainsIsInTheSchemaRegistry()
    {
        var content = "{\"$schema\":\"https://json-schema.org/draft-07/schema#\",\"title\":\"grain-" + Guid.NewGuid().ToString("N") + "\"}";
        var resource = new EdgeResourceXId("schemagroups", string.Empty, "schemas", EdgeIds.Schema());
        var attributes = new EdgeVersionAttributes(null, null, null, null, [], null, null, "JsonSchema/draft-07", Encoding.UTF8.GetBytes(content), None);
        var created = await Registry.CreateVersionAsync(resource, [], null, attributes);
        var schema = await fixture.Client.GetGrain<ISchemaRegistryGrain>(0).GetAsync(created.Output!.DocumentHash!, "1");
        Assert.Equal(content, schema.Schema!.SchemaContent);
        Assert.Equal("default", (await Registry.GetResourceAsync(resource)).Output!.Id.GroupId);
    }

    private static EdgeVersionAttributes Version(string name) => new(name, null, null, null, [], null, "application/json", null, EdgeIds.EmptyObject, None);
}
