using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansAio.Client.EdgeRegistry;
using OrleansAio.Protocol.EdgeRegistry;
using OrleansAio.Protocol.Session;
using OrleansAio.Tests.Fixtures;
using OrleansAio.Protocol.SchemaRegistry;

namespace OrleansAio.Tests.EdgeRegistry;

/// <summary>
/// The Edge Registry's golden path, written once against <see cref="IEdgeRegistryClient"/> and run on both access paths, following
/// the public SDK's <c>EdgeRegistryClientIntegrationTests</c> (edge-registry.md §8), plus the recommended errors (§3, §11) and
/// the schema registry bridge (§10).
/// </summary>
public abstract class EdgeRegistryGoldenPathTests(EdgeRegistryClusterFixture fixture) : IAsyncLifetime
{
    private const string SchemaGroups = "schemagroups";
    private const string Schemas = "schemas";
    private static readonly Label Origin = new("origin", "integration-test");
    private readonly List<MqttSessionClient> sessions = [];
    private IEdgeRegistryClient? client;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private protected EdgeRegistryConnections Connections { get; } = new(fixture);

    private IEdgeRegistryClient Registry => client!;

    public async ValueTask InitializeAsync() => client = await CreateClientAsync();

    public async ValueTask DisposeAsync()
    {
        await Connections.DisposeAsync();
        foreach (var session in sessions)
        {
            await session.DisposeAsync();
        }
    }

    [Fact]
    public async Task CreateGetDeleteGroupRoundTrip()
    {
        var groupId = EdgeIds.Group();
        var created = await Registry.CreateGroupAsync(SchemaGroups, groupId, new GroupAttributes { Name = "integration-test group", Description = "d", Labels = [Origin] }, cancellationToken: Ct);
        Assert.Equal((groupId, "integration-test group", 1UL), (created.Id, created.Name, created.Epoch));
        Assert.Equal($"/schemagroups/{groupId}", created.Xid);
        Assert.Equal([Origin], created.Labels);

        var got = await Registry.GetGroupAsync(SchemaGroups, groupId, cancellationToken: Ct);
        Assert.Equal((created.Id, created.Xid, created.CreatedAt), (got.Id, got.Xid, got.CreatedAt));
        Assert.Empty(got.ResourcesCounts);

        var again = await Registry.CreateGroupAsync(SchemaGroups, groupId, new GroupAttributes { Name = "renamed" }, cancellationToken: Ct);
        Assert.Equal((2UL, "renamed", created.CreatedAt), (again.Epoch, again.Name, again.CreatedAt));

        await Registry.DeleteGroupAsync(SchemaGroups, groupId, cancellationToken: Ct);
        var gone = await Assert.ThrowsAsync<EdgeRegistryErrorException>(() => Registry.GetGroupAsync(SchemaGroups, groupId, cancellationToken: Ct));
        Assert.Equal((404UL, "Not Found", "Group not found", $"/schemagroups/{groupId}"), (gone.Error.Code, gone.Error.Status, gone.Error.Title, gone.Error.Subject));
        Assert.DoesNotContain(groupId, await Registry.ListGroupsAsync(SchemaGroups, cancellationToken: Ct));
    }

    [Fact]
    public async Task ListGroupsIncludesCreatedGroup()
    {
        var groupId = EdgeIds.Group();
        await Registry.CreateGroupAsync(SchemaGroups, groupId, new GroupAttributes(), cancellationToken: Ct);
        Assert.Contains(groupId, await Registry.ListGroupsAsync(SchemaGroups, cancellationToken: Ct));
    }

