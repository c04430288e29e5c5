using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MQTTnet.Protocol;
using OrleansAio.Protocol.SchemaRegistry;
using OrleansAio.Protocol.Serialization;

namespace OrleansAio.Tests.SchemaRegistry;

/// <summary>
/// The schema registry's wire contract byte for byte (services.md 3.2, 3.4, 3.5): hand-made requests as the public SDKs send
/// them, raw responses read back, golden bytes from the spec's example, and every malformed input answered without a crash.
/// </summary>
public sealed class SchemaRegistryWireTests(SchemaRegistryClusterFixture fixture) : IClassFixture<SchemaRegistryClusterFixture>, IAsyncLifetime
{
    private const string SpecPutRequest =
        """{"format":"JsonSchema/draft-07","schemaContent":"{\"$schema\":\"https://json-schema.org/draft-07/schema#\",\"type\":\"object\"}","schemaType":"MessageSchema","version":"1"}""";

    // The same request as the .NET SDK's serializer writes it: System.Text.Json's default encoder escapes '"' inside strings as \u0022.
    private const string DotNetPutRequest =
        """{"format":"JsonSchema/draft-07","schemaContent":"{\u0022$schema\u0022:\u0022https://json-schema.org/draft-07/schema#\u0022,\u0022type\u0022:\u0022object\u0022}","schemaType":"MessageSchema","version":"1"}""";

    private RawJsonRequester? requester;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private RawJsonRequester Requester => requester!;

    public async ValueTask InitializeAsync() => requester = await RawJsonRequester.ConnectAsync(fixture.Broker.Port, "raw", Ct);

    public async ValueTask DisposeAsync()
    {
        if (requester is not null)
        {
            await requester.DisposeAsync();
        }
    }

