using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using OrleansAio.Abstractions.Common;
using Orleans.Providers;
using Orleans.Storage;
using OrleansAio.Grains.Rpc;
using OrleansAio.GrainsInterfaces.Rpc;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Rpc;
using OrleansAio.Protocol.Serialization;
using OrleansAio.Protocol.Session;
using OrleansAio.Silo.Rpc;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Rpc;

/// <summary>Executor side: a stand-in device invokes <c>increment</c>; the cluster answers through <see cref="ICounterGrain"/>.</summary>
public sealed class CommandGrainTests(RpcClusterFixture fixture) : IClassFixture<RpcClusterFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EachRequestIsRoutedToTheGrainForItsTopicKey()
    {
        await using var device = await DeviceAsync("route");
        await using var invoker = CounterInvoker(device);
        var prefix = Guid.NewGuid().ToString("N")[..8];

        var first = await invoker.InvokeCommandAsync(new CounterRequest("ok", 5), Label("one"), Key($"{prefix}-a"), cancellationToken: Ct);
        var second = await invoker.InvokeCommandAsync(new CounterRequest("ok", 7), null, Key($"{prefix}-a"), cancellationToken: Ct);
        var other = await invoker.InvokeCommandAsync(new CounterRequest("ok", 1), null, Key($"{prefix}-b"), cancellationToken: Ct);

        Assert.Equal(new CounterResponse($"{prefix}-a", 1, 5, "increment", "one"), first.Response);
        Assert.Equal(new CounterResponse($"{prefix}-a", 2, 12, "increment", null), second.Response);
        Assert.Equal(new CounterResponse($"{prefix}-b", 1, 1, "increment", null), other.Response);
        Assert.Equal(2, await fixture.Client.GetGrain<ICounterGrain>($"{prefix}-a").GetExecutionsAsync());
        Assert.Equal(1, await fixture.Client.GetGrain<ICounterGrain>($"{prefix}-b").GetExecutionsAsync());
    }

    [Fact]
    public async Task EveryRequestRunsExactlyOnceAcrossTheSilos()
    {
        await using var device = await DeviceAsync("once");
        await using var invoker = CounterInvoker(device);
        var key = $"once-{Guid.NewGuid():N}";
        const int requestCount = 24;

        var responses = await Task.WhenAll(Enumerable.Range(0, requestCount).Select(_ =>
            invoker.InvokeCommandAsync(new CounterRequest("ok", 1), null, Key(key), cancellationToken: Ct)));

        // Both silos subscribe in one shared group: had each received every request, the grain would count 48.
        Assert.Equal(requestCount, await fixture.Client.GetGrain<ICounterGrain>(key).GetExecutionsAsync());
        Assert.Equal(Enumerable.Range(1, requestCount), responses.Select(r => r.Response!.Executions).Order());
    }

    [Fact]
    public async Task ARedeliveredRequestIsAnsweredFromTheClusterCacheOnEverySilo()
    {
        var key = $"dup-{Guid.NewGuid():N}";
        await using var device = await RawDevice.ConnectAsync(fixture, key);
        var request = device.Request(Guid.NewGuid().ToByteArray());

        await device.Client.Client.PublishAsync(request, Ct);
        await MqttTestClient.WaitUntilAsync(() => device.Responses.Count == 1, "the first response", Ct);

        // The broker redelivers a request it thinks was not acknowledged (a reconnect): put the very same request (same
        // response topic and correlation data) straight into each silo's session, so the silo that did not execute it gets it too.
        await RedeliverToEverySiloAsync(request);

        await MqttTestClient.WaitUntilAsync(() => device.Responses.Count == 1 + fixture.Cluster.Silos.Count, "a response to every redelivery", Ct);
        Assert.Equal(1, await fixture.Client.GetGrain<ICounterGrain>(key).GetExecutionsAsync());
        AssertSameResponses(device.Responses.ToArray(), request.CorrelationData);
    }

    [Fact]
    public async Task TheDedupRecordOutlivesTheHandlerGrainsActivation()
    {
        var key = $"dup-{Guid.NewGuid():N}";
        await using var device = await RawDevice.ConnectAsync(fixture, key);
        var correlation = Guid.NewGuid().ToByteArray();
        var request = device.Request(correlation);
        await device.Client.Client.PublishAsync(request, Ct);
        await MqttTestClient.WaitUntilAsync(() => device.Responses.Count == 1, "the first response", Ct);

        // Collected, shed or moved: the record is written to storage when the activation goes and read by the next one.
        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<ICounterGrain>(key));
        await RedeliverToEverySiloAsync(request);

        await MqttTestClient.WaitUntilAsync(() => device.Responses.Count == 1 + fixture.Cluster.Silos.Count, "a response to every redelivery", Ct);
        // The counter keeps its count in memory only: a new activation that had run the request would say 1.
        Assert.Equal(0, await fixture.Client.GetGrain<ICounterGrain>(key).GetExecutionsAsync());
        AssertSameResponses(device.Responses.ToArray(), correlation);
    }

    [Fact]
    public async Task EachDurableRequestStoresItsOwnRecordAndAnotherWritersRecordsAreKeptAndRead()
    {
        var key = $"records-{Guid.NewGuid():N}";
        await using var device = await RawDevice.ConnectAsync(fixture, key);
        await device.Client.Client.PublishAsync(device.Request(Guid.NewGuid().ToByteArray()), Ct);
        await MqttTestClient.WaitUntilAsync(() => device.Responses.Count == 1, "the first response", Ct);
        var grainId = fixture.Client.GetGrain<ICounterGrain>(key).GetGrainId();
        var store = DedupStore();
        var first = Assert.Single(await store.ReadAsync(grainId));

        // One hash per grain in the grain storage's Redis, dropped as a whole after the latest expiry (the request's 60 s).
        var serviceId = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<Orleans.Configuration.ClusterOptions>>().Value.ServiceId;
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(fixture.StorageConnectionString);
        async Task<TimeSpan> TimeToLiveAsync() =>
            await redis.GetDatabase().KeyTimeToLiveAsync($"{serviceId}/aio-dedup/{grainId}") ?? TimeSpan.Zero;
        var ttl = await TimeToLiveAsync();
        Assert.True(ttl > TimeSpan.Zero && ttl <= TimeSpan.FromSeconds(61), $"time to live {ttl}");

        // Another writer (a second activation during a membership change) stores a record for a request this one never saw,
        // one that lives 10 minutes longer.
        var foreign = Guid.NewGuid();
        var foreignKey = CommandDedupFilter.Key("increment", device.ResponseTopic, foreign);
        var foreignExpiry = first.ExpiresAtTicks + TimeSpan.FromMinutes(10).Ticks;
        await store.WriteAsync(grainId, [new CommandDedupRecord { Key = foreignKey, ExpiresAtTicks = foreignExpiry, Response = first.Response }], [], foreignExpiry);

        // This activation's next writes add only their own records: the other writer's stays.
        await device.Client.Client.PublishAsync(device.Request(Guid.NewGuid().ToByteArray()), Ct);
        await device.Client.Client.PublishAsync(device.Request(Guid.NewGuid().ToByteArray()), Ct);
        await MqttTestClient.WaitUntilAsync(() => device.Responses.Count == 3, "two more responses", Ct);
        var stored = await store.ReadAsync(grainId);
        Assert.Equal(4, stored.Count);
        Assert.Contains(stored, r => r.Key == foreignKey);

        // This activation's writes (keep until its own 60 s) did not shorten the hash's life below the other writer's record.
        ttl = await TimeToLiveAsync();
        Assert.True(ttl > TimeSpan.FromMinutes(10), $"time to live {ttl}");
        Assert.Equal(3, await fixture.Client.GetGrain<ICounterGrain>(key).GetExecutionsAsync());

        // A new activation reads every record: the request the other writer recorded is answered from it, not run.
        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<ICounterGrain>(key));
        await device.Client.Client.PublishAsync(device.Request(foreign.ToByteArray()), Ct);
        await MqttTestClient.WaitUntilAsync(() => device.Responses.Count == 4, "the foreign request's response", Ct);
        Assert.Equal("200", device.Responses.Last().UserProperties?.FirstOrDefault(p => p.Name == "__stat")?.ReadValueAsString());
        Assert.Equal(0, await fixture.Client.GetGrain<ICounterGrain>(key).GetExecutionsAsync());
    }

    [Fact]
    public async Task AGrainThatLetsANestedUnavailableSiloFailureEscapeRunsOnceAndIsAnswered500()
    {
        // UnavailableSiloRetryFilter retries the executor's own call to an unreachable silo; a failure the grain's own call met
        // is wrapped on the way out, so the grain is not run again for the retry budget.
        var key = $"nested-{Guid.NewGuid():N}";
        await using var device = await RawDevice.ConnectAsync(fixture, key);
        var request = new MqttApplicationMessageBuilder()
            .WithTopic($"test/rpc/{key}/increment")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithResponseTopic(device.ResponseTopic)
            .WithCorrelationData(Guid.NewGuid().ToByteArray())
            .WithMessageExpiryInterval(60)
            .WithContentType("application/json")
            .WithPayload("{\"Mode\":\"nestedUnavailable\",\"Amount\":1}")
            .WithUserProperty("__protVer", Encoding.UTF8.GetBytes("1.0"))
            .Build();
        await device.Client.Client.PublishAsync(request, Ct);
        await MqttTestClient.WaitUntilAsync(() => device.Responses.Count == 1, "the response", Ct);

        var response = device.Responses.Single();
        Assert.Equal("500", response.UserProperties?.FirstOrDefault(p => p.Name == "__stat")?.ReadValueAsString());
        Assert.Contains("found its silo unavailable", response.UserProperties?.FirstOrDefault(p => p.Name == "__stMsg")?.ReadValueAsString(), StringComparison.Ordinal);
        Assert.Equal(1, await fixture.Client.GetGrain<ICounterGrain>(key).GetExecutionsAsync());
    }

    [Fact]
    public async Task OneGrainTypeServesTwoCommandsAndTheActivationModeWritesOnlyWhenTheActivationGoes()
    {
        var key = $"in-memory-{Guid.NewGuid():N}";
        await using var device = await RawDevice.ConnectAsync(fixture, key, "incrementInMemory");
        var request = device.Request(Guid.NewGuid().ToByteArray());
        await device.Client.Client.PublishAsync(request, Ct);
        await MqttTestClient.WaitUntilAsync(() => device.Responses.Count == 1, "the first response", Ct);
        Assert.Empty(await DedupStore().ReadAsync(fixture.Client.GetGrain<ICounterGrain>(key).GetGrainId()));

        // Deactivated gracefully: written then and read by the next activation, so the redelivery is still not run again.
        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<ICounterGrain>(key));
        Assert.Single(await DedupStore().ReadAsync(fixture.Client.GetGrain<ICounterGrain>(key).GetGrainId()));
        await RedeliverToEverySiloAsync(request);
        await MqttTestClient.WaitUntilAsync(() => device.Responses.Count == 1 + fixture.Cluster.Silos.Count, "a response to every redelivery", Ct);
        Assert.Equal(0, await fixture.Client.GetGrain<ICounterGrain>(key).GetExecutionsAsync());
    }

    // The record-by-record store of the silos (the fixture's grain storage is Redis, so the silo registers one).
    private ICommandDedupStore DedupStore() =>
        fixture.Cluster.Silos[0].ServiceProvider.GetService<ICommandDedupStore>() ?? throw new InvalidOperationException("no command dedup store");

    [Fact]
    public async Task TheSameCorrelationOnAnotherResponseTopicIsANewRequest()
    {
        var key = $"pseudo-{Guid.NewGuid():N}";
        await using var device = await RawDevice.ConnectAsync(fixture, key);
        await using var other = await RawDevice.ConnectAsync(fixture, key);
        var correlation = Guid.NewGuid().ToByteArray();

        await device.Client.Client.PublishAsync(device.Request(correlation), Ct);
        await MqttTestClient.WaitUntilAsync(() => device.Responses.Count == 1, "the first response", Ct);
        await other.Client.Client.PublishAsync(other.Request(correlation), Ct);
        await MqttTestClient.WaitUntilAsync(() => other.Responses.Count == 1, "the second response", Ct);

        // §1.12: the key is (Response Topic, Correlation Data); a different response topic is a different request.
        Assert.Equal(2, await fixture.Client.GetGrain<ICounterGrain>(key).GetExecutionsAsync());
    }

    [Fact]
    public async Task ARequestWhoseTopicHasAnEmptyKeyIsABadRequestNamingTheKeyToken()
    {
        var key = $"nokey-{Guid.NewGuid():N}";
        await using var device = await RawDevice.ConnectAsync(fixture, key);
        var correlation = Guid.NewGuid().ToByteArray();
        var request = device.Request(correlation);
        request.Topic = "test/rpc//increment";

        // MQTTnet's broker does not match an empty level with '+' (Mosquitto does, as MQTT 5 §4.7.1.2 says), so put the request
        // straight into a silo's session, as a broker that follows the specification would deliver it.
        var session = await fixture.Broker.Broker.Server.GetSessionAsync(fixture.SessionOf(0).ClientId!);
        Assert.True(session.TryEnqueueApplicationMessage(request, out _));
        await MqttTestClient.WaitUntilAsync(() => device.Responses.Count == 1, "the response", Ct);

        // Nothing to route the request to: the request is wrong (400), not the handler (500 application error).
        var response = Assert.Single(device.Responses);
        Assert.Equal("400", response.GetUserProperty("__stat"));
        Assert.Equal("false", response.GetUserProperty("__apErr"));
        Assert.Equal("executorId", response.GetUserProperty("__propName"));
        Assert.Equal("test/rpc//increment", response.GetUserProperty("__propVal"));
    }

    private async Task RedeliverToEverySiloAsync(MqttApplicationMessage request)
    {
        for (var i = 0; i < fixture.Cluster.Silos.Count; i++)
        {
            var session = await fixture.Broker.Broker.Server.GetSessionAsync(fixture.SessionOf(i).ClientId!);
            Assert.True(session.TryEnqueueApplicationMessage(request, out _));
        }
    }

    private static void AssertSameResponses(MqttApplicationMessage[] all, byte[] correlation)
    {
        foreach (var response in all)
        {
            Assert.Equal(correlation, response.CorrelationData);
            Assert.Equal("200", UserProperty(response, "__stat"));
            Assert.Equal(Encoding.UTF8.GetString(all[0].Payload), Encoding.UTF8.GetString(response.Payload));
            Assert.Single(response.UserProperties!, p => p.Name == "__protVer");
        }

        Assert.Contains("\"executions\":1", Encoding.UTF8.GetString(all[0].Payload), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AGrainExceptionIsAnApplicationErrorResponse()
    {
        await using var device = await DeviceAsync("throw");
        await using var invoker = CounterInvoker(device);
        var key = $"throw-{Guid.NewGuid():N}";

        var error = await Assert.ThrowsAsync<AioProtocolException>(() =>
            invoker.InvokeCommandAsync(new CounterRequest("throw", 1), null, Key(key), cancellationToken: Ct));

        Assert.Equal(AioErrorKind.ExecutionException, error.Kind);
        Assert.True(error.IsRemote);
        Assert.Contains($"counter {key} refused", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AGrainPastTheExecutionTimeoutIsAnsweredWithRequestTimeout()
    {
        await using var device = await DeviceAsync("slow");
        await using var invoker = CounterInvoker(device);

        var error = await Assert.ThrowsAsync<AioProtocolException>(() => invoker.InvokeCommandAsync(
            new CounterRequest("slow", 1), null, Key($"slow-{Guid.NewGuid():N}"), TimeSpan.FromSeconds(20), Ct));

        Assert.Equal(AioErrorKind.Timeout, error.Kind);
        Assert.True(error.IsRemote);
        Assert.Equal("ExecutionTimeout", error.TimeoutName);
        Assert.Equal(TimeSpan.FromSeconds(2), error.TimeoutValue);
    }

    [Fact]
    public async Task AnApplicationErrorReturnedByTheGrainTravelsAsUserData()
    {
        await using var device = await DeviceAsync("apperr");
        await using var invoker = CounterInvoker(device);

        var response = await invoker.InvokeCommandAsync(new CounterRequest("appError", 1), null, Key($"app-{Guid.NewGuid():N}"), cancellationToken: Ct);

        Assert.True(response.TryGetApplicationError(out var code, out var payload));
        Assert.Equal("Overheated", code);
        Assert.Equal("{\"limit\":30}", payload);
    }

    private static string? UserProperty(MqttApplicationMessage message, string name) =>
        message.UserProperties?.FirstOrDefault(p => p.Name == name)?.ReadValueAsString();

    private static Dictionary<string, string> Key(string key) => new() { ["executorId"] = key };

    private static CommandRequestMetadata Label(string label)
    {
        var metadata = new CommandRequestMetadata();
        metadata.UserData["label"] = label;
        return metadata;
    }

    private static CommandInvoker<CounterRequest, CounterResponse> CounterInvoker(MqttSessionClient device) =>
        new(new ApplicationContext(), device, "increment", new JsonPayloadSerializer())
        {
            RequestTopicPattern = RpcClusterFixture.CounterPattern,
            TopicTokenMap = new Dictionary<string, string> { ["commandName"] = "increment" },
        };

    private async Task<MqttSessionClient> DeviceAsync(string suffix)
    {
        var device = new MqttSessionClient(new MqttSessionClientOptions(), NullLoggerFactory.Instance);
        await device.ConnectAsync(fixture.MqttSettings(MqttTestClient.TestClientId(suffix)), Ct);
        return device;
    }

    /// <summary>A device speaking raw MQTT, so a test controls the correlation data and can resend a request byte for byte.</summary>
    internal sealed class RawDevice : IAsyncDisposable
    {
        private RawDevice(MqttTestClient client, string key, string command)
        {
            Client = client;
            Key = key;
            Command = command;
            ResponseTopic = $"clients/{client.ClientId}/test/rpc/{key}/{command}";
            client.Client.ApplicationMessageReceivedAsync += args =>
            {
                if (args.ApplicationMessage.Topic == ResponseTopic)
                {
                    Responses.Enqueue(args.ApplicationMessage);
                }

                return Task.CompletedTask;
            };
        }

        public MqttTestClient Client { get; }

        public string Key { get; }

        public string Command { get; }

        public string ResponseTopic { get; }

        public ConcurrentQueue<MqttApplicationMessage> Responses { get; } = new();

        public static async Task<RawDevice> ConnectAsync(RpcClusterFixture fixture, string key, string command = "increment")
        {
            var client = await MqttTestClient.ConnectAsync(fixture.Broker.Port, "raw-" + Guid.NewGuid().ToString("N")[..6], cancellationToken: Ct);
            var device = new RawDevice(client, key, command);
            await client.SubscribeAsync(device.ResponseTopic, Ct);
            return device;
        }

        public MqttApplicationMessage Request(byte[] correlation) => new MqttApplicationMessageBuilder()
            .WithTopic($"test/rpc/{Key}/{Command}")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithResponseTopic(ResponseTopic)
            .WithCorrelationData(correlation)
            .WithMessageExpiryInterval(60)
            .WithContentType("application/json")
            .WithPayload("{\"mode\":\"ok\",\"amount\":3}")
            .WithUserProperty("__protVer", Encoding.UTF8.GetBytes("1.0"))
            .Build();

        public ValueTask DisposeAsync() => Client.DisposeAsync();
    }
}
