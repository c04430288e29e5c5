using System.Security.Cryptography;
using System.Text;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.SchemaRegistry;

namespace OrleansAio.Tests.SchemaRegistry;

/// <summary>
/// The schema registry's golden path and bad inputs, written once against <see cref="ISchemaRegistryClient"/> and run on both
/// access paths (grain calls, and the wire client through the silos' embedded broker). The expectations are those of the public
/// SDK's <c>SchemaRegistryClientIntegrationTests</c> (services.md 3.4).
/// </summary>
public abstract class SchemaRegistryGoldenPathTests(SchemaRegistryClusterFixture fixture) : IAsyncLifetime
{
    private protected SchemaRegistryConnections Connections { get; } = new(fixture);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <inheritdoc />
    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Connections.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task PutThenGetReturnsTheStoredSchemaNamedByTheContentHash()
    {
        var registry = await CreateClientAsync("a");
        var content = SchemaTexts.Unique();
        var tags = new Dictionary<string, string> { ["team"] = "line-1", ["unit"] = "C" };
        var put = await registry.PutAsync(content, SchemaFormat.JsonSchemaDraft07, tags: tags, cancellationToken: Ct);

        Assert.Equal(Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(content))), put.Name);
        Assert.Equal(64, put.Name.Length);
        var got = await registry.GetAsync(put.Name, cancellationToken: Ct);
        Assert.Equal(content, got.SchemaContent);
        Assert.Equal("JsonSchema/draft-07", got.Format);
        Assert.Equal("MessageSchema", got.SchemaType);
        Assert.Equal("DefaultSRNamespace", got.Namespace);
        Assert.Equal("1", got.Version);
        Assert.Equal(tags, got.Tags);
        Assert.Null(got.Hash);
    }

    [Fact]
    public async Task PuttingTheSameContentTwiceReturnsTheSameSchema()
    {
        var registry = await CreateClientAsync("a");
        var content = SchemaTexts.Unique();
        var first = await registry.PutAsync(content, SchemaFormat.JsonSchemaDraft07, tags: new Dictionary<string, string> { ["k"] = "first" }, cancellationToken: Ct);
        var second = await registry.PutAsync(content, SchemaFormat.JsonSchemaDraft07, tags: new Dictionary<string, string> { ["k"] = "second" }, cancellationToken: Ct);

        Assert.Equal(first.Name, second.Name);
        Assert.Equal("first", second.Tags!["k"]);
        Assert.Equal("first", (await registry.GetAsync(first.Name, cancellationToken: Ct)).Tags!["k"]);
    }

    [Fact]
    public async Task EachVersionIsKeptUnderTheNameAndAnUnknownVersionReadsAsTheFirst()
    {
        var registry = await CreateClientAsync("a");
        var content = SchemaTexts.Unique();
        var v1 = await registry.PutAsync(content, SchemaFormat.JsonSchemaDraft07, version: "1", displayName: "one", cancellationToken: Ct);
        var v2 = await registry.PutAsync(content, SchemaFormat.JsonSchemaDraft07, version: "2", displayName: "two", description: "second", cancellationToken: Ct);

        Assert.Equal(v1.Name, v2.Name);
        Assert.Equal("2", v2.Version);
        var got2 = await registry.GetAsync(v1.Name, "2", cancellationToken: Ct);
        Assert.Equal(("2", "two", "second"), (got2.Version, got2.DisplayName, got2.Description));
        var got1 = await registry.GetAsync(v1.Name, "1", cancellationToken: Ct);
        Assert.Equal(("1", "one"), (got1.Version, got1.DisplayName));

        // The Go SDK's default version is "1.0.0": the reference service ignores the version on get, and so do we for an unknown one.
        Assert.Equal("1", (await registry.GetAsync(v1.Name, "1.0.0", cancellationToken: Ct)).Version);
    }

    [Fact]
    public async Task DeltaContentThatIsJsonIsAccepted()
    {
        var registry = await CreateClientAsync("a");
        var content = $$"""{"delta":"{{Guid.NewGuid():N}}","ops":[]}""";
        var put = await registry.PutAsync(content, SchemaFormat.Delta1, cancellationToken: Ct);
        Assert.Equal("Delta/1.0", (await registry.GetAsync(put.Name, cancellationToken: Ct)).Format);
    }

    [Fact]
    public async Task GettingAnUnknownSchemaIsNotFound()
    {
        var registry = await CreateClientAsync("a");
        var unknown = Convert.ToHexString(SHA256.HashData(Guid.NewGuid().ToByteArray()));
        var error = await Assert.ThrowsAsync<SchemaRegistryErrorException>(() => registry.GetAsync(unknown, cancellationToken: Ct));
        Assert.Equal(SchemaRegistryErrorCode.NotFound, error.Code);
        Assert.Equal("Name", error.Error.Target);

        var notAHash = await Assert.ThrowsAsync<SchemaRegistryErrorException>(() => registry.GetAsync("no-such-schema", cancellationToken: Ct));
        Assert.Equal(SchemaRegistryErrorCode.NotFound, notAHash.Code);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{\"$schema\":\"https://json-schema.org/draft-07/schema#\",\"type\":")]
    [InlineData(SchemaTexts.Avro)]
    [InlineData("{\"$schema\":\"http://json-schema.org/draft-07/schema#\",\"type\":\"object\"}")]
    [InlineData("{\"type\":\"object\"}")]
    [InlineData("{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"type\":\"object\"}")]
    [InlineData("{\"$schema\":\"https://json-schema.org/draft-07/schema#\",\"type\":5}")]
    [InlineData("{\"$schema\":\"https://json-schema.org/draft-07/schema#\",\"properties\":{\"a\":{\"type\":\"strin\"}}}")]
    [InlineData("[1,2,3]")]
    [InlineData("")]
    public async Task ContentThatIsNotADraft07SchemaIsRefusedAsTheReferenceServiceDoes(string content)
    {
        var registry = await CreateClientAsync("a");
        var error = await Assert.ThrowsAsync<AioProtocolException>(() => registry.PutAsync(content, SchemaFormat.JsonSchemaDraft07, cancellationToken: Ct));
        Assert.Equal(AioErrorKind.ExecutionException, error.Kind);
        Assert.True(error.IsRemote);
        Assert.StartsWith("Invalid JsonSchema/draft-07 schema", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeltaContentThatIsNotJsonIsRefused()
    {
        var registry = await CreateClientAsync("a");
        var error = await Assert.ThrowsAsync<AioProtocolException>(() => registry.PutAsync("delta: yes", SchemaFormat.Delta1, cancellationToken: Ct));
        Assert.Equal(AioErrorKind.ExecutionException, error.Kind);
        Assert.StartsWith("Invalid Delta/1.0 schema", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OversizedContentIsRefusedNamingTheLimitAndTheServiceStillServes()
    {
        var registry = await CreateClientAsync("a");
        var padding = new string('x', SchemaRegistryClusterFixture.MaxContentBytes);
        var content = $$"""{"$schema":"https://json-schema.org/draft-07/schema#","description":"{{padding}}"}""";
        var error = await Assert.ThrowsAsync<SchemaRegistryErrorException>(() => registry.PutAsync(content, SchemaFormat.JsonSchemaDraft07, cancellationToken: Ct));
        Assert.Equal(SchemaRegistryErrorCode.BadRequest, error.Code);
        Assert.Equal("SchemaContent", error.Error.Target);
        Assert.Contains("SchemaRegistry:MaxContentBytes", error.Error.Message, StringComparison.Ordinal);

        var fits = SchemaTexts.Unique();
        Assert.Equal(fits, (await registry.GetAsync((await registry.PutAsync(fits, SchemaFormat.JsonSchemaDraft07, cancellationToken: Ct)).Name, cancellationToken: Ct)).SchemaContent);
    }

    [Fact]
    public async Task ContentIsKeptByteForByteIncludingNonAsciiText()
    {
        var registry = await CreateClientAsync("a");
        var content = $$"""{"$schema":"https://json-schema.org/draft-07/schema#","title":"Température ✓ {{Guid.NewGuid():N}}",  "type":"object"}""";
        var put = await registry.PutAsync(content, SchemaFormat.JsonSchemaDraft07, cancellationToken: Ct);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(content))), put.Name);
        Assert.Equal(content, (await registry.GetAsync(put.Name, cancellationToken: Ct)).SchemaContent);
    }

    private protected abstract Task<ISchemaRegistryClient> CreateClientAsync(string suffix);
}

/// <summary>The golden path through grain calls (<see cref="Grains.SchemaRegistry.ClusterSchemaRegistryClient"/>).</summary>
public sealed class GrainSchemaRegistryGoldenPathTests(SchemaRegistryClusterFixture fixture) : SchemaRegistryGoldenPathTests(fixture), IClassFixture<SchemaRegistryClusterFixture>
{
    private protected override Task<ISchemaRegistryClient> CreateClientAsync(string suffix) => Task.FromResult<ISchemaRegistryClient>(Connections.Grain());
}

/// <summary>The golden path over MQTT (<see cref="SchemaRegistryClient"/> through the embedded broker to the silos' endpoints).</summary>
public sealed class WireSchemaRegistryGoldenPathTests(SchemaRegistryClusterFixture fixture) : SchemaRegistryGoldenPathTests(fixture), IClassFixture<SchemaRegistryClusterFixture>
{
    private protected override async Task<ISchemaRegistryClient> CreateClientAsync(string suffix) => await Connections.WireAsync(suffix);
}
