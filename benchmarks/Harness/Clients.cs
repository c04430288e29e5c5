using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using OrleansAio.Protocol.Mqtt;

namespace OrleansAio.Harness;

/// <summary>MQTT connections and free ports for the harness.</summary>
internal static class Mqtt
{
    private static int clientCounter;

    /// <summary>Connects a plain MQTTnet 5 client (clean start, no-delay socket).</summary>
    public static async Task<IMqttClient> ConnectRawAsync(int port, string name)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId($"harness-{name}-{Environment.ProcessId}-{Interlocked.Increment(ref clientCounter)}")
            .WithCleanStart(true)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build();
        var result = await client.ConnectAsync(options);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException($"MQTT connect to 127.0.0.1:{port} refused: {result.ResultCode}");
        }

        return client;
    }

    /// <summary>Connects a client wrapped as the envoys use it.</summary>
    public static async Task<(IMqttClient Raw, IMqttPubSubClient Client)> ConnectEnvoyClientAsync(int port, string name)
    {
        var raw = await ConnectRawAsync(port, name);
        return (raw, new OrderedAckMqttClient(raw, NullLogger<OrderedAckMqttClient>.Instance));
    }

    /// <summary>A free loopback port.</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

/// <summary>
/// The baseline of every RPC row: MQTTnet request/response with correlation data and one response subscription, no AIO
/// headers. The responder echoes the payload without awaiting its publish in the receive handler.
/// </summary>
internal sealed class BareRpc : IAsyncDisposable
{
    private readonly IMqttClient requester;
    private readonly IMqttClient responder;
    private readonly string requestTopic;
    private readonly string responseTopic;
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> pending = new();

    private BareRpc(IMqttClient requester, IMqttClient responder, string requestTopic, string responseTopic)
    {
        this.requester = requester;
        this.responder = responder;
        this.requestTopic = requestTopic;
        this.responseTopic = responseTopic;
    }

    public static async Task<BareRpc> StartAsync(int port, string name)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var requester = await Mqtt.ConnectRawAsync(port, name + "-req");
        var responder = await Mqtt.ConnectRawAsync(port, name + "-resp");
        var rpc = new BareRpc(requester, responder, $"bare/{id}/request", $"bare/{id}/response");
        responder.ApplicationMessageReceivedAsync += args =>
        {
            var m = args.ApplicationMessage;
            var reply = new MqttApplicationMessage
            {
                Topic = m.ResponseTopic,
                CorrelationData = m.CorrelationData,
                Payload = m.Payload,
                QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
                MessageExpiryInterval = 10,
            };
            _ = responder.PublishAsync(reply);
            return Task.CompletedTask;
        };
        requester.ApplicationMessageReceivedAsync += args =>
        {
            if (args.ApplicationMessage.CorrelationData is { Length: 16 } c && rpc.pending.TryRemove(new Guid(c), out var done))
            {
                done.TrySetResult();
            }

            return Task.CompletedTask;
        };
        await responder.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(rpc.requestTopic, MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await requester.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(rpc.responseTopic, MqttQualityOfServiceLevel.AtLeastOnce).Build());
        return rpc;
    }

    public async Task CallAsync(byte[] payload)
    {
        var id = Guid.NewGuid();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        pending[id] = done;
        await requester.PublishAsync(new MqttApplicationMessage
        {
            Topic = requestTopic,
            ResponseTopic = responseTopic,
            CorrelationData = id.ToByteArray(),
            Payload = new System.Buffers.ReadOnlySequence<byte>(payload),
            QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            MessageExpiryInterval = 10,
        });
        await done.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public async ValueTask DisposeAsync()
    {
        await requester.DisconnectAsync();
        await responder.DisconnectAsync();
        requester.Dispose();
        responder.Dispose();
    }
}

/// <summary>A Mosquitto on a free loopback port (anonymous, no persistence), when it is installed.</summary>
internal sealed class Mosquitto : IAsyncDisposable
{
    private readonly Process process;
    private readonly string directory;

    private Mosquitto(Process process, string directory, int port)
    {
        this.process = process;
        this.directory = directory;
        Port = port;
    }

    public int Port { get; }

    public static string? Executable =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/sbin")
            .Select(d => Path.Combine(d, "mosquitto"))
            .FirstOrDefault(File.Exists);

    public static async Task<Mosquitto?> TryStartAsync()
    {
        if (Executable is not { } exe)
        {
            return null;
        }

        var port = Mqtt.FreePort();
        var directory = Directory.CreateTempSubdirectory("harness-mosquitto-").FullName;
        var config = Path.Combine(directory, "mosquitto.conf");
        await File.WriteAllTextAsync(config, $"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 100000\nmax_inflight_messages 0\nset_tcp_nodelay true\n");
        var start = new ProcessStartInfo(exe) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(config);
        var process = Process.Start(start)!;
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var broker = new Mosquitto(process, directory, port);
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(IPAddress.Loopback, port);
                return broker;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        await broker.DisposeAsync();
        throw new InvalidOperationException($"Mosquitto did not listen on {port}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        process.Dispose();
        Directory.Delete(directory, true);
    }
}