    [Fact]
    public async Task CreateResourceCreatesTheGroupAndTheDefaultVersion()
    {
        var (groupId, resourceId) = (EdgeIds.Group(), EdgeIds.Resource());
        var resource = await CreateResourceAsync(groupId, resourceId);
        Assert.Equal(resourceId, resource.Id);
        Assert.Equal($"/schemagroups/{groupId}/schemas/{resourceId}", resource.Xid);
        Assert.True(resource.DefaultVersion.IsDefault);
        Assert.Equal(("1", "1", "1", 1UL), (resource.Meta.DefaultVersionId, resource.DefaultVersion.VersionId, resource.DefaultVersion.Ancestor, resource.VersionsCount));
        Assert.Equal(EdgeIds.EmptyObjectHash, resource.DefaultVersion.DocumentHash);
        Assert.Equal(EdgeIds.EmptyObject, resource.DefaultVersion.Document);
        Assert.Equal($"{resource.Xid}/meta", resource.Meta.Xid);

        Assert.Equal(resourceId, (await Registry.GetResourceAsync(SchemaGroups, groupId, Schemas, resourceId, cancellationToken: Ct)).Id);
        Assert.True((await Registry.GetVersionAsync(SchemaGroups, groupId, Schemas, resourceId, null, cancellationToken: Ct)).IsDefault);
        Assert.Equal(1UL, (await Registry.GetGroupAsync(SchemaGroups, groupId, cancellationToken: Ct)).ResourcesCounts[Schemas]);

        await Registry.DeleteGroupAsync(SchemaGroups, groupId, cancellationToken: Ct);
        var gone = await Assert.ThrowsAsync<EdgeRegistryErrorException>(() => Registry.GetResourceAsync(SchemaGroups, groupId, Schemas, resourceId, cancellationToken: Ct));
        Assert.Equal(404UL, gone.Error.Code);
    }

    [Fact]
    public async Task CreateAndListVersionsRoundTrip()
    {
        var (groupId, resourceId) = (EdgeIds.Group(), EdgeIds.Resource());
        await CreateResourceAsync(groupId, resourceId);
        var second = await Registry.CreateVersionAsync(SchemaGroups, groupId, Schemas, resourceId, [], null, new VersionAttributes { Name = "v2" }, cancellationToken: Ct);
        Assert.True(second.IsDefault);
        Assert.Equal("2", second.VersionId);
        Assert.False((await Registry.GetVersionAsync(SchemaGroups, groupId, Schemas, resourceId, "1", cancellationToken: Ct)).IsDefault);

        var versions = await Registry.ListVersionsAsync(new ListVersionsRequest { GroupType = SchemaGroups, GroupId = groupId, ResourceType = Schemas, ResourceId = resourceId }, cancellationToken: Ct);
        Assert.Equal(["1", "2"], versions.Select(v => v.VersionId));
        Assert.All(versions, v => Assert.Equal(resourceId, v.ResourceId));

        await Registry.DeleteVersionAsync(SchemaGroups, groupId, Schemas, resourceId, second.VersionId, cancellationToken: Ct);
        Assert.True((await Registry.GetVersionAsync(SchemaGroups, groupId, Schemas, resourceId, null, cancellationToken: Ct)).IsDefault);
        var third = await Registry.CreateVersionAsync(SchemaGroups, groupId, Schemas, resourceId, [new Label("k", "v")], null, new VersionAttributes(), cancellationToken: Ct);
        Assert.Equal("3", third.VersionId);
        var resource = await Registry.GetResourceAsync(SchemaGroups, groupId, Schemas, resourceId, cancellationToken: Ct);
        Assert.Equal((2UL, "3", 2UL), (resource.VersionsCount, resource.Meta.DefaultVersionId, resource.Meta.Epoch));
        Assert.Contains(new Label("k", "v"), resource.Meta.Labels);
        await Registry.DeleteGroupAsync(SchemaGroups, groupId, cancellationToken: Ct);
    }

