using System.Buffers;
using System.Text.Json;
using MQTTnet.Protocol;
using OrleansAio.Tests.SchemaRegistry;

namespace OrleansAio.Tests.EdgeRegistry;

/// <summary>
/// The Edge Registry's wire contract with hand-made requests (edge-registry.md §1.3, §2, §3, §5): the spec's createResource
/// example, the envelope of every reply kind, an empty listGroups request as .NET sends it, and malformed input.
/// </summary>
public sealed class EdgeRegistryWireTests(EdgeRegistryClusterFixture fixture) : IClassFixture<EdgeRegistryClusterFixture>, IAsyncLifetime
{
    private RawJsonRequester? requester;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private RawJsonRequester Requester => requester!;

    public async ValueTask InitializeAsync() => requester = await RawJsonRequester.ConnectAsync(fixture.Broker.Port, "er-raw", Ct);

    public async ValueTask DisposeAsync()
    {
        if (requester is not null)
        {
            await requester.DisposeAsync();
        }
    }

    [Fact]
    public async Task TheSpecCreateResourceExampleAnswersWithTheSpecOutput()
    {
        var (group, resource) = (EdgeIds.Group(), EdgeIds.Resource());
        var request = $$$"""
            {"groupId":"{{{group}}}","meta":{"labels":[{"key":"origin","value":"integration-test"}],"extensions":{}},
             "defaultVersion":{"name":"v1","labels":[],"contentType":"application/json","document":"e30=","extensions":{}},"extensions":{}}
            """;
        var response = await Requester.SendAsync($"aio/registry/create/schemagroups/schemas/{resource}", request, Ct);
        Assert.Equal("200", response.Property("__stat"));
        Assert.Equal("application/json", response.ContentType);
        Assert.Equal(MqttPayloadFormatIndicator.CharacterData, response.PayloadFormatIndicator);

        using var json = JsonDocument.Parse(response.PayloadText());
        var output = json.RootElement.GetProperty("_output");
        Assert.Equal(resource, output.GetProperty("id").GetString());
        Assert.Equal($"/schemagroups/{group}/schemas/{resource}", output.GetProperty("xid").GetString());
        Assert.Equal(1UL, output.GetProperty("versionsCount").GetUInt64());
        Assert.Empty(output.GetProperty("extensions").EnumerateObject());
        var meta = output.GetProperty("meta");
        Assert.Equal(("1", false, false, 1UL), (meta.GetProperty("defaultVersionId").GetString(), meta.GetProperty("readOnly").GetBoolean(), meta.GetProperty("defaultVersionSticky").GetBoolean(), meta.GetProperty("epoch").GetUInt64()));
        Assert.EndsWith("Z", meta.GetProperty("createdAt").GetString(), StringComparison.Ordinal);
        var version = output.GetProperty("defaultVersion");
        Assert.Equal(resource, version.GetProperty("resourceId").GetString());
        Assert.Equal("1", version.GetProperty("versionId").GetString());
        Assert.Equal($"/schemagroups/{group}/schemas/{resource}/versions/1", version.GetProperty("xid").GetString());
        Assert.Equal(1UL, version.GetProperty("epoch").GetUInt64());
        Assert.True(version.GetProperty("isDefault").GetBoolean());
        Assert.Equal("1", version.GetProperty("ancestor").GetString());
        Assert.Equal("e30=", version.GetProperty("document").GetString());
        Assert.Equal(EdgeIds.EmptyObjectHash, version.GetProperty("documentHash").GetString());
        Assert.Equal(JsonValueKind.Array, version.GetProperty("labels").ValueKind);
        Assert.False(json.RootElement.TryGetProperty("_error", out _));
    }

    [Fact]
    public async Task AMissIsAnInBand404AndADeleteAnswersAnEmptyObject()
    {
        var group = EdgeIds.Group();
        var miss = await Requester.SendAsync("aio/registry/get/schemagroups/group", $$"""{"groupId":"{{group}}"}""", Ct);
        Assert.Equal("200", miss.Property("__stat"));
        using (var json = JsonDocument.Parse(miss.PayloadText()))
        {
            var error = json.RootElement.GetProperty("_error");
            Assert.Equal(("about:blank", 404UL, "Not Found", "Group not found", $"/schemagroups/{group}"), (
                error.GetProperty("type").GetString(), error.GetProperty("code").GetUInt64(), error.GetProperty("status").GetString(),
                error.GetProperty("title").GetString(), error.GetProperty("subject").GetString()));
        }

        await Requester.SendAsync("aio/registry/create/schemagroups/group", $$$"""{"groupId":"{{{group}}}","labels":[],"extensions":{}}""", Ct);
        var deleted = await Requester.SendAsync("aio/registry/delete/schemagroups/group", $$$"""{"groupId":"{{{group}}}","options":{}}""", Ct);
        Assert.Equal("200", deleted.Property("__stat"));
        Assert.Equal("{}", deleted.PayloadText());
        Assert.Equal("application/json", deleted.ContentType);
    }