    [Fact]
    public void TheWireClientWritesThePutRequestOfTheSpecExample()
    {
        var request = new SchemaRegistryPutRequest
        {
            Format = SchemaFormat.JsonSchemaDraft07.ToWireString(),
            SchemaType = SchemaType.MessageSchema.ToWireString(),
            SchemaContent = SchemaTexts.Minimal,
            Version = "1",
        };
        var bytes = new JsonPayloadSerializer().ToBytes(request);
        var text = Encoding.UTF8.GetString(bytes.SerializedPayload.ToArray());
        Assert.Equal(DotNetPutRequest, text);
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(SpecPutRequest).RootElement, JsonDocument.Parse(text).RootElement));
        Assert.Equal("application/json", bytes.ContentType);
        Assert.Equal(MqttPayloadFormatIndicator.CharacterData, bytes.PayloadFormatIndicator);
        Assert.Equal("""{"name":"N","version":"1"}""", Encoding.UTF8.GetString(new JsonPayloadSerializer().ToBytes(new SchemaRegistryGetRequest { Name = "N", Version = "1" }).SerializedPayload.ToArray()));
    }

    [Fact]
    public async Task TheSpecExamplePutAndGetAnswerWithTheSpecBytes()
    {
        var name = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(SchemaTexts.Minimal)));
        var expected =
            "{\"schema\":{\"format\":\"JsonSchema/draft-07\",\"name\":\"" + name + "\",\"namespace\":\"DefaultSRNamespace\","
            + "\"schemaContent\":\"{\\u0022$schema\\u0022:\\u0022https://json-schema.org/draft-07/schema#\\u0022,\\u0022type\\u0022:\\u0022object\\u0022}\","
            + "\"schemaType\":\"MessageSchema\",\"version\":\"1\"}}";

        // Sent as the spec writes it; answered as the .NET SDK's serializer writes (\u0022 inside strings, alphabetical fields).
        var put = await Requester.SendAsync(SchemaRegistryTopics.PutTopic, SpecPutRequest, Ct);
        Assert.Equal("200", put.Property("__stat"));
        Assert.Equal("application/json", put.ContentType);
        Assert.Equal(MqttPayloadFormatIndicator.CharacterData, put.PayloadFormatIndicator);
        Assert.Equal(expected, put.PayloadText());

        var get = await Requester.SendAsync(SchemaRegistryTopics.GetTopic, $$"""{"name":"{{name}}","version":"1"}""", Ct);
        Assert.Equal("200", get.Property("__stat"));
        Assert.Equal(expected, get.PayloadText());
    }

    [Fact]
    public async Task AMissAnswersWithAnInBand404NamingTheName()
    {
        var name = Convert.ToHexString(SHA256.HashData(Guid.NewGuid().ToByteArray()));
        var miss = await Requester.SendAsync(SchemaRegistryTopics.GetTopic, $$"""{"name":"{{name}}","version":"1"}""", Ct);
        Assert.Equal("200", miss.Property("__stat"));
        Assert.Equal("{\"error\":{\"code\":404,\"message\":\"Schema \\u0027" + name + "\\u0027 was not found\",\"target\":\"Name\"}}", miss.PayloadText());
    }

    [Theory]
    [InlineData("put", "{}", "Format", "The field 'format' is required")]
    [InlineData("put", """{"format":"JsonSchema/draft-07","schemaType":"MessageSchema","version":"1"}""", "SchemaContent", "The field 'schemaContent' is required")]
    [InlineData("put", """{"format":"JsonSchema/draft-07","schemaType":"MessageSchema","schemaContent":"{}"}""", "Version", "The field 'version' is required")]
    [InlineData("put", """{"format":"JsonSchema/draft-07","schemaType":"MessageSchema","schemaContent":"{}","version":1}""", "Version", "The field 'version' must be a string, not a number")]
    [InlineData("put", """{"format":"JsonSchema/draft-07","schemaType":"MessageSchema","schemaContent":{"type":"object"},"version":"1"}""", "SchemaContent", "The field 'schemaContent' must be a string, not an object")]
    [InlineData("put", """{"format":null,"schemaType":"MessageSchema","schemaContent":"{}","version":"1"}""", "Format", "The field 'format' is required")]
    [InlineData("put", """{"format":"Avro/1.11.0","schemaType":"MessageSchema","schemaContent":"{}","version":"1"}""", "Format", "The format 'Avro/1.11.0' is not supported; use 'JsonSchema/draft-07' or 'Delta/1.0'")]
    [InlineData("put", """{"format":"JsonSchema/draft-07","schemaType":"DataSchema","schemaContent":"{}","version":"1"}""", "SchemaType", "The schema type 'DataSchema' is not supported; use 'MessageSchema'")]
    [InlineData("put", """{"format":"JsonSchema/draft-07","schemaType":"MessageSchema","schemaContent":"{}","version":""}""", "Version", "The field 'version' must not be empty")]
    [InlineData("put", """{"format":"JsonSchema/draft-07","schemaType":"MessageSchema","schemaContent":"{}","version":"1","tags":{"a":1}}""", "Tags", "The tag 'a' must be a string, not a number")]
    [InlineData("put", """{"format":"JsonSchema/draft-07","schemaType":"MessageSchema","schemaContent":"{}","version":"1","tags":["a"]}""", "Tags", "The field 'tags' must be an object of strings, not an array")]
    [InlineData("put", """{"format":"JsonSchema/draft-07","schemaType":"MessageSchema","schemaContent":"{}","version":"1","description":5}""", "Description", "The field 'description' must be a string, not a number")]
    [InlineData("put", """{"format":"JsonSchema/draft-07","schemaType":"MessageSchema","schemaContent":"{}","version":"1","displayName":true}""", "DisplayName", "The field 'displayName' must be a string, not a boolean")]
    [InlineData("get", """{"version":"1"}""", "Name", "The field 'name' is required")]
    [InlineData("get", """{"name":7,"version":"1"}""", "Name", "The field 'name' must be a string, not a number")]
    [InlineData("get", """{"name":"ABC"}""", "Version", "The field 'version' is required")]
    [InlineData("get", """{"name":"","version":"1"}""", "Name", "The field 'name' must not be empty")]
    public async Task AMissingOrMistypedFieldAnswersWithAnInBand400NamingIt(string command, string body, string target, string message)
    {
        var response = await Requester.SendAsync(Topic(command), body, Ct);
        Assert.Equal("200", response.Property("__stat"));
        using var json = JsonDocument.Parse(response.PayloadText());
        var error = json.RootElement.GetProperty("error");
        Assert.Equal(400, error.GetProperty("code").GetInt32());
        Assert.Equal(target, error.GetProperty("target").GetString());
        Assert.Equal(message, error.GetProperty("message").GetString());
        Assert.False(json.RootElement.TryGetProperty("schema", out _));
    }

    [Theory]
    [InlineData("put", "[1,2]", "The request body must be a JSON object, not an array")]
    [InlineData("get", "\"name\"", "The request body must be a JSON object, not a string")]
    [InlineData("put", "", "The request has no body; a JSON object is required")]
    public async Task ABodyThatIsNotAnObjectAnswersWithAnInBand400(string command, string body, string message)
    {
        var response = await Requester.SendAsync(Topic(command), body, Ct);
        Assert.Equal("200", response.Property("__stat"));
        Assert.Equal("{\"error\":{\"code\":400,\"message\":\"" + message + "\"}}", response.PayloadText());
    }

    [Theory]
    [InlineData("put")]
    [InlineData("get")]
    public async Task MalformedJsonIsAnRpcLevel400AndTheEndpointKeepsServing(string command)
    {
        var response = await Requester.SendAsync(Topic(command), """{"format":"JsonSchema/draft-07",""", Ct);
        Assert.Equal("400", response.Property("__stat"));
        Assert.NotNull(response.Property("__stMsg"));

        var after = await Requester.SendAsync(SchemaRegistryTopics.PutTopic, SpecPutRequest, Ct);
        Assert.Equal("200", after.Property("__stat"));
        Assert.StartsWith("{\"schema\":", after.PayloadText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidContentIsRefusedAsTheReferenceServiceDoes()
    {
        var body = """{"format":"JsonSchema/draft-07","schemaContent":"{\"type\":\"object\"}","schemaType":"MessageSchema","version":"1"}""";
        var response = await Requester.SendAsync(SchemaRegistryTopics.PutTopic, body, Ct);
        Assert.Equal("500", response.Property("__stat"));
        Assert.Equal("true", response.Property("__apErr"));
        Assert.Equal("Invalid JsonSchema/draft-07 schema", response.Property("__stMsg"));
        Assert.True(response.Payload.IsEmpty);
    }

    [Fact]
    public async Task AWrongContentTypeIsRefusedWith415()
    {
        var message = await Requester.SendWithContentTypeAsync(SchemaRegistryTopics.PutTopic, SpecPutRequest, "application/octet-stream", Ct);
        Assert.Equal("415", message.Property("__stat"));
    }

    private static string Topic(string command) => command == "put" ? SchemaRegistryTopics.PutTopic : SchemaRegistryTopics.GetTopic;
}