    [Fact]
    public async Task ListResourcesFindsTheResourceByScopeTypeAndLabel()
    {
        var (groupId, resourceId) = (EdgeIds.Group(), EdgeIds.Resource());
        await CreateResourceAsync(groupId, resourceId);
        var expected = new ResourceXId(SchemaGroups, groupId, Schemas, resourceId);
        Assert.Contains(expected, await Registry.ListResourcesAsync(new ListResourcesRequest { GroupType = SchemaGroups, GroupId = groupId, ResourceType = Schemas }, cancellationToken: Ct));
        Assert.Contains(expected, await Registry.ListResourcesAsync(new ListResourcesRequest { GroupType = SchemaGroups, AllGroups = true, Label = Origin }, cancellationToken: Ct));
        Assert.Contains(expected, await Registry.ListResourcesAsync(new ListResourcesRequest { GroupId = groupId }, cancellationToken: Ct));
        Assert.Empty(await Registry.ListResourcesAsync(new ListResourcesRequest { GroupType = SchemaGroups, GroupId = groupId, Label = new Label("origin", "elsewhere") }, cancellationToken: Ct));
        Assert.Empty(await Registry.ListResourcesAsync(new ListResourcesRequest { GroupType = "thingmodelgroups", AllGroups = true, ResourceType = Schemas }, cancellationToken: Ct));
    }

    [Theory]
    [InlineData(EdgeRegistryExtension.Schema, "JsonSchema/draft-07")]
    [InlineData(EdgeRegistryExtension.ThingDescription, "JsonLD/1.1")]
    [InlineData(EdgeRegistryExtension.ThingModel, "JsonLD/1.1")]
    public async Task ExtensionVersionRoundTripInTheDefaultGroup(EdgeRegistryExtension extension, string format)
    {
        var id = EdgeIds.Schema();
        var attributes = new ExtensionVersionAttributes { Format = format, Document = EdgeIds.EmptyObject };
        var first = await Registry.CreateExtensionVersionAsync(extension, null, id, [], attributes, cancellationToken: Ct);
        Assert.Equal(id, first.ResourceId);
        Assert.True(first.IsDefault);
        Assert.Equal((format, EdgeIds.EmptyObjectHash), (first.Format, first.DocumentHash));
        Assert.Equal($"/{EdgeRegistryTopics.GroupTypeOf(extension)}/default/{EdgeRegistryTopics.ResourceTypeOf(extension)}/{id}/versions/{first.VersionId}", first.Xid);
        Assert.Equal(first.VersionId, (await Registry.GetExtensionVersionAsync(extension, null, id, null, cancellationToken: Ct)).VersionId);

        var second = await Registry.CreateExtensionVersionAsync(extension, null, id, [], attributes, cancellationToken: Ct);
        Assert.NotEqual(first.VersionId, second.VersionId);
        Assert.True(second.IsDefault);

        var listed = await Registry.ListExtensionVersionsAsync(extension, null, resourceId: id, cancellationToken: Ct);
        Assert.True(listed.Count >= 2);
        Assert.All(listed, v => Assert.Equal(id, v.ResourceId));
        var byHash = await Registry.ListExtensionVersionsAsync(extension, null, allGroups: true, resourceId: id, documentHash: EdgeIds.EmptyObjectHash.ToLowerInvariant(), cancellationToken: Ct);
        Assert.Equal(2, byHash.Count);

        await Registry.DeleteExtensionVersionAsync(extension, null, id, second.VersionId, cancellationToken: Ct);
        var missing = await Assert.ThrowsAsync<EdgeRegistryErrorException>(() => Registry.GetExtensionVersionAsync(extension, null, id, second.VersionId, cancellationToken: Ct));
        Assert.Equal(404UL, missing.Error.Code);
        Assert.True((await Registry.GetExtensionVersionAsync(extension, null, id, first.VersionId, cancellationToken: Ct)).IsDefault);
    }

