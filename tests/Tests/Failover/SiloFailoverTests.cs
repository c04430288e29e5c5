using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Connection;
using OrleansAio.Protocol.Session;
using OrleansAio.Protocol.StateStore;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Failover;

/// <summary>
/// Failover with an external broker, with real processes: three silo programs against Mosquitto and Redis, a sequential
/// state-store writer (a fresh key per request, 3 s client timeout), <c>kill -9</c> of one silo under that load. An observer
/// session sees every request and every response on the wire, so a request the writer gave up on but that was answered
/// later (queued in the dead silo's session, forwarded by the takeover) counts as late, not lost.
/// </summary>
public sealed partial class SiloFailoverTests : IDisposable
{
    private static readonly TimeSpan StartGuard = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(3);

    // A second writer whose requests outlive the takeover: the ones queued in the dead session must be answered, late.
    private static readonly TimeSpan PatientTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LoadBeforeKill = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan LoadAfterKill = TimeSpan.FromSeconds(30);

    // Issue 12: after a silo dies, requests are answered again within 15 s.
    private static readonly TimeSpan RecoveryLimit = TimeSpan.FromSeconds(15);

    // How long late answers may still arrive after the load stops: a hang guard, generous for a machine shared by builds.
    private static readonly TimeSpan LateAnswerGuard = TimeSpan.FromSeconds(20);
    private readonly TempDirectory workingDirectory = new("failover");

    public void Dispose() => workingDirectory.Dispose();

