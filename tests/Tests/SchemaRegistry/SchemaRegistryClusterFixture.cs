using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansAio.Grains.SchemaRegistry;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.SchemaRegistry;
using OrleansAio.Protocol.Session;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.SchemaRegistry;

/// <summary>The production cluster shape (<see cref="AioClusterFixture"/>) with a small content limit, so oversize tests stay cheap.</summary>
public sealed class SchemaRegistryClusterFixture : AioClusterFixture
{
    /// <summary>The content limit the silos run with.</summary>
    public const int MaxContentBytes = 16 * 1024;

    /// <inheritdoc />
    protected override void ConfigureSilo(ISiloBuilder silo) =>
        silo.Services.Configure<SchemaRegistryOptions>(options => options.MaxContentBytes = MaxContentBytes);
}

/// <summary>Creates schema registry clients of both access paths against a cluster fixture and disposes them.</summary>
internal sealed class SchemaRegistryConnections(AioClusterFixture fixture) : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> owned = [];

    /// <summary>A wire client over its own MQTT session to the embedded broker.</summary>
    public async Task<SchemaRegistryClient> WireAsync(string suffix)
    {
        var session = new MqttSessionClient(new MqttSessionClientOptions(), NullLoggerFactory.Instance);
        owned.Add(session);
        await session.ConnectAsync(fixture.MqttSettings(MqttTestClient.TestClientId(suffix)), TestContext.Current.CancellationToken);
        var client = new SchemaRegistryClient(new ApplicationContext(), session);
        owned.Insert(0, client);
        return client;
    }

    /// <summary>The Orleans façade over the fixture's cluster client.</summary>
    public ClusterSchemaRegistryClient Grain()
    {
        var client = new ClusterSchemaRegistryClient(fixture.Client);
        owned.Insert(0, client);
        return client;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var item in owned)
        {
            await item.DisposeAsync();
        }
    }
}

/// <summary>Schema texts the tests register.</summary>
internal static class SchemaTexts
{
    /// <summary>A valid draft-07 object schema, unique per call so tests do not share names.</summary>
    public static string Unique(string title = "t") =>
        "{\"$schema\":\"https://json-schema.org/draft-07/schema#\",\"title\":\"" + title + "-" + Guid.NewGuid().ToString("N")
        + "\",\"type\":\"object\",\"properties\":{\"temperature\":{\"type\":\"number\"}}}";

    /// <summary>The schema of the public SDK's integration tests (services.md 3.5).</summary>
    public const string Minimal = """{"$schema":"https://json-schema.org/draft-07/schema#","type":"object"}""";

    /// <summary>An Avro schema, which the public SDK's <c>RegisterAvroAsJsonThrows</c> registers as JSON Schema.</summary>
    public const string Avro = """{"type":"record","name":"Temperature","namespace":"demo","fields":[{"name":"value","type":"double"}]}""";
}