    [Fact]
    public async Task RecommendedErrorsAreInBandWithTheirCodes()
    {
        var (groupId, resourceId) = (EdgeIds.Group(), EdgeIds.Resource());
        await CreateResourceAsync(groupId, resourceId);

        var exists = await Assert.ThrowsAsync<EdgeRegistryErrorException>(() => CreateResourceAsync(groupId, resourceId));
        Assert.Equal((409UL, "Conflict"), (exists.Error.Code, exists.Error.Status));

        var taken = await Assert.ThrowsAsync<EdgeRegistryErrorException>(() =>
            Registry.CreateVersionAsync(SchemaGroups, groupId, Schemas, resourceId, [], "1", new VersionAttributes { Name = "different" }, cancellationToken: Ct));
        Assert.Equal(409UL, taken.Error.Code);

        var epoch = await Assert.ThrowsAsync<EdgeRegistryErrorException>(() =>
            Registry.DeleteGroupAsync(SchemaGroups, groupId, new DeleteOptions { ExpectedEpoch = 7 }, cancellationToken: Ct));
        Assert.Equal(409UL, epoch.Error.Code);

        var noScope = await Assert.ThrowsAsync<EdgeRegistryErrorException>(() => Registry.ListResourcesAsync(new ListResourcesRequest(), cancellationToken: Ct));
        Assert.Equal((400UL, "Bad Request", "Invalid scope"), (noScope.Error.Code, noScope.Error.Status, noScope.Error.Title));

        var missing = await Assert.ThrowsAsync<EdgeRegistryErrorException>(() => Registry.DeleteResourceAsync(SchemaGroups, groupId, Schemas, "nope", cancellationToken: Ct));
        Assert.Equal(404UL, missing.Error.Code);

        var large = await Assert.ThrowsAsync<EdgeRegistryErrorException>(() => Registry.CreateVersionAsync(
            SchemaGroups, groupId, Schemas, resourceId, [], null, new VersionAttributes { Document = new byte[EdgeRegistryClusterFixture.MaxDocumentBytes + 1] }, cancellationToken: Ct));
        Assert.Equal(400UL, large.Error.Code);
        Assert.Contains("EdgeRegistry:MaxDocumentBytes", large.Error.Detail, StringComparison.Ordinal);

        var badId = await Assert.ThrowsAsync<EdgeRegistryErrorException>(() => Registry.GetGroupAsync(SchemaGroups, "a/b", cancellationToken: Ct));
        Assert.Equal(400UL, badId.Error.Code);
        Assert.Contains("'groupId' = 'a/b'", badId.Error.Detail, StringComparison.Ordinal);

        await Registry.DeleteGroupAsync(SchemaGroups, groupId, new DeleteOptions { ExpectedEpoch = 1 }, cancellationToken: Ct);
    }

    [Fact]
    public async Task ASchemaPutThroughTheSchemaRegistryIsFoundByItsHashInTheEdgeRegistry()
    {
        await using var schemaRegistry = new SchemaRegistryClient(new OrleansAio.Protocol.Common.ApplicationContext(), await SessionAsync("sr"));
        var content = "{\"$schema\":\"https://json-schema.org/draft-07/schema#\",\"title\":\"bridge-" + Guid.NewGuid().ToString("N") + "\"}";
        var schema = await schemaRegistry.PutAsync(content, SchemaFormat.JsonSchemaDraft07, tags: new Dictionary<string, string> { ["line"] = "1" }, cancellationToken: Ct);

        var found = Assert.Single(await Registry.ListSchemaVersionsAsync(null, allGroups: true, documentHash: schema.Name, cancellationToken: Ct));
        Assert.Equal(schema.Name, found.ResourceId);
        var version = await Registry.GetSchemaVersionAsync(found.GroupId, found.ResourceId, found.VersionId, cancellationToken: Ct);
        Assert.Equal(content, Encoding.UTF8.GetString(version.Document));
        Assert.Equal(("JsonSchema/draft-07", schema.Name), (version.Format, version.DocumentHash));
        Assert.Contains(new Label("line", "1"), version.Labels);

        await schemaRegistry.PutAsync(content, SchemaFormat.JsonSchemaDraft07, cancellationToken: Ct);
        Assert.Single(await Registry.ListSchemaVersionsAsync(null, allGroups: true, documentHash: schema.Name, cancellationToken: Ct));
    }

