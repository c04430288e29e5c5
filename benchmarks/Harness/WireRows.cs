using System.Diagnostics;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Rpc;
using OrleansAio.Protocol.Serialization;
using OrleansAio.Protocol.Telemetry;

namespace OrleansAio.Harness;

/// <summary>The 100-byte JSON payload of every row (<c>{"Data":"xxx..."}</c>).</summary>
/// <param name="Data">Filler.</param>
internal sealed record EchoPayload(string Data)
{
    public static readonly EchoPayload Value = new(new string('x', 89));

    public static readonly byte[] Bytes = Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(Value));
}

/// <summary>An AIO invoker and executor (echo handler, JSON) over one broker.</summary>
internal sealed class AioEcho : IAsyncDisposable
{
    private readonly List<IMqttClient> raw = [];
    private CommandExecutor<EchoPayload, EchoPayload>? executor;

    public CommandInvoker<EchoPayload, EchoPayload> Invoker { get; private set; } = null!;

    public static async Task<AioEcho> StartAsync(int port, string name, ApplicationContext context)
    {
        var echo = new AioEcho();
        var id = Guid.NewGuid().ToString("N")[..8];
        var (execRaw, execClient) = await Mqtt.ConnectEnvoyClientAsync(port, name + "-exec");
        var (invRaw, invClient) = await Mqtt.ConnectEnvoyClientAsync(port, name + "-inv");
        echo.raw.Add(execRaw);
        echo.raw.Add(invRaw);
        echo.executor = new CommandExecutor<EchoPayload, EchoPayload>(context, execClient, "echo", new JsonPayloadSerializer())
        {
            RequestTopicPattern = $"aio/{id}/{{commandName}}",
            TopicTokenMap = new Dictionary<string, string> { ["commandName"] = "echo" },
            OnCommandReceived = (request, _) => Task.FromResult(ExtendedResponse<EchoPayload>.CreateFromResponse(request.Request!)),
        };
        await echo.executor.StartAsync();
        echo.Invoker = new CommandInvoker<EchoPayload, EchoPayload>(context, invClient, "echo", new JsonPayloadSerializer())
        {
            RequestTopicPattern = $"aio/{id}/{{commandName}}",
            TopicTokenMap = new Dictionary<string, string> { ["commandName"] = "echo" },
        };
        return echo;
    }

    public Task CallAsync() => Invoker.InvokeCommandAsync(EchoPayload.Value, commandTimeout: TimeSpan.FromSeconds(10));

    public async ValueTask DisposeAsync()
    {
        await Invoker.DisposeAsync();
        await executor!.DisposeAsync();
        foreach (var client in raw)
        {
            await client.DisconnectAsync();
            client.Dispose();
        }
    }
}

/// <summary>The rows that need only a broker: RPC latency, throughput and allocation; telemetry.</summary>
internal static class WireRows
{
    public static async Task<List<RowResult>> RunAsync(int port, string broker, Settings settings, IReadOnlySet<string> rows)
    {
        var results = new List<RowResult>();
        var context = new ApplicationContext();
        if (rows.Contains("rpc") || rows.Contains("alloc"))
        {
            await using var bare = await BareRpc.StartAsync(port, "bare");
            await using var aio = await AioEcho.StartAsync(port, "aio", context);
            await WarmUpAsync(() => bare.CallAsync(EchoPayload.Bytes), aio.CallAsync, settings.WarmUp);
            if (rows.Contains("rpc"))
            {
                results.Add(await Measure.CompareAsync(
                    "RPC invoker -> executor, p50 at 1 in flight", broker, "ms", "bare",
                    () => Measure.P50Async(() => bare.CallAsync(EchoPayload.Bytes), settings.LatencyCalls),
                    () => Measure.P50Async(aio.CallAsync, settings.LatencyCalls),
                    settings.Rounds, r => r <= 1.2, "<= 1.2x"));
                results.Add(await Measure.CompareAsync(
                    "RPC throughput at 64 in flight", broker, "calls/s", "bare",
                    () => Measure.ThroughputAsync(_ => bare.CallAsync(EchoPayload.Bytes), 64, settings.Duration),
                    () => Measure.ThroughputAsync(_ => aio.CallAsync(), 64, settings.Duration),
                    settings.Rounds, r => r >= 0.85, ">= 0.85x"));
            }

            if (rows.Contains("alloc"))
            {
                results.Add(await Measure.CompareAsync(
                    "Allocation per RPC (whole process)", broker, "B", "bare",
                    () => Measure.AllocatedPerCallAsync(() => bare.CallAsync(EchoPayload.Bytes), settings.LatencyCalls),
                    () => Measure.AllocatedPerCallAsync(aio.CallAsync, settings.LatencyCalls),
                    settings.Rounds, r => r <= 1.5, "<= 1.5x"));
            }
        }

        if (rows.Contains("telemetry"))
        {
            var count = settings.TelemetryMessages;
            results.Add(await Measure.CompareAsync(
                "Telemetry QoS 1, window 256", broker, "msg/s", "bare",
                () => BareTelemetryAsync(port, count),
                () => AioTelemetryAsync(port, count, context),
                settings.Rounds, r => r >= 0.9, ">= 0.9x"));
        }

        return results;
    }

