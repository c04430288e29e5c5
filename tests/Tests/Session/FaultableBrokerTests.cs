using System.Text;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Session;

/// <summary>The faultable broker itself, driven by a bare MQTTnet client (services.md section 6).</summary>
public sealed class FaultableBrokerTests : IAsyncLifetime
{
    private readonly CapturingLoggerProvider logs = new();
    private readonly ILoggerFactory loggerFactory;
    private readonly List<IMqttClient> clients = [];
    private FaultableBroker broker = null!;

    public FaultableBrokerTests()
    {
        loggerFactory = logs.CreateFactory(LogLevel.Information);
    }

    public async ValueTask InitializeAsync() => broker = await FaultableBroker.StartAsync(loggerFactory, cancellationToken: TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        foreach (var client in clients)
        {
            client.Dispose();
        }

        await broker.DisposeAsync();
        loggerFactory.Dispose();
    }

    [Fact]
    public async Task RejectConnectFiresOncePerRequestId()
    {
        var client = NewClient();
        var options = Options("c", (FaultableBroker.RejectConnect, "136"), (FaultableBroker.RequestId, "once"));

        var first = await client.ConnectAsync(options, TestContext.Current.CancellationToken);
        var second = await client.ConnectAsync(options, TestContext.Current.CancellationToken);

        Assert.Equal(MqttClientConnectResultCode.ServerUnavailable, first.ResultCode);
        Assert.Equal(MqttClientConnectResultCode.Success, second.ResultCode);
    }

    [Fact]
    public async Task AFaultWithoutRequestIdFiresEveryTime()
    {
        var client = NewClient();
        await client.ConnectAsync(Options("c"), TestContext.Current.CancellationToken);

        var first = await client.PublishAsync(Message((FaultableBroker.RejectPublish, "151")), TestContext.Current.CancellationToken);
        var second = await client.PublishAsync(Message((FaultableBroker.RejectPublish, "151")), TestContext.Current.CancellationToken);

        Assert.Equal(MqttClientPublishReasonCode.QuotaExceeded, first.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.QuotaExceeded, second.ReasonCode);
    }

    [Fact]
    public async Task ValuesThatAreNotIntegersAreIgnored()
    {
        var client = NewClient();
        await client.ConnectAsync(Options("c"), TestContext.Current.CancellationToken);

        var result = await client.PublishAsync(
            Message((FaultableBroker.RejectPublish, "not-a-number"), (FaultableBroker.Disconnect, "soon")), TestContext.Current.CancellationToken);

        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, result.ReasonCode);
        Assert.Empty(broker.FiredFaults);
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task DisconnectWithoutDelayDropsThePublishUnacknowledgedWithTheReasonCode()
    {
        var client = NewClient();
        var disconnected = new TaskCompletionSource<MqttClientDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.DisconnectedAsync += args =>
        {
            disconnected.TrySetResult(args);
            return Task.CompletedTask;
        };
        await client.ConnectAsync(Options("c"), TestContext.Current.CancellationToken);

        await Assert.ThrowsAnyAsync<Exception>(() => client.PublishAsync(
            Message((FaultableBroker.Disconnect, "137"), (FaultableBroker.RejectPublish, "135")), TestContext.Current.CancellationToken))
            .Guarded("the dropped publish");

        var args = await disconnected.Task.Guarded("the disconnect");
        Assert.Equal(MqttClientDisconnectReason.ServerBusy, args.Reason);
        Assert.Equal(["PUBLISH:fault:disconnect=137"], broker.FiredFaults);
    }

    [Fact]
    public async Task DisconnectWithDelayAcknowledgesFirst()
    {
        var client = NewClient();
        var disconnected = new TaskCompletionSource<MqttClientDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.DisconnectedAsync += args =>
        {
            disconnected.TrySetResult(args);
            return Task.CompletedTask;
        };
        await client.ConnectAsync(Options("c"), TestContext.Current.CancellationToken);

        var result = await client.PublishAsync(
            Message((FaultableBroker.Disconnect, "152"), (FaultableBroker.Delay, "1")), TestContext.Current.CancellationToken);

        Assert.True(result.ReasonCode is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers);
        var args = await disconnected.Task.Guarded("the delayed disconnect");
        Assert.Equal((MqttClientDisconnectReason)152, args.Reason);
    }

    private MqttClientOptions Options(string suffix, params (string Name, string Value)[] properties)
    {
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", broker.Port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(MqttTestClient.TestClientId(suffix))
            .Build();
        options.UserProperties = [.. properties.Select(p => new MqttUserProperty(p.Name, Encoding.UTF8.GetBytes(p.Value).AsMemory()))];
        return options;
    }

    private static MqttApplicationMessage Message(params (string Name, string Value)[] properties) =>
        TestSession.Message("faultable/topic", "payload", properties);

    private IMqttClient NewClient()
    {
        var client = new MqttClientFactory().CreateMqttClient();
        clients.Add(client);
        return client;
    }
}
