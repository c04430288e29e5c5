using Microsoft.Extensions.Logging.Abstractions;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Rpc;
using OrleansAio.Protocol.Serialization;
using OrleansAio.Protocol.Session;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Rpc;

/// <summary>A silo leaving the cluster hands its share of requests to the others (its own fresh cluster: it stops a silo).</summary>
public sealed class CommandFailoverTests(RpcClusterFixture fixture) : IClassFixture<RpcClusterFixture>
{
    [Fact]
    public async Task AfterASiloStopsEveryRequestIsServedByTheRemainingSilos()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var device = new MqttSessionClient(new MqttSessionClientOptions(), NullLoggerFactory.Instance);
        await device.ConnectAsync(fixture.MqttSettings(MqttTestClient.TestClientId("failover")), ct);
        await using var invoker = new CommandInvoker<CounterRequest, CounterResponse>(new ApplicationContext(), device, "increment", new JsonPayloadSerializer())
        {
            RequestTopicPattern = RpcClusterFixture.CounterPattern,
            TopicTokenMap = new Dictionary<string, string> { ["commandName"] = "increment" },
        };
        var prefix = Guid.NewGuid().ToString("N")[..8];
        await invoker.InvokeCommandAsync(new CounterRequest("ok", 1), null, new Dictionary<string, string> { ["executorId"] = $"{prefix}-warm" }, cancellationToken: ct);

        // The stopping silo unsubscribes its executor before its MQTT session ends, so the group shrinks cleanly.
        await fixture.Cluster.StopSiloAsync(fixture.Cluster.Silos[1], ct);

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => invoker.InvokeCommandAsync(
            new CounterRequest("ok", i), null, new Dictionary<string, string> { ["executorId"] = $"{prefix}-{i}" }, TimeSpan.FromSeconds(20), ct)));

        Assert.All(responses, r => Assert.Equal(1, r.Response!.Executions));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"{prefix}-{i}"), responses.Select(r => r.Response!.Key));
    }
}
