using System.Reflection;
using System.Text.Json;
using OrleansAio.Client.DeviceRegistry;
using OrleansAio.Protocol.DeviceRegistry;
using G = OrleansAio.GrainsInterfaces.DeviceRegistry;

namespace OrleansAio.Tests.DeviceRegistry;

/// <summary>
/// The grain-side models are twins of the wire models (same names, same properties, same JSON), so the JSON mapping between
/// them loses nothing; a property added to one side only fails here.
/// </summary>
public sealed class DeviceRegistryModelTwinTests
{
    public static TheoryData<string> WireModels => [.. TwinPairs().Select(p => p.Wire.Name)];

    [Theory]
    [MemberData(nameof(WireModels))]
    public void EachWireModelHasAGrainTwinWithTheSameProperties(string name)
    {
        var (wire, grain) = TwinPairs().Single(p => p.Wire.Name == name);
        Assert.Equal(Properties(wire), Properties(grain));
        if (wire.IsEnum)
        {
            Assert.Equal(Enum.GetNames(wire), Enum.GetNames(grain));
        }
    }

    [Fact]
    public void EveryResourceModelHasATwin()
    {
        var names = TwinPairs().Select(p => p.Wire.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "Device", "InboundEndpoint", "EndpointAuthentication", "Asset", "AssetDataset", "AssetManagementAction", "DeviceStatus", "AssetStatus", "DiscoveredDevice", "DiscoveredAsset", "RuntimeHealth", "NotificationPreference" }, names);
    }

    [Fact]
    public void AFullDeviceAndAssetSurviveTheRoundTripThroughTheGrainModels()
    {
        var device = JsonSerializer.Deserialize<Device>(FullDeviceJson, DeviceRegistryJson.Options)!;
        var back = DeviceRegistryMapping.Convert<Device>(DeviceRegistryMapping.Convert<G.Device>(device));
        Assert.Equal(Normalize(FullDeviceJson), Normalize(JsonSerializer.Serialize(back, DeviceRegistryJson.Options)));

        var asset = JsonSerializer.Deserialize<Asset>(FullAssetJson, DeviceRegistryJson.Options)!;
        var assetBack = DeviceRegistryMapping.Convert<Asset>(DeviceRegistryMapping.Convert<G.Asset>(asset));
        Assert.Equal(Normalize(FullAssetJson), Normalize(JsonSerializer.Serialize(assetBack, DeviceRegistryJson.Options)));
    }

    private const string FullDeviceJson = """
        {"attributes":{"a":"b"},"discoveredDeviceRef":"dd","enabled":true,"endpoints":{"inbound":{"ep":{"additionalConfiguration":"{}","address":"x","authentication":{"method":"Certificate","usernamePasswordCredentials":{"passwordSecretName":"p","usernameSecretName":"u"},"x509Credentials":{"certificateSecretName":"c","intermediateCertificatesSecretName":"i","keySecretName":"k"}},"endpointType":"t","trustSettings":{"trustList":"tl"},"version":"1"}},"outbound":{"assigned":{"o":{"address":"oa","endpointType":"ot"}},"unassigned":{"u":{"address":"ua"}}}},"externalDeviceId":"e","lastTransitionTime":"2026-12-01T00:00:00+00:00","manufacturer":"m","model":"mo","operatingSystem":"os","operatingSystemVersion":"1","uuid":"id","version":3}
        """;

    private const string FullAssetJson = """
        {"assetTypeRefs":["t"],"attributes":{"a":"b"},"datasets":[{"dataPoints":[{"dataPointConfiguration":"{}","dataSource":"s","name":"p","typeRef":"r"}],"datasetConfiguration":"{}","dataSource":"ds","destinations":[{"configuration":{"key":"k","path":"p","qos":"Qos1","retain":"Keep","topic":"t","ttl":5},"target":"Mqtt"}],"name":"d","typeRef":"r"}],"defaultDatasetsConfiguration":"{}","defaultEventsConfiguration":"{}","defaultManagementGroupsConfiguration":"{}","defaultStreamsConfiguration":"{}","description":"x","deviceRef":{"deviceName":"dev","endpointName":"ep"},"discoveredAssetRefs":["da"],"displayName":"n","documentationUri":"u","enabled":false,"eventGroups":[{"dataSource":"s","eventGroupConfiguration":"{}","events":[{"dataSource":"s","eventConfiguration":"{}","name":"e"}],"name":"g"}],"externalAssetId":"x","hardwareRevision":"h","managementGroups":[{"actions":[{"actionConfiguration":"{}","actionType":"Call","name":"a","targetUri":"u","timeoutInSeconds":3,"topic":"t"}],"defaultTimeoutInSeconds":9,"defaultTopic":"t","name":"m"}],"manufacturer":"m","manufacturerUri":"mu","model":"mo","productCode":"pc","serialNumber":"sn","softwareRevision":"sr","streams":[{"name":"s","streamConfiguration":"{}"}],"uuid":"id","version":1}
        """;

    private static string Normalize(string json) => JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement);

    private static List<string> Properties(Type type) =>
        [.. type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => $"{p.Name}:{Describe(p.PropertyType)}")];

    private static string Describe(Type type) => type.IsGenericType
        ? $"{type.Name}<{string.Join(",", type.GetGenericArguments().Select(Describe))}>"
        : type.Name;

    private static IEnumerable<(Type Wire, Type Grain)> TwinPairs()
    {
        var grainTypes = typeof(G.Device).Assembly.GetTypes().Where(t => t.Namespace == typeof(G.Device).Namespace).ToDictionary(t => t.Name);
        foreach (var wire in typeof(Device).Assembly.GetTypes().Where(t => t.Namespace == typeof(Device).Namespace && t.IsPublic))
        {
            if (grainTypes.TryGetValue(wire.Name, out var grain))
            {
                yield return (wire, grain);
            }
        }
    }
}
