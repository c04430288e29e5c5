using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Connection;
using OrleansAio.Protocol.EdgeRegistry;
using OrleansAio.Protocol.Session;
using OrleansAio.Silo.Hosting;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Security;

/// <summary>
/// <c>Registries:Authorization:EdgeRegistry</c> through the whole silo: users from a credentials file authenticated by the real
/// embedded broker, the SDK-shaped <see cref="EdgeRegistryClient"/> on the wire. A writer listed by user or by client id may
/// create and delete Groups, Resources and Versions; anyone else gets the in-band 403; reads stay open.
/// </summary>
public sealed class EdgeRegistryAuthorizationTests : IDisposable
{
    private const string SchemaGroups = "schemagroups";
    private const string Schemas = "schemas";
    private readonly TempDirectory directory = new("edge-registry-authorization");
    private readonly SiloPorts ports = new();
    private readonly SecretLogs logs = new();

    public void Dispose() => directory.Dispose();

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OnlyConfiguredWritersChangeTheEdgeRegistryAndEveryoneReadsIt()
    {
        var passwords = Path.Combine(directory.Path, "passwords");
        await logs.AddUserAsync(passwords, "editor", "editor-secret", Ct);
        await logs.AddUserAsync(passwords, "tool", "tool-secret", Ct);
        await logs.AddUserAsync(passwords, "viewer", "viewer-secret", Ct);
        var toolClientId = MqttTestClient.TestClientId("tool");
        var settings = ports.ToConfiguration();
        settings["Silo:DataDirectory"] = Path.Combine(directory.Path, "data");
        settings["Logging:LogLevel:Default"] = "Warning";
        settings["Broker:Authentication:PasswordFile"] = passwords;
        settings["Registries:Authorization:Enabled"] = "true";
        settings["Registries:Authorization:EdgeRegistry:Users:0"] = "editor";
        settings["Registries:Authorization:EdgeRegistry:ClientIds:0"] = toolClientId;
        await using var silo = await SiloApplication.StartAsync(
            [], configuration => configuration.AddInMemoryCollection(settings), Ct, s => logs.AddTo(s.Services));

        await using var editorSession = await ConnectAsync(MqttTestClient.TestClientId("editor"), "editor", "editor-secret");
        await using var editor = new EdgeRegistryClient(new ApplicationContext(), editorSession);
        await using var toolSession = await ConnectAsync(toolClientId, "tool", "tool-secret");
        await using var tool = new EdgeRegistryClient(new ApplicationContext(), toolSession);
        await using var viewerSession = await ConnectAsync(MqttTestClient.TestClientId("viewer"), "viewer", "viewer-secret");
        await using var viewer = new EdgeRegistryClient(new ApplicationContext(), viewerSession);

        // The listed user creates a Group and a Resource; the unlisted one is refused with the spec's error object and a 403.
        var group = $"it-grp-{Guid.NewGuid():N}";
        var resource = $"it-res-{Guid.NewGuid():N}";
        await editor.CreateGroupAsync(SchemaGroups, group, new GroupAttributes(), cancellationToken: Ct);
        var refused = await Assert.ThrowsAsync<EdgeRegistryErrorException>(() => viewer.CreateGroupAsync(SchemaGroups, $"it-grp-{Guid.NewGuid():N}", new GroupAttributes(), cancellationToken: Ct));
        Assert.Equal(("about:blank", 403UL, "Forbidden", "Not authorized"), (refused.Error.Type, refused.Error.Code, refused.Error.Status, refused.Error.Title));
        await editor.CreateResourceAsync(SchemaGroups, group, Schemas, resource, new ResourceMetaAttributes(), new Dictionary<string, byte[]>(), null, Document(), cancellationToken: Ct);
        Assert.Equal(403UL, (await Assert.ThrowsAsync<EdgeRegistryErrorException>(() => viewer.CreateResourceAsync(
            SchemaGroups, group, Schemas, $"it-res-{Guid.NewGuid():N}", new ResourceMetaAttributes(), new Dictionary<string, byte[]>(), null, Document(), cancellationToken: Ct))).Error.Code);

        // The client id listed in ClientIds adds a Version; the viewer may not add one, nor delete anything.
        var version = await tool.CreateVersionAsync(SchemaGroups, group, Schemas, resource, [], null, Document(), cancellationToken: Ct);
        Assert.Equal(403UL, (await Assert.ThrowsAsync<EdgeRegistryErrorException>(
            () => viewer.CreateVersionAsync(SchemaGroups, group, Schemas, resource, [], null, Document(), cancellationToken: Ct))).Error.Code);
        Assert.Equal(403UL, (await Assert.ThrowsAsync<EdgeRegistryErrorException>(
            () => viewer.DeleteVersionAsync(SchemaGroups, group, Schemas, resource, version.VersionId, cancellationToken: Ct))).Error.Code);
        Assert.Equal(403UL, (await Assert.ThrowsAsync<EdgeRegistryErrorException>(
            () => viewer.DeleteResourceAsync(SchemaGroups, group, Schemas, resource, cancellationToken: Ct))).Error.Code);
        Assert.Equal(403UL, (await Assert.ThrowsAsync<EdgeRegistryErrorException>(
            () => viewer.DeleteGroupAsync(SchemaGroups, group, cancellationToken: Ct))).Error.Code);
        Assert.Equal(403UL, (await Assert.ThrowsAsync<EdgeRegistryErrorException>(() => viewer.CreateExtensionVersionAsync(
            EdgeRegistryExtension.Schema, null, $"it-schema-{Guid.NewGuid():N}", [], new ExtensionVersionAttributes { Format = "JsonSchema/draft-07", Document = "{}"u8.ToArray() }, cancellationToken: Ct))).Error.Code);
        var schema = await editor.CreateExtensionVersionAsync(
            EdgeRegistryExtension.Schema, null, $"it-schema-{Guid.NewGuid():N}", [], new ExtensionVersionAttributes { Format = "JsonSchema/draft-07", Document = "{}"u8.ToArray() }, cancellationToken: Ct);

        // Reads stay open to the viewer: what the writers made is all there, untouched by the refused calls.
        Assert.Equal(group, (await viewer.GetGroupAsync(SchemaGroups, group, cancellationToken: Ct)).Id);
        Assert.Contains(group, await viewer.ListGroupsAsync(SchemaGroups, cancellationToken: Ct));
        Assert.Equal(2UL, (await viewer.GetResourceAsync(SchemaGroups, group, Schemas, resource, cancellationToken: Ct)).VersionsCount);
        Assert.Equal(version.VersionId, (await viewer.GetVersionAsync(SchemaGroups, group, Schemas, resource, version.VersionId, cancellationToken: Ct)).VersionId);
        Assert.Equal(schema.VersionId, (await viewer.GetExtensionVersionAsync(EdgeRegistryExtension.Schema, null, schema.ResourceId, null, cancellationToken: Ct)).VersionId);

        // The writers may delete.
        await tool.DeleteVersionAsync(SchemaGroups, group, Schemas, resource, version.VersionId, cancellationToken: Ct);
        await editor.DeleteResourceAsync(SchemaGroups, group, Schemas, resource, cancellationToken: Ct);
        await editor.DeleteGroupAsync(SchemaGroups, group, cancellationToken: Ct);
        Assert.Equal(404UL, (await Assert.ThrowsAsync<EdgeRegistryErrorException>(() => viewer.GetGroupAsync(SchemaGroups, group, cancellationToken: Ct))).Error.Code);

        Assert.Contains(logs.Provider.Entries, e => e.Message.Contains("Edge registry write refused", StringComparison.Ordinal) && e.Message.Contains("viewer", StringComparison.Ordinal));
        logs.AssertNoSecretLogged();
    }

    static VersionAttributes Document() => new() { ContentType = "application/json", Document = "{}"u8.ToArray() };

    async Task<MqttSessionClient> ConnectAsync(string clientId, string user, string password)
    {
        var session = new MqttSessionClient(new MqttSessionClientOptions(), NullLoggerFactory.Instance);
        await session.ConnectAsync(
            new MqttConnectionSettings
            {
                HostName = "127.0.0.1",
                TcpPort = ports.Broker,
                UseTls = false,
                ClientId = clientId,
                Username = user,
                Password = Encoding.UTF8.GetBytes(password),
            },
            Ct);
        return session;
    }
}
