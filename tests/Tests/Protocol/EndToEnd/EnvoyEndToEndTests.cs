using System.Collections.Concurrent;
using System.Formats.Cbor;
using System.Text.Json.Serialization;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Formatter;
using OrleansAio.Abstractions.Common;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Protocol.Rpc;
using OrleansAio.Protocol.Serialization;
using OrleansAio.Protocol.Telemetry;
using OrleansAio.Tests.Fixtures;
using OrleansAio.Tests.Protocol.Serialization;

namespace OrleansAio.Tests.Protocol.EndToEnd;

/// <summary>
/// The envoys over a real broker, written once and run against the embedded broker and Mosquitto: RPC through a shared executor
/// group, telemetry with every serializer, executor errors surfacing in the invoker.
/// </summary>
public abstract class EnvoyEndToEndTests : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> owned = [];
    private readonly ApplicationContext context = new();

    /// <summary>The loopback port of the broker under test (skips the test when the broker is unavailable).</summary>
    protected abstract int Port { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Each_request_to_a_shared_executor_group_is_executed_exactly_once()
    {
        const int requestCount = 40;
        var baseTopic = $"e2e/{Guid.NewGuid():N}";
        var executions = new ConcurrentDictionary<Guid, ConcurrentBag<int>>();
        for (var i = 0; i < 3; i++)
        {
            var index = i;
            var executor = Own(new CommandExecutor<AddRequest, AddResponse>(context, await ConnectAsync($"exec{i}"), "add", new JsonPayloadSerializer())
            {
                RequestTopicPattern = baseTopic + "/{commandName}",
                TopicTokenMap = new Dictionary<string, string> { ["commandName"] = "add" },
                ServiceGroupId = "adders",
                OnCommandReceived = (request, _) =>
                {
                    executions.GetOrAdd(request.RequestMetadata.CorrelationId, _ => []).Add(index);
                    return Task.FromResult(ExtendedResponse<AddResponse>.CreateFromResponse(new AddResponse { Sum = request.Request!.A + request.Request.B, By = index }));
                },
            });
            await executor.StartAsync(cancellationToken: Ct);
        }

        var invoker = Own(new CommandInvoker<AddRequest, AddResponse>(context, await ConnectAsync("invoker"), "add", new JsonPayloadSerializer())
        {
            RequestTopicPattern = baseTopic + "/{commandName}",
            TopicTokenMap = new Dictionary<string, string> { ["commandName"] = "add" },
        });

        var responses = await Task.WhenAll(Enumerable.Range(0, requestCount).Select(i =>
            invoker.InvokeCommandAsync(new AddRequest { A = i, B = 1000 }, commandTimeout: TimeSpan.FromSeconds(30), cancellationToken: Ct)));

        Assert.Equal(Enumerable.Range(0, requestCount).Select(i => i + 1000), responses.Select(r => r.Response!.Sum));
        Assert.Equal(requestCount, executions.Count);
        Assert.All(executions.Values, runs => Assert.Single(runs));
        Assert.Equal(responses.Select(r => r.ResponseMetadata!.CorrelationId!.Value).Order(), executions.Keys.Order());
    }

    [Fact]
    public async Task Executor_errors_surface_in_the_invoker_with_the_right_kind()
    {
        var baseTopic = $"e2e/{Guid.NewGuid():N}";
        var executorClient = await ConnectAsync("exec");
        var throwing = Own(new CommandExecutor<string, string>(context, executorClient, "fail", new JsonPayloadSerializer())
        {
            RequestTopicPattern = baseTopic + "/fail",
            OnCommandReceived = (_, _) => throw new InvalidOperationException("handler exploded"),
        });
        var stalling = Own(new CommandExecutor<string, string>(context, executorClient, "stall", new JsonPayloadSerializer())
        {
            RequestTopicPattern = baseTopic + "/stall",
            ExecutionTimeout = TimeSpan.FromSeconds(1),
            OnCommandReceived = async (_, ct) =>
            {
                await Task.Delay(Timeout.Infinite, ct);
                return default;
            },
        });
        var strict = Own(new CommandExecutor<byte[], byte[]>(context, executorClient, "raw", new RawPayloadSerializer())
        {
            RequestTopicPattern = baseTopic + "/raw",
            OnCommandReceived = (request, _) => Task.FromResult(ExtendedResponse<byte[]>.CreateFromResponse(request.Request)),
        });
        await throwing.StartAsync(cancellationToken: Ct);
        await stalling.StartAsync(cancellationToken: Ct);
        await strict.StartAsync(cancellationToken: Ct);
        var invokerClient = await ConnectAsync("invoker");
        var failInvoker = Own(new CommandInvoker<string, string>(context, invokerClient, "fail", new JsonPayloadSerializer()) { RequestTopicPattern = baseTopic + "/fail" });
        var stallInvoker = Own(new CommandInvoker<string, string>(context, invokerClient, "stall", new JsonPayloadSerializer()) { RequestTopicPattern = baseTopic + "/stall" });
        var jsonToRaw = Own(new CommandInvoker<string, string>(context, invokerClient, "raw", new JsonPayloadSerializer()) { RequestTopicPattern = baseTopic + "/raw" });

        var execution = await Assert.ThrowsAsync<AioProtocolException>(() => failInvoker.InvokeCommandAsync("x", commandTimeout: TimeSpan.FromSeconds(30), cancellationToken: Ct));
        var timeout = await Assert.ThrowsAsync<AioProtocolException>(() => stallInvoker.InvokeCommandAsync("x", commandTimeout: TimeSpan.FromSeconds(30), cancellationToken: Ct));
        var media = await Assert.ThrowsAsync<AioProtocolException>(() => jsonToRaw.InvokeCommandAsync("x", commandTimeout: TimeSpan.FromSeconds(30), cancellationToken: Ct));

        Assert.Equal((AioErrorKind.ExecutionException, true, "handler exploded", "fail"), (execution.Kind, execution.IsRemote, execution.Message, execution.CommandName));
        Assert.Equal((AioErrorKind.Timeout, true, "ExecutionTimeout", TimeSpan.FromSeconds(1)), (timeout.Kind, timeout.IsRemote, timeout.TimeoutName, timeout.TimeoutValue));
        Assert.Equal((AioErrorKind.HeaderInvalid, true, "Content Type", "application/json"), (media.Kind, media.IsRemote, media.HeaderName, media.HeaderValue));
    }

    [Theory]
    [InlineData("json")]
    [InlineData("raw")]
    [InlineData("cbor")]
    [InlineData("avro")]
    [InlineData("protobuf")]
    public async Task Telemetry_flows_from_sender_to_receiver_with_each_serializer(string serializerName)
    {
        switch (serializerName)
        {
            case "json":
                await RoundTripAsync(new JsonPayloadSerializer(), new AddRequest { A = 1, B = 2 }, (e, a) => Assert.Equal((e.A, e.B), (a!.A, a.B)));
                break;
            case "raw":
                await RoundTripAsync(new RawPayloadSerializer(), new byte[] { 1, 2, 3 }, (e, a) => Assert.Equal(e, a));
                break;
            case "cbor":
                await RoundTripAsync(new CborPayloadSerializer().WithConverter(new AddRequestCborConverter()), new AddRequest { A = 5, B = 6 }, (e, a) => Assert.Equal((e.A, e.B), (a!.A, a.B)));
                break;
            case "avro":
                await RoundTripAsync(new AvroPayloadSerializer(), new ReadingRecord { Sensor = "t1", Value = 21.5 }, (e, a) => Assert.Equal((e.Sensor, e.Value), (a!.Sensor, a.Value)));
                break;
            default:
                await RoundTripAsync(new ProtobufPayloadSerializer(), Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero)), (e, a) => Assert.Equal(e, a));
                break;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        for (var i = owned.Count - 1; i >= 0; i--)
        {
            await owned[i].DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    private async Task RoundTripAsync<T>(IPayloadSerializer serializer, T value, Action<T, T?> assertEqual)
    {
        var topic = $"e2e/{Guid.NewGuid():N}/telemetry/{{senderId}}";
        var received = new ConcurrentQueue<(string SenderId, T? Value, IncomingTelemetryMetadata Metadata)>();
        var receiver = Own(new TelemetryReceiver<T>(context, await ConnectAsync("receiver"), serializer)
        {
            TopicPattern = topic,
            OnTelemetryReceived = (senderId, telemetry, metadata) =>
            {
                received.Enqueue((senderId, telemetry, metadata));
                return Task.CompletedTask;
            },
        });
        await receiver.StartAsync(Ct);
        var senderClient = await ConnectAsync("sender");
        var sender = Own(new TelemetrySender<T>(context, senderClient, serializer) { TopicPattern = topic });
        var metadata = new OutgoingTelemetryMetadata();
        metadata.UserData["k"] = "v";

        await sender.SendTelemetryAsync(value, metadata, new Dictionary<string, string> { ["senderId"] = "s1" }, cancellationToken: Ct);
        await MqttTestClient.WaitUntilAsync(() => !received.IsEmpty, "the telemetry to arrive", Ct);

        var (senderId, actual, incoming) = Assert.Single(received);
        assertEqual(value, actual);
        Assert.Equal(senderClient.ClientId, senderId);
        Assert.Equal("v", incoming.UserData["k"]);
        Assert.Equal("s1", incoming.TopicTokens["senderId"]);
        Assert.Equal(serializer.ToBytes(value).ContentType, incoming.ContentType);
        Assert.NotNull(incoming.Timestamp);
    }

    private async Task<IMqttPubSubClient> ConnectAsync(string suffix)
    {
        var mqtt = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", Port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(MqttTestClient.TestClientId(suffix))
            .WithCleanStart(true)
            .Build();
        await mqtt.ConnectAsync(options, Ct);
        var client = new OrderedAckMqttClient(mqtt, NullLogger<OrderedAckMqttClient>.Instance);
        owned.Add(new Connection(mqtt, client));
        return client;
    }

    private TEnvoy Own<TEnvoy>(TEnvoy envoy)
        where TEnvoy : IAsyncDisposable
    {
        owned.Add(envoy);
        return envoy;
    }

    internal sealed class AddRequest
    {
        [JsonPropertyName("a")]
        public int A { get; set; }

        [JsonPropertyName("b")]
        public int B { get; set; }
    }

    internal sealed class AddResponse
    {
        [JsonPropertyName("sum")]
        public int Sum { get; set; }

        [JsonPropertyName("by")]
        public int By { get; set; }
    }

    private sealed class AddRequestCborConverter : CborConverter<AddRequest>
    {
        public override void Write(CborWriter writer, AddRequest value)
        {
            writer.WriteStartArray(2);
            writer.WriteInt32(value.A);
            writer.WriteInt32(value.B);
            writer.WriteEndArray();
        }

        public override AddRequest Read(CborReader reader)
        {
            reader.ReadStartArray();
            var value = new AddRequest { A = reader.ReadInt32(), B = reader.ReadInt32() };
            reader.ReadEndArray();
            return value;
        }
    }

    private sealed class Connection(IMqttClient mqtt, OrderedAckMqttClient client) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await client.DisposeAsync();
            if (mqtt.IsConnected)
            {
                await mqtt.DisconnectAsync();
            }

            mqtt.Dispose();
        }
    }
}

/// <summary>The envoys over the embedded MQTTnet-based broker with shared subscriptions.</summary>
public sealed class EmbeddedBrokerEnvoyTests(EmbeddedBrokerFixture fixture) : EnvoyEndToEndTests, IClassFixture<EmbeddedBrokerFixture>, IAsyncLifetime
{
    private int errorsBefore;

    /// <inheritdoc />
    public ValueTask InitializeAsync()
    {
        errorsBefore = fixture.Errors.Count;
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    async ValueTask IAsyncDisposable.DisposeAsync()
    {
        await DisposeAsync();
        Assert.Empty(fixture.Errors.Skip(errorsBefore));
    }

    /// <inheritdoc />
    protected override int Port => fixture.Port;
}

/// <summary>The envoys over Mosquitto (skipped when Mosquitto is not installed).</summary>
public sealed class MosquittoEnvoyTests(MosquittoBrokerFixture fixture) : EnvoyEndToEndTests, IClassFixture<MosquittoBrokerFixture>
{
    /// <inheritdoc />
    protected override int Port => fixture.RequirePort();
}