    [Fact]
    public async Task AKilledSiloIsReplacedWithinFifteenSecondsAndItsQueuedRequestsAreAnswered()
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
        var silos = new List<SiloProcess>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                silos.Add(SiloProcess.Start(workingDirectory.Path, [
                    .. new SiloPorts().ToArguments(),
                    $"--ConnectionStrings:Mqtt=HostName=127.0.0.1;TcpPort={mosquitto.Port};UseTls=false",
                    $"--ConnectionStrings:Redis={redis.ConnectionString}",
                    $"--Silo:DataDirectory={Path.Combine(workingDirectory.Path, $"data-{i}")}",
                ]));
            }

            foreach (var silo in silos)
            {
                await silo.WaitForOutputAsync("Orleans silo of service", StartGuard, ct);
            }

            var run = await RunLoadAsync(mosquitto.Port, silos[1], silos.Where((_, i) => i != 1).ToArray(), ct);
            TestContext.Current.TestOutputHelper?.WriteLine(run.Summary);
            foreach (var (silo, index) in silos.Select((silo, index) => (silo, index)).Where(p => p.index != 1))
            {
                TestContext.Current.TestOutputHelper?.WriteLine($"silo {index} warnings and errors:\n  {string.Join("\n  ", WarningsOf(silo).Distinct().Take(30))}");
            }

            TestContext.Current.TestOutputHelper?.WriteLine($"mosquitto (last 150 lines):\n  {string.Join("\n  ", mosquitto.Log.TakeLast(150))}");
            Assert.True(run.Recovery is { } recovery && recovery <= RecoveryLimit, $"requests were not answered again within {RecoveryLimit}: {run.Summary}");
            Assert.True(run.Lost.Count == 0, $"requests sent after the kill were never answered: {string.Join(", ", run.Lost)}; {run.Summary}");
            Assert.True(run.Patient.Failed.Count == 0, $"requests of the {PatientTimeout.TotalSeconds:0} s writer failed: {string.Join("; ", run.Patient.Failed)}; {run.Summary}");
            Assert.True(run.AcknowledgedMissing.Count == 0, $"acknowledged writes are missing: {string.Join(", ", run.AcknowledgedMissing)}; {run.Summary}");
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    private async Task<LoadRun> RunLoadAsync(int brokerPort, SiloProcess victim, SiloProcess[] survivors, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var writerId = MqttTestClient.TestClientId("writer");
        var requests = new ConcurrentDictionary<string, WireRequest>(StringComparer.Ordinal);
        var byCorrelation = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var answers = new ConcurrentDictionary<string, (TimeSpan At, string Payload)>(StringComparer.Ordinal);

        // The observer sees each request (a plain subscription beside the silos' shared one) and each response to the writer.
        await using var observer = await MqttTestClient.ConnectAsync(brokerPort, "observer", cancellationToken: ct);
        observer.Client.ApplicationMessageReceivedAsync += args =>
        {
            var message = args.ApplicationMessage;
            var correlation = message.CorrelationData is { Length: > 0 } data ? Convert.ToHexString(data) : string.Empty;
            var payload = Encoding.ASCII.GetString(message.Payload.ToArray());
            if (message.Topic == StateStoreTopics.RequestTopic)
            {
                if (KeyPattern().Match(payload) is { Success: true } key)
                {
                    byCorrelation[correlation] = key.Value;
                }
            }
            else if (byCorrelation.TryGetValue(correlation, out var answeredKey))
            {
                answers.TryAdd(answeredKey, (clock.Elapsed, payload));
            }

            return Task.CompletedTask;
        };
        await observer.Client.SubscribeAsync(
            new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(StateStoreTopics.RequestTopic, MqttQualityOfServiceLevel.AtLeastOnce)
                .WithTopicFilter($"clients/{writerId}/#", MqttQualityOfServiceLevel.AtLeastOnce)
                .Build(),
            ct);

        await using var session = new MqttSessionClient(new MqttSessionClientOptions(), NullLoggerFactory.Instance);
        await session.ConnectAsync(new MqttConnectionSettings { HostName = "127.0.0.1", TcpPort = brokerPort, UseTls = false, ClientId = writerId }, ct);
        await using var store = new StateStoreClient(new ApplicationContext(), session);

        using var stopPatient = new CancellationTokenSource();
        var killedAt = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var patient = RunPatientWriterAsync(brokerPort, clock, killedAt.Task, stopPatient.Token, ct);

        // The surviving silos' takeover log lines, with the time the test saw them.
        var takeoverSeen = new ConcurrentBag<TimeSpan>();
        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var watchers = survivors.Select(s => WatchAsync(s, "Took over the MQTT session", () => takeoverSeen.Add(clock.Elapsed), stopWatching.Token)).ToArray();

        var n = 0;
        var killAt = TimeSpan.Zero;
        var killed = false;
        while (true)
        {
            var elapsed = clock.Elapsed;
            if (!killed && elapsed >= LoadBeforeKill)
            {
                victim.Crash();
                killAt = clock.Elapsed;
                killed = true;
                killedAt.SetResult(killAt);
            }

            if (killed && elapsed - killAt >= LoadAfterKill)
            {
                break;
            }

            var key = $"fo-{n++:D5}-{Guid.NewGuid():N}";
            var request = new WireRequest(key, $"v-{key}", clock.Elapsed, killed);
            requests[key] = request;
            try
            {
                var set = await store.SetAsync(key, request.Value, requestTimeout: ClientTimeout, cancellationToken: ct);
                request.Acknowledged = set.Success;
                request.AnsweredInTime = true;
            }
            catch (AioProtocolException)
            {
                // Timed out (or refused): the observer tells whether it was answered late.
            }
        }

        await stopPatient.CancelAsync();
        var patientRun = await patient;

        // Late answers: wait until every post-kill request is answered or the guard ends.
        var guard = Stopwatch.StartNew();
        while (guard.Elapsed < LateAnswerGuard && requests.Values.Any(r => r.AfterKill && !answers.ContainsKey(r.Key)))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
        }

        await stopWatching.CancelAsync();
        await Task.WhenAll(watchers);

        // Every acknowledged write reads back (through whichever silo the broker picks).
        var missing = new List<string>();
        foreach (var request in requests.Values.Where(r => r.Acknowledged))
        {
            if (await ReadAsync(store, request.Key, ct) != request.Value)
            {
                missing.Add(request.Key);
            }
        }

        return LoadRun.From(requests.Values, answers, killAt, takeoverSeen.IsEmpty ? null : takeoverSeen.Min(), missing, patientRun);
    }

    // Sequential SETs with a timeout longer than the failover: none may fail; those that waited in the dead session come back late.
    private static async Task<PatientRun> RunPatientWriterAsync(
        int brokerPort, Stopwatch clock, Task<TimeSpan> killed, CancellationToken stop, CancellationToken ct)
    {
        await using var session = new MqttSessionClient(new MqttSessionClientOptions(), NullLoggerFactory.Instance);
        await session.ConnectAsync(
            new MqttConnectionSettings { HostName = "127.0.0.1", TcpPort = brokerPort, UseTls = false, ClientId = MqttTestClient.TestClientId("patient") }, ct);
        await using var store = new StateStoreClient(new ApplicationContext(), session);
        var sent = 0;
        var slow = 0;
        var failed = new List<string>();
        var n = 0;
        while (!stop.IsCancellationRequested)
        {
            var key = $"patient-{n++:D5}-{Guid.NewGuid():N}";
            var afterKill = killed.IsCompleted;
            var started = clock.Elapsed;
            try
            {
                var set = await store.SetAsync(key, "p", requestTimeout: PatientTimeout, cancellationToken: ct);
                if (!set.Success)
                {
                    failed.Add($"{key}: not applied");
                }
                else if (afterKill && clock.Elapsed - started > ClientTimeout)
                {
                    slow++;
                }
            }
            catch (AioProtocolException ex)
            {
                failed.Add($"{key} sent {(started - (afterKill ? killed.Result : started)).TotalSeconds:0.0} s after the kill: {ex.Message}");
            }

            if (afterKill)
            {
                sent++;
            }
        }

        return new PatientRun(sent, slow, failed);
    }

    private sealed record PatientRun(int SentAfterKill, int AnsweredAfterWaiting, IReadOnlyList<string> Failed);

    // Without a working failover a read may land in the dead silo's queue too: a few attempts, so the figures still come out.
    private static async Task<string?> ReadAsync(StateStoreClient store, string key, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return (await store.GetAsync(key, ClientTimeout, ct)).Value?.GetString();
            }
            catch (AioProtocolException) when (attempt < 5)
            {
            }
        }
    }

    private static async Task WatchAsync(SiloProcess silo, string text, Action seen, CancellationToken ct)
    {
        try
        {
            await silo.WaitForOutputAsync(text, TimeSpan.FromMinutes(5), ct);
            seen();
        }
        catch (OperationCanceledException)
        {
        }
    }

    // The simple console formatter writes "warn: Category[id]" and the message on the next line.
    private static IEnumerable<string> WarningsOf(SiloProcess silo)
    {
        var lines = silo.StandardOutput;
        for (var i = 0; i + 1 < lines.Count; i++)
        {
            if ((lines[i].Contains(" warn: ", StringComparison.Ordinal) || lines[i].Contains(" fail: ", StringComparison.Ordinal) || lines[i].Contains(" crit: ", StringComparison.Ordinal))
                && !lines[i].Contains("Orleans.Runtime.", StringComparison.Ordinal)
                && !lines[i].Contains("NormalDisconnection", StringComparison.Ordinal))
            {
                yield return lines[i];
            }
        }
    }

    [GeneratedRegex("fo-[0-9]{5}-[0-9a-f]{32}")]
    private static partial Regex KeyPattern();

    private sealed class WireRequest(string key, string value, TimeSpan sentAt, bool afterKill)
    {
        public string Key { get; } = key;

        public string Value { get; } = value;

        public TimeSpan SentAt { get; } = sentAt;

        public bool AfterKill { get; } = afterKill;

        public bool AnsweredInTime { get; set; }

        public bool Acknowledged { get; set; }
    }

    private sealed record LoadRun(string Summary, TimeSpan? Recovery, IReadOnlyList<string> Lost, IReadOnlyList<string> AcknowledgedMissing, PatientRun Patient)
    {
        public static LoadRun From(
            ICollection<WireRequest> requests,
            IReadOnlyDictionary<string, (TimeSpan At, string Payload)> answers,
            TimeSpan killAt,
            TimeSpan? takeoverSeenAt,
            List<string> missing,
            PatientRun patient)
        {
            var after = requests.Where(r => r.AfterKill).OrderBy(r => r.SentAt).ToList();
            var unansweredInTime = after.Where(r => !r.AnsweredInTime).ToList();
            var late = unansweredInTime.Where(r => answers.ContainsKey(r.Key)).ToList();
            var never = unansweredInTime.Where(r => !answers.ContainsKey(r.Key)).ToList();

            // A request carries a message expiry equal to the client's timeout: one still queued in the dead session when that
            // expiry passed is discarded by the broker (MQTT 5 section 3.3.2.3.3), as its client asked. Every other one must be
            // answered: those sent within the timeout before the takeover was seen, and everything after.
            var lost = never.Where(r => takeoverSeenAt is not { } t || r.SentAt + ClientTimeout > t).Select(r => r.Key).ToList();
            var expired = never.Count - lost.Count;
            var lastFailure = unansweredInTime.LastOrDefault();
            TimeSpan? recovery = lastFailure is null ? TimeSpan.Zero
                : after.Any(r => r.SentAt > lastFailure.SentAt) ? lastFailure.SentAt + ClientTimeout - killAt : null;
            var summary = string.Create(
                CultureInfo.InvariantCulture,
                $"requests: {requests.Count} ({after.Count} after the kill); after the kill: {unansweredInTime.Count} not answered within {ClientTimeout.TotalSeconds:0} s, " +
                $"{late.Count} answered late, {never.Count} never answered ({expired} of them expired in the dead session before the takeover, {lost.Count} lost); " +
                $"time to recovery {(recovery is { } r ? $"{r.TotalSeconds:0.0} s" : "none (still failing at the end)")}; " +
                $"takeover seen {(takeoverSeenAt is { } t ? $"{(t - killAt).TotalSeconds:0.0} s after the kill" : "never")}; " +
                $"acknowledged writes missing: {missing.Count}; {PatientTimeout.TotalSeconds:0} s writer after the kill: {patient.SentAfterKill} requests, " +
                $"{patient.AnsweredAfterWaiting} answered after more than {ClientTimeout.TotalSeconds:0} s, {patient.Failed.Count} failed; first failures at {string.Join(" ", unansweredInTime.Take(12).Select(f => $"{(f.SentAt - killAt).TotalSeconds:0.0}"))} s");
            return new LoadRun(summary, recovery, lost, missing, patient);
        }
    }
}
