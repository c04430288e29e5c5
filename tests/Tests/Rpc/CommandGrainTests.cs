using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Rpc;
using OrleansAio.Protocol.Serialization;
using OrleansAio.Protocol.Session;
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
        const int Requests = 24;

        var responses = await Task.WhenAll(Enumerable.Range(0, Requests).Select(_ =>
            invoker.InvokeCommandAsync(new CounterRequest("ok", 1), null, Key(key), cancellationToken: Ct)));

        // Both silos subscribe in one shared group: had each received every request, the grain would count 48.
        Assert.Equal(Requests, await fixture.Client.GetGrain<ICounterGrain>(key).GetExecutionsAsync());
        Assert.Equal(Enumerable.Range(1, Requests), responses.Select(r => r.Response!.Executions).Order());
    }

    [Fact]
    public async Task ARedeliveredRequestIsAnsweredFromTheClusterCacheOnEverySilo()
    {
        var key = $"dup-{Guid.NewGuid():N}";
        await using var device = await MqttTestClient.ConnectAsync(fixture.Broker.Port, "dup", cancellationToken: Ct);
        var responseTopic = $"clients/{device.ClientId}/test/rpc/{key}/increment";
        var responses = new ConcurrentQueue<MqttApplicationMessage>();
        device.Client.ApplicationMessageReceivedAsync += args =>
        {
            if (args.ApplicationMessage.Topic == responseTopic)
            {
                responses.Enqueue(args.ApplicationMessage);
            }

            return Task.CompletedTask;
        };
        await device.SubscribeAsync(responseTopic, Ct);
        var correlation = Guid.NewGuid().ToByteArray();
        var request = new MqttApplicationMessageBuilder()
            .WithTopic($"test/rpc/{key}/increment")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithResponseTopic(responseTopic)
            .WithCorrelationData(correlation)
            .WithMessageExpiryInterval(60)
            .WithContentType("application/json")
            .WithPayload("{\"mode\":\"ok\",\"amount\":3}")
            .WithUserProperty("__protVer", Encoding.UTF8.GetBytes("1.0"))
            .Build();

        await device.Client.PublishAsync(request, Ct);
        await MqttTestClient.WaitUntilAsync(() => responses.Count == 1, "the first response", Ct);

        // The broker redelivers a request it thinks was not acknowledged (a reconnect): put the very same request (same
        // response topic and correlation data) straight into each silo's session, so the silo that did not execute it gets it too.
        for (var i = 0; i < fixture.Cluster.Silos.Count; i++)
        {
            var session = await fixture.Broker.Broker.Server.GetSessionAsync(fixture.SessionOf(i).ClientId!);
            Assert.True(session.TryEnqueueApplicationMessage(request, out _));
        }

        await MqttTestClient.WaitUntilAsync(() => responses.Count == 1 + fixture.Cluster.Silos.Count, "a response to every redelivery", Ct);
        Assert.Equal(1, await fixture.Client.GetGrain<ICounterGrain>(key).GetExecutionsAsync());
        var all = responses.ToArray();
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
}