    public static async Task WarmUpAsync(Func<Task> baseline, Func<Task> subject, int calls)
    {
        for (var i = 0; i < calls; i++)
        {
            await baseline();
            await subject();
        }

        await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => baseline()));
        await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => subject()));
    }

    private static async Task<double> BareTelemetryAsync(int port, int count)
    {
        var topic = $"bare/tel/{Guid.NewGuid():N}";
        var publisher = await Mqtt.ConnectRawAsync(port, "tel-pub");
        var subscriber = await Mqtt.ConnectRawAsync(port, "tel-sub");
        var received = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        subscriber.ApplicationMessageReceivedAsync += _ =>
        {
            if (Interlocked.Increment(ref received) == count)
            {
                all.TrySetResult();
            }

            return Task.CompletedTask;
        };
        await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topic, MqttQualityOfServiceLevel.AtLeastOnce).Build());
        var rate = await WindowedAsync(count, () => publisher.PublishAsync(new MqttApplicationMessage
        {
            Topic = topic,
            Payload = new System.Buffers.ReadOnlySequence<byte>(EchoPayload.Bytes),
            QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            ContentType = "application/json",
            MessageExpiryInterval = 10,
        }), all.Task);
        await publisher.DisconnectAsync();
        await subscriber.DisconnectAsync();
        publisher.Dispose();
        subscriber.Dispose();
        return rate;
    }

    private static async Task<double> AioTelemetryAsync(int port, int count, ApplicationContext context)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var (pubRaw, pubClient) = await Mqtt.ConnectEnvoyClientAsync(port, "aio-tel-pub");
        var (subRaw, subClient) = await Mqtt.ConnectEnvoyClientAsync(port, "aio-tel-sub");
        var received = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var receiver = new TelemetryReceiver<EchoPayload>(context, subClient, new JsonPayloadSerializer())
        {
            TopicPattern = $"aio/{id}/telemetry",
            OnTelemetryReceived = (_, _, _) =>
            {
                if (Interlocked.Increment(ref received) == count)
                {
                    all.TrySetResult();
                }

                return Task.CompletedTask;
            },
        };
        await receiver.StartAsync();
        await using var sender = new TelemetrySender<EchoPayload>(context, pubClient, new JsonPayloadSerializer()) { TopicPattern = $"aio/{id}/telemetry" };
        var rate = await WindowedAsync(count, () => sender.SendTelemetryAsync(EchoPayload.Value), all.Task);
        await pubRaw.DisconnectAsync();
        await subRaw.DisconnectAsync();
        pubRaw.Dispose();
        subRaw.Dispose();
        return rate;
    }

    private static async Task<double> WindowedAsync(int count, Func<Task> publish, Task allReceived)
    {
        using var window = new SemaphoreSlim(256);
        var start = Stopwatch.GetTimestamp();
        var sends = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            await window.WaitAsync();
            sends.Add(ReleaseAfter(publish(), window));
        }

        await Task.WhenAll(sends);
        await allReceived.WaitAsync(TimeSpan.FromSeconds(60));
        return count / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static async Task ReleaseAfter(Task publish, SemaphoreSlim window)
    {
        try
        {
            await publish;
        }
        finally
        {
            window.Release();
        }
    }
}
