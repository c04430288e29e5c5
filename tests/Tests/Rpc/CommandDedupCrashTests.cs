using System.Collections.Concurrent;
using System.Text;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using OrleansAio.GrainsInterfaces.Rpc;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Rpc;

/// <summary>A two-silo cluster of its own serving <c>increment</c>: the crash test kills a silo.</summary>
public sealed class RpcCrashClusterFixture : RpcClusterFixture;

/// <summary>
/// The cluster-wide crash guarantee of command dedup (protocol.md §1.12): the silo holding the handler grain's activation is
/// killed (no graceful deactivation) after the grain ran and answered; the broker's redelivery to the survivor is answered
/// from the durable record, not executed again.
/// </summary>
public sealed class CommandDedupCrashTests(RpcCrashClusterFixture fixture) : IClassFixture<RpcCrashClusterFixture>
{
    [Fact]
    public async Task ARedeliveryAfterTheHandlerSiloIsKilledIsNotExecutedAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        var victim = fixture.Cluster.Silos[^1];
        var management = fixture.Client.GetGrain<IManagementGrain>(0);

        // A key whose activation is on the silo to be killed (placement is random: try keys until one lands there).
        string? key = null;
        for (var attempt = 0; attempt < 40 && key is null; attempt++)
        {
            var candidate = $"crash-{Guid.NewGuid():N}";
            var grain = fixture.Client.GetGrain<ICounterGrain>(candidate);
            await grain.GetExecutionsAsync();
            if (await management.GetActivationAddress(grain, ct) == victim.SiloAddress)
            {
                key = candidate;
            }
        }

        Assert.NotNull(key);
        await using var device = await MqttTestClient.ConnectAsync(fixture.Broker.Port, "crash-" + Guid.NewGuid().ToString("N")[..6], cancellationToken: ct);
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
        await device.SubscribeAsync(responseTopic, ct);
        var correlation = Guid.NewGuid().ToByteArray();
        var request = new MqttApplicationMessageBuilder()
            .WithTopic($"test/rpc/{key}/increment")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithResponseTopic(responseTopic)
            .WithCorrelationData(correlation)
            .WithMessageExpiryInterval(120)
            .WithContentType("application/json")
            .WithPayload("{\"mode\":\"ok\",\"amount\":3}")
            .WithUserProperty("__protVer", Encoding.UTF8.GetBytes("1.0"))
            .Build();
        await device.Client.PublishAsync(request, ct);
        await MqttTestClient.WaitUntilAsync(() => responses.Count == 1, "the first response", ct);
        Assert.Equal(victim.SiloAddress, await management.GetActivationAddress(fixture.Client.GetGrain<ICounterGrain>(key), ct));

        // A crash: the activation is gone without deactivation, so only what was written before the response survives.
        await fixture.Cluster.KillSiloAsync(victim, ct);
        await MqttTestClient.WaitUntilAsync(
            async () => !(await management.GetHosts(onlyActive: true)).ContainsKey(victim.SiloAddress), "the killed silo declared dead", ct);

        // The broker redelivers the unacknowledged request to the silo left in the shared group.
        var survivor = await fixture.Broker.Broker.Server.GetSessionAsync(fixture.SessionOf(0).ClientId!);
        Assert.True(survivor.TryEnqueueApplicationMessage(request, out _));
        await MqttTestClient.WaitUntilAsync(() => responses.Count == 2, "the redelivery's response", ct);

        var all = responses.ToArray();
        Assert.All(all, r => Assert.Equal("200", r.UserProperties?.FirstOrDefault(p => p.Name == "__stat")?.ReadValueAsString()));
        Assert.Equal(Encoding.UTF8.GetString(all[0].Payload), Encoding.UTF8.GetString(all[1].Payload));
        // The counter keeps its count in memory only: the survivor's new activation would say 1 had it run the request.
        Assert.Equal(0, await fixture.Client.GetGrain<ICounterGrain>(key).GetExecutionsAsync());
    }
}
