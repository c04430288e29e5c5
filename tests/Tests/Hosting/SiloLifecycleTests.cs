using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OrleansAio.GrainsInterfaces.ClusterJournal;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Silo.Hosting;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Hosting;

/// <summary>
/// The whole silo program, started as a child process with its embedded broker and Garnet on a temporary data directory, then
/// stopped (signal) or killed, then started again in-process on the same data: what it wrote is still there.
/// </summary>
public sealed class SiloLifecycleTests : IDisposable
{
    private static readonly TimeSpan StartGuard = TimeSpan.FromSeconds(90);
    private readonly TempDirectory workingDirectory = new("silo-lifecycle");
    private readonly SiloPorts ports = new();

    public void Dispose() => workingDirectory.Dispose();

    private string DataDirectory => Path.Combine(workingDirectory.Path, "data");

    public static TheoryData<string> StopSignals => new() { "SIGTERM", "SIGINT" };

    [Theory]
    [MemberData(nameof(StopSignals))]
    public async Task ASignalStopsEverythingCleanlyAndTheStateSurvivesARestart(string signal)
    {
        var ct = TestContext.Current.CancellationToken;
        await using (var silo = StartChild())
        {
            await silo.WaitForOutputAsync("Orleans silo of service", StartGuard, ct);
            Assert.Contains(silo.StandardOutput, l => l.Contains("Embedded Garnet store listening", StringComparison.Ordinal));
            Assert.Contains(silo.StandardOutput, l => l.Contains($"Embedded MQTT broker listening on 127.0.0.1:{ports.Broker}", StringComparison.Ordinal));
            Assert.Contains(silo.StandardOutput, l => l.Contains($"Connected to 127.0.0.1:{ports.Broker} as ", StringComparison.Ordinal));

            // A normal start logs no watchdog warning (Orleans' watchdog measured a never-set timestamp as the machine's uptime).
            Assert.DoesNotContain(silo.StandardOutput, l => l.Contains("Participant check thread has not completed", StringComparison.Ordinal));

            using (var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports.Http}") })
            {
                Assert.Equal("Healthy", await http.GetStringAsync("/health", ct));
                Assert.Equal("Healthy", await http.GetStringAsync("/alive", ct));
            }

            if (signal == "SIGINT")
            {
                silo.Interrupt();
            }
            else
            {
                silo.Terminate();
            }

            // A hang guard, not a timing assertion: the documented bound is 10 s.
            Assert.Equal(0, await silo.WaitForExitAsync(TimeSpan.FromSeconds(60), ct));
            Assert.Contains(silo.StandardOutput, l => l.Contains("Silo stopped", StringComparison.Ordinal));

            // The documented order: the silo (its endpoints, then its MQTT session), then the broker, then the store.
            var lines = silo.StandardOutput.ToList();
            int Index(string text) => lines.FindIndex(l => l.Contains(text, StringComparison.Ordinal));
            Assert.True(Index("Stopping the silo") >= 0, "no 'Stopping the silo' line");
            Assert.True(Index("Stopping the silo") < Index($"Embedded MQTT broker on port {ports.Broker} stopped"), string.Join(" | ", lines.TakeLast(12)));
            var garnetStopped = lines.FindIndex(l => l.Contains("Embedded Garnet store on", StringComparison.Ordinal) && l.EndsWith("stopped", StringComparison.Ordinal));
            Assert.True(Index($"Embedded MQTT broker on port {ports.Broker} stopped") < garnetStopped, string.Join(" | ", lines.TakeLast(12)));
            if (Index("Disconnected by the user") is var disconnected and >= 0)
            {
                Assert.True(Index("Stopping the silo") < disconnected, $"the silo's stop was logged after its MQTT session ended: {string.Join(" | ", lines.TakeLast(12))}");
            }
            Assert.DoesNotContain(silo.StandardError, l => !string.IsNullOrWhiteSpace(l));
        }

        await using var restarted = await StartInProcessAsync(ct);
        var runs = await JournalOf(restarted).GetRunsAsync();
        Assert.Equal(2, runs.Count);
        Assert.NotNull(runs[0].StoppedAt);
        Assert.Equal($"127.0.0.1:{ports.Silo}", runs[0].Start.SiloEndpoint);
        Assert.Null(runs[1].StoppedAt);
    }

