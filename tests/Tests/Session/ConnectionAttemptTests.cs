using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Session;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Session;

/// <summary>Connection attempts of the real MQTTnet client against endpoints that misbehave.</summary>
public sealed class ConnectionAttemptTests : IDisposable
{
    private readonly CapturingLoggerProvider logs = new();
    private readonly ILoggerFactory loggerFactory;

    public ConnectionAttemptTests()
    {
        loggerFactory = logs.CreateFactory(LogLevel.Debug);
    }

    public void Dispose() => loggerFactory.Dispose();

    [Fact]
    public async Task AnAttemptThatGetsNoConnackIsAbandonedAfterTheAttemptTimeoutAndRetried()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var accepted = new List<Socket>();
        using var stop = new CancellationTokenSource();
        var acceptLoop = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    var socket = await silent.AcceptSocketAsync(stop.Token);
                    lock (accepted)
                    {
                        accepted.Add(socket);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }, CancellationToken.None);

        var settings = TestSession.PlainSettings(port, "silent");
        await using var session = TestSession.Create(settings, loggerFactory, o =>
        {
            o.RetryOnFirstConnect = true;
            o.ConnectionAttemptTimeout = TimeSpan.FromMilliseconds(300);
            o.ReconnectPolicy = new ExponentialBackoffReconnectPolicy(maxAttempts: 2, useJitter: false);
        });

        var error = await Assert.ThrowsAsync<AioProtocolException>(() => session.Client.ConnectAsync(settings, TestContext.Current.CancellationToken))
            .Guarded("the connect to give up");

        Assert.Contains("gave up after 2 failed attempts", error.Message, StringComparison.Ordinal);
        lock (accepted)
        {
            Assert.Equal(2, accepted.Count);
        }

        Assert.False(session.Client.IsSessionActive);
        await stop.CancelAsync();
        await acceptLoop;
        foreach (var socket in accepted)
        {
            socket.Dispose();
        }
    }

    [Fact]
    public async Task ARefusedTcpConnectIsRetriedUntilTheBrokerListens()
    {
        var port = FreePort.Get();
        var settings = TestSession.PlainSettings(port, "late");
        await using var session = TestSession.Create(settings, loggerFactory, o => o.RetryOnFirstConnect = true);

        var connect = session.Client.ConnectAsync(settings, TestContext.Current.CancellationToken);
        await SessionTestSupport.UntilAsync(
            () => logs.Entries.Count(e => e.Message.Contains("Connection attempt", StringComparison.Ordinal)) >= 2, "two refused attempts");
        await using var broker = new OrleansAio.Silo.Broker.EmbeddedMqttBroker(new OrleansAio.Silo.Broker.EmbeddedMqttBrokerOptions { Port = port }, loggerFactory);
        await broker.StartAsync(TestContext.Current.CancellationToken);

        var result = await connect.Guarded("the connect once the broker listens");
        Assert.Equal(MQTTnet.MqttClientConnectResultCode.Success, result.ResultCode);
    }
}
