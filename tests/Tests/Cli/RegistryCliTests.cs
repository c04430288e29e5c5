using OrleansAio.Cli.Common;

namespace OrleansAio.Tests.Cli;

/// <summary><c>aio schema ...</c>, <c>aio device ...</c> and <c>aio asset ...</c> against the silo's schema and device registries.</summary>
[Collection(CliCollection.Name)]
public sealed class RegistryCliTests(CliClusterFixture fixture)
{
    private readonly CliRunner cli = new(fixture.Broker.Port);

    [Fact]
    public async Task SchemaPutThenGet()
    {
        var content = $$"""{"$schema":"https://json-schema.org/draft-07/schema#","type":"object","title":"t{{Guid.NewGuid():N}}"}""";
        var put = await cli.RunAsync("schema", "put", content, "--display-name", "Reading", "--tag", "team=plant", "--json");
        Assert.True(put.ExitCode == ExitCodes.Success, put.ToString());
        var name = (string)put.Json["name"]!;
        Assert.Equal("1", (string?)put.Json["version"]);
        Assert.Equal("JsonSchema/draft-07", (string?)put.Json["format"]);
        Assert.Equal("plant", (string?)put.Json["tags"]!["team"]);
        Assert.Null(put.Json["schemaContent"]);

        var human = await cli.RunAsync("schema", "get", name);
        Assert.True(human.ExitCode == ExitCodes.Success, human.ToString());
        Assert.Matches($@"Name\s+{name}", human.Out);
        Assert.Matches(@"Display name\s+Reading", human.Out);
        Assert.Contains("\"type\": \"object\"", human.Out, StringComparison.Ordinal);

        var json = await cli.RunAsync("schema", "get", name, "--json");
        Assert.Equal(content, (string?)json.Json["schemaContent"]);
        var raw = await cli.RunAsync("schema", "get", name, "--content");
        Assert.Equal(content, raw.Out.TrimEnd());

        var second = await cli.RunAsync("schema", "put", content, "--schema-version", "2", "--description", "second", "--json");
        Assert.Equal(name, (string?)second.Json["name"]);
        var gotSecond = (await cli.RunAsync("schema", "get", name, "--schema-version", "2", "--json")).Json;
        Assert.Equal("2", (string?)gotSecond["version"]);
        Assert.Equal("second", (string?)gotSecond["description"]);

        var missing = await cli.RunAsync("schema", "get", new string('0', 64));
        Assert.True(missing.ExitCode == ExitCodes.NotFound, missing.ToString());
        Assert.Contains("404", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegistryGroupCreateGetAndList()
    {
        var groupId = $"plant-{Guid.NewGuid():N}"[..14];
        var created = await cli.RunAsync("registry", "group", "create", "schemagroups", groupId, "--name", "Plant A", "--json");
        Assert.True(created.ExitCode == ExitCodes.Success, created.ToString());

        var got = await cli.RunAsync("registry", "group", "get", "schemagroups", groupId, "--json");
        Assert.True(got.ExitCode == ExitCodes.Success, got.ToString());
        Assert.Contains(groupId, got.Json.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("Plant A", got.Json.ToJsonString(), StringComparison.Ordinal);
        var human = await cli.RunAsync("registry", "group", "get", "schemagroups", groupId);
        Assert.Contains("\"Plant A\"", human.Out, StringComparison.Ordinal);

        var listed = await cli.RunAsync("registry", "groups", "schemagroups", "--json");
        Assert.True(listed.ExitCode == ExitCodes.Success, listed.ToString());
        Assert.Contains(groupId, listed.Json["groups"]!.AsArray().Select(n => (string?)n), StringComparer.Ordinal);

        var missing = await cli.RunAsync("registry", "group", "get", "schemagroups", "no-such-group-" + Guid.NewGuid().ToString("N")[..6]);
        Assert.True(missing.ExitCode == ExitCodes.NotFound, missing.ToString());
        Assert.Contains("edge registry", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SchemaBadInputIsRefusedLocallyOrByTheRegistry()
    {
        var notJson = await cli.RunAsync("schema", "put", "{not json");
        Assert.Equal(ExitCodes.BadInput, notJson.ExitCode);
        Assert.Contains("content: not valid JSON", notJson.Error, StringComparison.Ordinal);

        // The registry answers an invalid schema with an application error (status 500), as the reference service does.
        var notASchema = await cli.RunAsync("schema", "put", """{"$schema":"https://json-schema.org/draft-07/schema#","type": 5}""");
        Assert.True(notASchema.ExitCode == ExitCodes.ServiceError, notASchema.ToString());
        Assert.Contains("Invalid JsonSchema/draft-07 schema", notASchema.Error, StringComparison.Ordinal);

        // A field the registry refuses with its in-band 400 error is bad input, named by the registry.
        var longVersion = await cli.RunAsync("schema", "put", """{"$schema":"https://json-schema.org/draft-07/schema#"}""", "--schema-version", new string('9', 300));
        Assert.True(longVersion.ExitCode == ExitCodes.BadInput, longVersion.ToString());
        Assert.Contains("Schema registry error 400 (Version)", longVersion.Error, StringComparison.Ordinal);

        var format = await cli.RunAsync("schema", "put", "{}", "--format", "Avro/1.0");
        Assert.Equal(ExitCodes.BadInput, format.ExitCode);
    }

    [Fact]
    public async Task DeviceListGetAndSetStatus()
    {
        var list = await cli.RunAsync("device", "list");
        Assert.True(list.ExitCode == ExitCodes.Success, list.ToString());
        Assert.Matches(@"NAME\s+ENABLED\s+MANUFACTURER\s+MODEL\s+INBOUND ENDPOINTS\s+STATUS", list.Out);
        Assert.Matches(@"pump-1\s+yes\s+Contoso\s+P100\s+opc", list.Out);
        Assert.Matches(@"press-2\s+no\s+Fabrikam\s+X2\s+opc,rest", list.Out);
        var names = (await cli.RunAsync("device", "list", "--json")).Json["devices"]!.AsArray().Select(d => (string?)d!["name"]).ToList();
        Assert.Contains("pump-1", names);
        Assert.Contains("press-2", names);

        var get = await cli.RunAsync("device", "get", "pump-1");
        Assert.True(get.ExitCode == ExitCodes.Success, get.ToString());
        Assert.Matches(@"Endpoint\s+opc \(Microsoft.OpcUa\) opc.tcp://pump-1:4840", get.Out);
        Assert.Matches(@"Attributes\s+site=north", get.Out);

        var failing = await cli.RunAsync("device", "set-status", "pump-1", "--error-code", "503", "--error-message", "server unreachable", "--json");
        Assert.True(failing.ExitCode == ExitCodes.Success, failing.ToString());
        Assert.Equal("503", (string?)failing.Json["status"]!["endpoints"]!["inbound"]!["opc"]!["error"]!["code"]);
        Assert.Matches(@"Status\s+opc 503: server unreachable", (await cli.RunAsync("device", "get", "pump-1")).Out);

        Assert.Equal(ExitCodes.Success, (await cli.RunAsync("device", "set-status", "pump-1")).ExitCode);
        var healthy = await cli.RunAsync("device", "get", "pump-1", "--endpoint", "opc", "--json");
        Assert.Null(healthy.Json["status"]!["endpoints"]!["inbound"]!["opc"]!["error"]);
        Assert.Matches(@"Status\s+ok", (await cli.RunAsync("device", "get", "pump-1")).Out);

        var ambiguous = await cli.RunAsync("device", "get", "press-2");
        Assert.Equal(ExitCodes.BadInput, ambiguous.ExitCode);
        Assert.Contains("choose one of opc, rest", ambiguous.Error, StringComparison.Ordinal);
        var unknown = await cli.RunAsync("device", "get", "no-such-device");
        Assert.Equal(ExitCodes.NotFound, unknown.ExitCode);
        var badStatus = await cli.RunAsync("device", "set-status", "pump-1", "--status", "{\"config\": 7}");
        Assert.Equal(ExitCodes.BadInput, badStatus.ExitCode);
        Assert.Contains("--status: not a device status", badStatus.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssetListAndGet()
    {
        var list = await cli.RunAsync("asset", "list");
        Assert.True(list.ExitCode == ExitCodes.Success, list.ToString());
        Assert.Matches(@"pump-1-motor\s+pump-1\s+opc\s+Pump motor\s+yes\s+0", list.Out);
        Assert.Matches(@"press-2-head\s+press-2\s+rest\s+Press head", list.Out);

        var onlyPump = await cli.RunAsync("asset", "list", "--device", "pump-1", "--json");
        Assert.Equal(["pump-1-motor"], onlyPump.Json["assets"]!.AsArray().Select(a => (string?)a!["name"]));

        var get = await cli.RunAsync("asset", "get", "press-2-head", "--json");
        Assert.True(get.ExitCode == ExitCodes.Success, get.ToString());
        Assert.Equal("press-2", (string?)get.Json["device"]);
        Assert.Equal("rest", (string?)get.Json["endpoint"]);
        Assert.Equal("Press head", (string?)get.Json["asset"]!["displayName"]);
        Assert.Matches(@"Display name\s+Pump motor", (await cli.RunAsync("asset", "get", "pump-1-motor")).Out);

        var unknown = await cli.RunAsync("asset", "get", "no-such-asset");
        Assert.Equal(ExitCodes.NotFound, unknown.ExitCode);
        Assert.Contains("no asset named 'no-such-asset'", unknown.Error, StringComparison.Ordinal);
    }
}
