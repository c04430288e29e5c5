using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using OrleansAio.Protocol.Connection;
using OrleansAio.Silo.Failover;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Failover;

/// <summary>
/// <see cref="SessionTakeover"/> against Mosquitto: a disconnected persistent member of a <c>$share</c> group keeps its share of
/// the messages queued (the issue's observation), and taking over its session hands every one of them to the live member, with
/// its properties, and ends the session.
/// </summary>
public sealed class SessionTakeoverTests
{
    private const string Group = "$share/takeover-test/";

    [Fact]
    public async Task TheQueuedShareOfADeadMemberIsForwardedToTheLiveMemberAndTheSessionEnds()
    {
        if (!MosquittoBroker.IsInstalled)
        {
            Assert.Skip(MosquittoBroker.SkipMessage);
        }

        var ct = TestContext.Current.CancellationToken;
        await using var mosquitto = await MosquittoBroker.StartAsync(ct);
        var topic = $"takeover/{Guid.NewGuid():N}/req";
        var shared = Group + topic;
        var received = new ConcurrentQueue<MqttApplicationMessage>();
        await using var live = await MqttTestClient.ConnectAsync(mosquitto.Port, "live", cancellationToken: ct);
        live.Client.ApplicationMessageReceivedAsync += args =>
        {
            received.Enqueue(args.ApplicationMessage);
            return Task.CompletedTask;
        };
        await live.Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(shared, MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);

        // The dead member: a persistent session (expiry 1 h) in the group, then gone without ending its session.
        var deadId = MqttTestClient.TestClientId("dead");
        await using (var dead = await MqttTestClient.ConnectAsync(mosquitto.Port, "dead", sessionExpirySeconds: 3600, clientId: deadId, cancellationToken: ct))
        {
            await dead.Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(shared, MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);
            await dead.Client.DisconnectAsync(new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.NormalDisconnection }, ct);
        }

        await using var sender = await MqttTestClient.ConnectAsync(mosquitto.Port, "sender", cancellationToken: ct);
        const int sent = 10;
        for (var i = 0; i < sent; i++)
        {
            await sender.Client.PublishAsync(
                new MqttApplicationMessageBuilder()
                    .WithTopic(topic)
                    .WithPayload($"m{i}")
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                    .WithContentType("application/json")
                    .WithPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData)
                    .WithResponseTopic("clients/sender/resp")
                    .WithCorrelationData([(byte)i, 0xAB])
                    .WithUserProperty("__protVer", "1.0"u8.ToArray())
                    .WithMessageExpiryInterval(600)
                    .Build(),
                ct);
        }

        // Mosquitto gives the dead member its share: the live one sees only part of the messages.
        await MqttTestClient.WaitUntilAsync(() => received.Count > 0, "the live member's share", ct);
        await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
        var beforeTakeover = received.Count;
        TestContext.Current.TestOutputHelper?.WriteLine($"before the takeover the live member got {beforeTakeover} of {sent}");
        Assert.True(beforeTakeover < sent, $"the live member got {beforeTakeover} of {sent} before the takeover; expected the dead session to hold a share");

        var settings = new MqttConnectionSettings { HostName = "127.0.0.1", TcpPort = mosquitto.Port, UseTls = false, ClientId = "the-survivor" };
        var takeover = new SessionTakeover(NullLoggerFactory.Instance, TimeProvider.System);
        var result = await takeover.TakeOverAsync(settings, deadId, [shared], TimeSpan.FromSeconds(1), ct);

        Assert.True(result.SessionPresent);
        Assert.True(result.Completed);
        Assert.Equal(sent - beforeTakeover, result.Forwarded);
        await MqttTestClient.WaitUntilAsync(() => received.Count == sent, "every message at the live member", ct);
        Assert.Equal(Enumerable.Range(0, sent).Select(i => $"m{i}").Order(), received.Select(m => m.ConvertPayloadToString()).Order());
        foreach (var message in received)
        {
            Assert.Equal("application/json", message.ContentType);
            Assert.Equal(MqttPayloadFormatIndicator.CharacterData, message.PayloadFormatIndicator);
            Assert.Equal("clients/sender/resp", message.ResponseTopic);
            Assert.Equal(0xAB, message.CorrelationData[1]);
            Assert.Contains(message.UserProperties, p => p.Name == "__protVer" && p.ReadValueAsString() == "1.0");
            Assert.InRange(message.MessageExpiryInterval, 1u, 600u);
        }

        // The session is gone: resuming it finds nothing, and new messages all go to the live member.
        await using var probe = await MqttTestClient.ConnectAsync(mosquitto.Port, "probe", sessionExpirySeconds: 0, clientId: deadId, cleanStart: false, cancellationToken: ct);
        Assert.False(probe.ConnectResult!.IsSessionPresent);
        await probe.Client.DisconnectAsync(cancellationToken: ct);
        await sender.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload("after").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);
        await MqttTestClient.WaitUntilAsync(() => received.Any(m => m.ConvertPayloadToString() == "after"), "the message after the takeover", ct);
    }

    [Fact]
    public async Task ASessionThatHasEndedIsReportedAbsentAndLeavesNothingBehind()
    {
        if (!MosquittoBroker.IsInstalled)
        {
            Assert.Skip(MosquittoBroker.SkipMessage);
        }

        var ct = TestContext.Current.CancellationToken;
        await using var mosquitto = await MosquittoBroker.StartAsync(ct);
        var deadId = MqttTestClient.TestClientId("gone");
        var settings = new MqttConnectionSettings { HostName = "127.0.0.1", TcpPort = mosquitto.Port, UseTls = false, ClientId = "the-survivor" };
        var takeover = new SessionTakeover(NullLoggerFactory.Instance, TimeProvider.System);

        var result = await takeover.TakeOverAsync(settings, deadId, [Group + "a/b"], TimeSpan.FromMilliseconds(200), ct);

        Assert.False(result.SessionPresent);
        Assert.Equal(0, result.Forwarded);
        await using var probe = await MqttTestClient.ConnectAsync(mosquitto.Port, "probe", clientId: deadId, cleanStart: false, cancellationToken: ct);
        Assert.False(probe.ConnectResult!.IsSessionPresent);
    }

    [Theory]
    [InlineData("$share/statestore/statestore/v1/x/command/invoke", true, "statestore/v1/x/command/invoke")]
    [InlineData("$share/g/a/+", true, "a/+")]
    [InlineData("clients/me/#", false, null)]
    [InlineData("$share//a", false, null)]
    public void SharedFiltersAreRecognised(string filter, bool shared, string? topicFilter)
    {
        Assert.Equal(shared, SharedSubscriptionLedger.IsShared(filter));
        if (shared)
        {
            Assert.Equal(topicFilter, SharedSubscriptionLedger.TopicFilterOf(filter));
        }
    }
}