    [Fact]
    public async Task AWriteAcknowledgedBeforeACrashSurvivesIt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using (var silo = StartChild())
        {
            // The run's start is written to grain storage (and acknowledged) before this line is logged.
            await silo.WaitForOutputAsync("Orleans silo of service", StartGuard, ct);
            silo.Crash();
            await silo.WaitForExitAsync(TimeSpan.FromSeconds(30), ct);
        }

        await using var restarted = await StartInProcessAsync(ct);
        var runs = await JournalOf(restarted).GetRunsAsync();
        Assert.Equal(2, runs.Count);
        Assert.Null(runs[0].StoppedAt);
    }

    [Fact]
    public async Task InProcessTheSiloSharesOneMqttSessionThroughTheSeam()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var silo = await StartInProcessAsync(ct);
        var session = silo.Services.GetRequiredService<IMqttPubSubClient>();
        Assert.Same(session, silo.Services.GetRequiredService<IMqttPubSubClient>());
        Assert.Equal(silo.MqttSettings.ClientId, session.ClientId);
        Assert.Equal(MQTTnet.Formatter.MqttProtocolVersion.V500, session.ProtocolVersion);
        Assert.NotNull(silo.EmbeddedBroker);

        // The broker admitted only the silo's own session until the silo was ready (its endpoints subscribed); now everyone.
        Assert.True(silo.EmbeddedBroker.IsAdmittingAllClients);

        // A round trip through the embedded broker on the shared session.
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        session.ApplicationMessageReceivedAsync += args =>
        {
            received.TrySetResult(System.Text.Encoding.UTF8.GetString(System.Buffers.BuffersExtensions.ToArray(args.ApplicationMessage.Payload)));
            return Task.CompletedTask;
        };
        var topic = $"tests/{Guid.NewGuid():N}";
        await session.SubscribeAsync(new MQTTnet.MqttClientSubscribeOptionsBuilder().WithTopicFilter(topic, MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);
        var result = await session.PublishAsync(new MQTTnet.MqttApplicationMessageBuilder().WithTopic(topic).WithPayload("hello").WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);
        Assert.True(result.IsSuccess);
        Assert.Equal("hello", await received.Task.WaitAsync(TimeSpan.FromSeconds(30), ct));
    }

    [Fact]
    public async Task AnExternalBrokerAndRedisReplaceTheEmbeddedOnes()
    {
        if (!MosquittoBroker.IsInstalled)
        {
            Assert.Skip(MosquittoBroker.SkipMessage);
        }

        if (RedisServer.ExecutablePath is null)
        {
            Assert.Skip(RedisServer.SkipMessage);
        }

        var ct = TestContext.Current.CancellationToken;
        await using var mosquitto = await MosquittoBroker.StartAsync(ct);
        await using var redis = await RedisServer.StartAsync(ct);
        await using var silo = await StartInProcessAsync(ct, new()
        {
            ["ConnectionStrings:Mqtt"] = $"HostName=127.0.0.1;TcpPort={mosquitto.Port};UseTls=false",
            ["ConnectionStrings:Redis"] = redis.ConnectionString,
        });

        Assert.Null(silo.EmbeddedBroker);
        Assert.Equal(redis.ConnectionString, silo.RedisConnectionString);
        Assert.False(Directory.Exists(DataDirectory), "no embedded Garnet, so no data directory");
        var runs = await JournalOf(silo).GetRunsAsync();
        Assert.Single(runs);
        using var http = new HttpClient { BaseAddress = silo.HttpAddress };
        Assert.Equal("Healthy", await http.GetStringAsync("/health", ct));
    }

    private SiloProcess StartChild() =>
        SiloProcess.Start(workingDirectory.Path, [.. ports.ToArguments(), $"--Silo:DataDirectory={DataDirectory}"]);

    private Task<SiloApplication> StartInProcessAsync(CancellationToken cancellationToken, Dictionary<string, string?>? extra = null)
    {
        var settings = ports.ToConfiguration();
        settings["Silo:DataDirectory"] = DataDirectory;
        settings["Logging:LogLevel:Default"] = "Warning";
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        return SiloApplication.StartAsync([], configuration => configuration.AddInMemoryCollection(settings), cancellationToken);
    }

    private static IClusterJournalGrain JournalOf(SiloApplication silo) =>
        silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IClusterJournalGrain>(silo.Options.ClusterId);
}
