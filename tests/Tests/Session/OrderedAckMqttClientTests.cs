using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using OrleansAio.Protocol.Mqtt;

namespace OrleansAio.Tests.Session;

/// <summary>The ordered-PUBACK adapter the session client is built on.</summary>
public sealed class OrderedAckMqttClientTests
{
    [Fact]
    public async Task AcknowledgementsLeaveInArrivalOrderWhateverOrderHandlersFinishIn()
    {
        var fake = await ConnectedFakeAsync();
        await using var client = new OrderedAckMqttClient(fake, NullLogger<OrderedAckMqttClient>.Instance);
        var received = Collect(client);
        for (ushort id = 1; id <= 3; id++)
        {
            await fake.DeliverAsync($"in/{id}", id);
        }

        await received[2].AcknowledgeAsync(TestContext.Current.CancellationToken);
        await received[1].AcknowledgeAsync(TestContext.Current.CancellationToken);
        Assert.Empty(fake.Acknowledgements);
        Assert.Equal(3, client.PendingAcknowledgements);

        await received[0].AcknowledgeAsync(TestContext.Current.CancellationToken);

        Assert.Equal([(ushort)1, (ushort)2, (ushort)3], fake.Acknowledgements);
        Assert.Equal(0, client.PendingAcknowledgements);
    }

    [Fact]
    public async Task ALateDisconnectEventFromAnEarlierAttemptKeepsTheAcknowledgementsOwedNow()
    {
        var fake = await ConnectedFakeAsync();
        await using var client = new OrderedAckMqttClient(fake, NullLogger<OrderedAckMqttClient>.Instance);
        var received = Collect(client);
        await fake.DeliverAsync("in/1", 1);

        await fake.RaiseStaleDisconnectedEventAsync();
        await received[0].AcknowledgeAsync(TestContext.Current.CancellationToken);

        Assert.Equal([(ushort)1], fake.Acknowledgements);
    }

    [Fact]
    public async Task AcknowledgementsOwedWhenTheConnectionClosesAreDropped()
    {
        var fake = await ConnectedFakeAsync();
        await using var client = new OrderedAckMqttClient(fake, NullLogger<OrderedAckMqttClient>.Instance);
        var received = Collect(client);
        await fake.DeliverAsync("in/1", 1);

        fake.DropConnection();
        await SessionTestSupport.UntilAsync(() => client.PendingAcknowledgements == 0, "the owed PUBACK to be dropped");
        await fake.ConnectAsync(fake.Options, TestContext.Current.CancellationToken);
        await received[0].AcknowledgeAsync(TestContext.Current.CancellationToken);

        Assert.Empty(fake.Acknowledgements);
    }

    private static async Task<ScriptedMqttClient> ConnectedFakeAsync()
    {
        var fake = new ScriptedMqttClient();
        await fake.ConnectAsync(new MqttClientOptionsBuilder().WithClientId("ordered").WithTcpServer("broker.test").Build(), TestContext.Current.CancellationToken);
        return fake;
    }

    private static List<MqttApplicationMessageReceivedEventArgs> Collect(OrderedAckMqttClient client)
    {
        var received = new List<MqttApplicationMessageReceivedEventArgs>();
        client.ApplicationMessageReceivedAsync += args =>
        {
            args.AutoAcknowledge = false;
            received.Add(args);
            return Task.CompletedTask;
        };
        return received;
    }
}