    [Fact]
    public async Task AnEmptyListGroupsRequestWithoutContentTypeIsAnsweredWithIds()
    {
        var group = EdgeIds.Group();
        await Requester.SendAsync("aio/registry/create/thingmodelgroups/group", $$$"""{"groupId":"{{{group}}}","labels":[],"extensions":{}}""", Ct);
        var response = await Requester.SendBytesAsync("aio/registry/list/thingmodelgroups", [], "application/json", Ct);
        Assert.Equal("200", response.Property("__stat"));
        using var json = JsonDocument.Parse(response.PayloadText());
        Assert.Contains(group, json.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetString()));
        Assert.False(json.RootElement.TryGetProperty("_output", out _));
    }

    [Fact]
    public async Task AnExtensionListAnswersIntegerVersionIds()
    {
        var schema = EdgeIds.Schema();
        var create = await Requester.SendAsync(
            $"aio/registry/schemaExtension/create/schemagroups/schemas/{schema}/versions/version",
            """{"schemaLabels":[],"format":"JsonSchema/draft-07","document":"e30=","labels":[],"extensions":{}}""",
            Ct);
        using (var created = JsonDocument.Parse(create.PayloadText()))
        {
            var output = created.RootElement.GetProperty("_output");
            Assert.Equal(JsonValueKind.Number, output.GetProperty("versionId").ValueKind);
            Assert.Equal(JsonValueKind.Number, output.GetProperty("ancestor").ValueKind);
        }

        var list = await Requester.SendAsync(
            "aio/registry/schemaExtension/listVersions",
            $$"""{"groupType":"schemagroups","allGroups":false,"resourceType":"schemas","resourceId":"{{schema}}"}""",
            Ct);
        using var json = JsonDocument.Parse(list.PayloadText());
        var version = Assert.Single(json.RootElement.GetProperty("_output").GetProperty("versions").EnumerateArray());
        Assert.Equal(("schemagroups", "default", "schemas", schema, 1UL), (
            version.GetProperty("groupType").GetString(), version.GetProperty("groupId").GetString(), version.GetProperty("resourceType").GetString(),
            version.GetProperty("resourceId").GetString(), version.GetProperty("versionId").GetUInt64()));
    }

    [Theory]
    [InlineData("aio/registry/create/schemagroups/group", "{\"groupId\":")]
    [InlineData("aio/registry/create/schemagroups/group", "{\"labels\":\"not a list\"}")]
    [InlineData("aio/registry/schemaExtension/get/schemagroups/schemas/s1/versions/version", "{\"versionId\":\"1\"}")]
    [InlineData("aio/registry/schemaExtension/create/schemagroups/schemas/s1/versions/version", "{\"format\":\"x\",\"document\":\"not base64!\"}")]
    [InlineData("aio/registry/listVersions", "{\"allGroups\":\"yes\"}")]
    public async Task MalformedOrMistypedJsonIsAnRpcLevel400AndTheEndpointKeepsServing(string topic, string body)
    {
        var response = await Requester.SendAsync(topic, body, Ct);
        Assert.Equal("400", response.Property("__stat"));
        Assert.NotNull(response.Property("__stMsg"));

        var after = await Requester.SendBytesAsync("aio/registry/list/schemagroups", [], "application/json", Ct);
        Assert.Equal("200", after.Property("__stat"));
    }

    [Theory]
    [InlineData("aio/registry/schemaExtension/create/schemagroups/schemas/s1/versions/version", """{"document":"e30="}""", "'format' is required")]
    [InlineData("aio/registry/schemaExtension/create/schemagroups/schemas/s1/versions/version", """{"format":"JsonSchema/draft-07"}""", "'document' is required (base64)")]
    [InlineData("aio/registry/schemaExtension/delete/schemagroups/schemas/s1/versions/abc", """{"options":{}}""", "'versionId' = 'abc' must be an unsigned integer")]
    [InlineData("aio/registry/listVersions", """{"allGroups":false}""", "Without 'groupType' a list needs 'groupId' or 'allGroups': there is no default Group without a type")]
    [InlineData("aio/registry/create/schemagroups/schemas/r1/versions/version", """{"groupId":"a+b","version":{},"resourceLabels":[]}""", "'groupId' = 'a+b' must be one topic level: printable ASCII without '/', '+', '#', '{' or '}'")]
    public async Task AMissingOrInvalidFieldIsAnInBand400NamingIt(string topic, string body, string detail)
    {
        var response = await Requester.SendAsync(topic, body, Ct);
        Assert.Equal("200", response.Property("__stat"));
        using var json = JsonDocument.Parse(response.PayloadText());
        var error = json.RootElement.GetProperty("_error");
        Assert.Equal((400UL, "Bad Request", detail), (error.GetProperty("code").GetUInt64(), error.GetProperty("status").GetString(), error.GetProperty("detail").GetString()));
    }
}