    [Fact]
    public async Task ASchemaCreatedInTheEdgeRegistryIsReadableFromTheSchemaRegistryByItsHash()
    {
        await using var schemaRegistry = new SchemaRegistryClient(new OrleansAio.Protocol.Common.ApplicationContext(), await SessionAsync("sr2"));
        var content = "{\"$schema\":\"https://json-schema.org/draft-07/schema#\",\"title\":\"er-" + Guid.NewGuid().ToString("N") + "\"}";
        var created = await Registry.CreateSchemaVersionAsync(null, EdgeIds.Schema(), [], new ExtensionVersionAttributes { Format = "JsonSchema/draft-07", Document = Encoding.UTF8.GetBytes(content) }, cancellationToken: Ct);

        var schema = await schemaRegistry.GetAsync(created.DocumentHash, "1", cancellationToken: Ct);
        Assert.Equal((content, "JsonSchema/draft-07", "1"), (schema.SchemaContent, schema.Format, schema.Version));
        Assert.Single(await Registry.ListSchemaVersionsAsync(null, allGroups: true, documentHash: created.DocumentHash, cancellationToken: Ct));

        // A TD document is no schema registry schema, and a document that is not a draft-07 schema is not imported.
        var notASchema = await Registry.CreateSchemaVersionAsync(null, EdgeIds.Schema(), [], new ExtensionVersionAttributes { Format = "JsonSchema/draft-07", Document = "{\"type\":\"object\"}"u8.ToArray() }, cancellationToken: Ct);
        var error = await Assert.ThrowsAsync<SchemaRegistryErrorException>(() => schemaRegistry.GetAsync(notASchema.DocumentHash, cancellationToken: Ct));
        Assert.Equal(SchemaRegistryErrorCode.NotFound, error.Code);
    }

    private protected abstract Task<IEdgeRegistryClient> CreateClientAsync();

    private Task<Resource> CreateResourceAsync(string groupId, string resourceId) =>
        Registry.CreateResourceAsync(
            SchemaGroups,
            groupId,
            Schemas,
            resourceId,
            new ResourceMetaAttributes { Labels = [Origin] },
            new Dictionary<string, byte[]>(),
            null,
            new VersionAttributes { Name = "v1", ContentType = "application/json", Document = EdgeIds.EmptyObject },
            cancellationToken: Ct);

    private async Task<MqttSessionClient> SessionAsync(string suffix)
    {
        var session = new MqttSessionClient(new MqttSessionClientOptions(), NullLoggerFactory.Instance);
        sessions.Add(session);
        await session.ConnectAsync(fixture.MqttSettings(MqttTestClient.TestClientId(suffix)), Ct);
        return session;
    }
}

/// <summary>The golden path through grain calls (<see cref="Client.EdgeRegistry.ClusterEdgeRegistryClient"/>).</summary>
public sealed class GrainEdgeRegistryGoldenPathTests(EdgeRegistryClusterFixture fixture) : EdgeRegistryGoldenPathTests(fixture), IClassFixture<EdgeRegistryClusterFixture>
{
    private protected override Task<IEdgeRegistryClient> CreateClientAsync() => Task.FromResult<IEdgeRegistryClient>(Connections.Grain());
}

/// <summary>The golden path over MQTT (<see cref="EdgeRegistryClient"/> through the embedded broker to the silos' endpoints).</summary>
public sealed class WireEdgeRegistryGoldenPathTests(EdgeRegistryClusterFixture fixture) : EdgeRegistryGoldenPathTests(fixture), IClassFixture<EdgeRegistryClusterFixture>
{
    private protected override async Task<IEdgeRegistryClient> CreateClientAsync() => await Connections.WireAsync("edge");
}
