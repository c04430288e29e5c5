using OrleansAio.Protocol.DeviceRegistry;
using OrleansAio.Silo.DeviceRegistry;
using OrleansAio.Silo.Hosting;

namespace OrleansAio.Tests.DeviceRegistry;

/// <summary>The start-up definition files: the AIO resource forms are read, and every problem names the setting, file and field.</summary>
public sealed class DefinitionFileLoaderTests
{
    private const string Setting = "DeviceRegistry:DefinitionFiles:0";

    [Fact]
    public void TheSdkFixtureFileIsReadWithTypedScalars()
    {
        var resources = DefinitionFileLoader.Parse(Setting, "/defs/devices.yaml", DeviceRegistryFixture.DefinitionYaml);
        Assert.Equal(["my-thermostat", "test-thermostat", "my-rest-thermostat-asset"], resources.Select(r => r.Name));
        var device = resources[0].Device!;
        Assert.Equal(2, device.Version);
        Assert.True(device.Enabled);
        Assert.Equal(AuthenticationMethod.UsernamePassword, device.Endpoints!.Inbound!["my-rest-endpoint"].Authentication!.Method);
        var asset = resources[2].Asset!;
        Assert.Equal("my-rest-endpoint", asset.DeviceRef.EndpointName);
        Assert.Equal("""{"samplingInterval": 4000}""", asset.DefaultDatasetsConfiguration);
    }

    [Fact]
    public void QuotedScalarsStayStrings()
    {
        const string yaml = """
            kind: Device
            metadata: { name: quoted }
            spec:
              model: "007"
              endpoints:
                inbound:
                  ep: { address: '10', endpointType: "true", version: "1.0" }
            """;
        var device = Assert.Single(DefinitionFileLoader.Parse(Setting, "/d.yaml", yaml)).Device!;
        Assert.Equal("007", device.Model);
        Assert.Equal("10", device.Endpoints!.Inbound!["ep"].Address);
        Assert.Equal("true", device.Endpoints.Inbound["ep"].EndpointType);
        Assert.Equal("1.0", device.Endpoints.Inbound["ep"].Version);
    }

    [Fact]
    public void JsonFilesHoldOneResourceOrAnArray()
    {
        const string json = """
            [
              { "kind": "Device", "metadata": { "name": "d1" }, "spec": { "endpoints": { "inbound": { "ep": { "address": "a", "endpointType": "t" } } } } },
              { "kind": "Asset", "metadata": { "name": "a1" }, "spec": { "deviceRef": { "deviceName": "d1", "endpointName": "ep" } } }
            ]
            """;
        var resources = DefinitionFileLoader.Parse(Setting, "/defs.json", json);
        Assert.Equal(["d1", "a1"], resources.Select(r => r.Name));
        Assert.NotNull(resources[1].Asset);
    }

    public static TheoryData<string, string, string> BadFiles => new()
    {
        { "/d.yaml", "kind: Device\nmetadata: { name: x }\nspec: [unclosed", "is not valid YAML (line" },
        { "/d.json", "{ \"kind\": ", "is not valid JSON" },
        { "/d.yaml", "kind: ConfigMap\nmetadata: { name: x }\nspec: {}", "'kind' is 'ConfigMap'" },
        { "/d.yaml", "kind: Device\nspec: {}", "metadata.name is missing" },
        { "/d.yaml", "kind: Device\nmetadata: { name: Bad_Name }\nspec: {}", "'Bad_Name' is not a valid name" },
        { "/d.yaml", "kind: Device\nmetadata: { name: x }", "Device 'x': 'spec' is missing" },
        { "/d.yaml", "kind: Device\nmetadata: { name: x }\nspec:\n  endpoints:\n    inbound:\n      ep: { endpointType: t }", "field 'spec.endpoints.inbound.ep': the required field 'address' is missing" },
        { "/d.yaml", "kind: Device\nmetadata: { name: x }\nspec:\n  version: many", "field 'spec.version': expected an integer" },
        { "/d.yaml", "kind: Asset\nmetadata: { name: a }\nspec:\n  datasets: []", "the required field 'deviceRef' is missing" },
        { "/d.yaml", "kind: Device\nmetadata: { name: x }\nspec:\n  endpoints:\n    inbound:\n      ep: { address: a, endpointType: t, authentication: { method: Kerberos } }", "field 'spec.endpoints.inbound.ep.authentication.method': expected one of Anonymous, Certificate, UsernamePassword" },
        { "/d.yaml", "kind: List\nitems: 3", "List without an 'items' sequence" },
        { "/d.yaml", "- just\n- a list", "document 1 is not a mapping" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void ABadFileIsReportedInOneLineNamingTheSettingFileAndField(string path, string text, string problem)
    {
        var error = Assert.Throws<SiloStartupException>(() => DefinitionFileLoader.Parse(Setting, path, text));
        Assert.Equal(Setting, error.Setting);
        Assert.StartsWith($"{Setting}: file '{path}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }
}
