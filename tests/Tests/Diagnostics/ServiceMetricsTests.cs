using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using OrleansAio.Protocol.Diagnostics;
using OrleansAio.Protocol.Leasing;
using OrleansAio.Protocol.StateStore;
using OrleansAio.Tests.Fixtures;
using OrleansAio.Tests.Session;
using OrleansAio.Tests.StateStore;

namespace OrleansAio.Tests.Diagnostics;

/// <summary>
/// The meters a user watches on a dashboard (issue 14): state-store operations and errors per command, lease acquisitions,
/// renewals and losses, the MQTT connection state and pending operations, served by a real silo and seen by a
/// <see cref="MeterListener"/> in this process.
/// </summary>
public sealed class ServiceMetricsTests(AioClusterFixture fixture) : IClassFixture<AioClusterFixture>
{
    private sealed record Sample(string Instrument, double Value, Dictionary<string, string?> Tags);

    [Fact]
    public async Task StateStoreLeaseAndSessionMetersReportWhatHappened()
    {
        var ct = TestContext.Current.CancellationToken;
        var samples = new ConcurrentQueue<Sample>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == ProtocolDiagnostics.Name)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };

        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var map = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var tag in tags)
            {
                map[tag.Key] = tag.Value?.ToString();
            }

            samples.Enqueue(new Sample(instrument.Name, value, map));
        }

        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.Start();

        await using var connections = new StateStoreConnections(fixture);
        var (store, session) = await connections.WireWithSessionAsync("metrics");
        var key = Encoding.UTF8.GetBytes($"metrics-{Guid.NewGuid():N}");
        await store.SetAsync(key, "v"u8.ToArray(), cancellationToken: ct);
        await store.GetAsync(key, cancellationToken: ct);
        await store.GetAsync(Encoding.UTF8.GetBytes($"missing-{Guid.NewGuid():N}"), cancellationToken: ct);
        await using (var raw = await RawStateStoreRequester.ConnectAsync(fixture.Broker.Port, "metrics-raw", ct))
        {
            await raw.SendAsync("*1\r\n$4\r\nPING\r\n"u8.ToArray(), ct);
        }

        var leaseName = $"metrics-lease-{Guid.NewGuid():N}";
        await using (var holder = new LeaseLockClient(store, leaseName, "holder-a"))
        await using (var rival = new LeaseLockClient(await connections.WireAsync("metrics-rival"), leaseName, "holder-b"))
        {
            Assert.True((await holder.TryAcquireAsync(TimeSpan.FromSeconds(30), cancellationToken: ct)).Success);
            Assert.False((await rival.TryAcquireAsync(TimeSpan.FromSeconds(30), cancellationToken: ct)).Success);
            Assert.True((await holder.RenewAsync(TimeSpan.FromSeconds(30), ct)).Success);
        }

        listener.RecordObservableInstruments();
        var all = samples.ToArray();

        double Sum(string instrument, params (string Key, string Value)[] tags) =>
            all.Where(s => s.Instrument == instrument && tags.All(t => s.Tags.TryGetValue(t.Key, out var v) && v == t.Value)).Sum(s => s.Value);

        Assert.True(Sum("aio.state_store.operations", ("aio.state_store.command", "SET"), ("aio.state_store.outcome", "ok")) >= 1, "a SET counted as ok");
        Assert.True(Sum("aio.state_store.operations", ("aio.state_store.command", "GET"), ("aio.state_store.outcome", "value")) >= 1, "a GET hit counted");
        Assert.True(Sum("aio.state_store.operations", ("aio.state_store.command", "GET"), ("aio.state_store.outcome", "not_found")) >= 1, "a GET miss counted");
        Assert.True(Sum("aio.state_store.errors", ("aio.state_store.command", "rejected"), ("error.type", "UnknownCommand")) >= 1, "the unknown command counted as an error");
        Assert.Contains(all, s => s.Instrument == "aio.state_store.duration" && s.Tags.GetValueOrDefault("aio.state_store.command") == "SET");

        Assert.Equal(1, Sum("aio.lease.acquisitions", ("aio.lease.name", leaseName), ("aio.lease.outcome", "acquired")));
        Assert.Equal(1, Sum("aio.lease.acquisitions", ("aio.lease.name", leaseName), ("aio.lease.outcome", "held_by_other")));
        Assert.Equal(1, Sum("aio.lease.renewals", ("aio.lease.name", leaseName), ("aio.lease.outcome", "renewed")));

        var clientId = session.ClientId!;
        Assert.Equal(1, Sum("aio.mqtt.session.connected", ("mqtt.client_id", clientId)));
        Assert.Contains(all, s => s.Instrument == "aio.mqtt.session.queue.depth" && s.Tags.GetValueOrDefault("mqtt.client_id") == clientId);
    }

    [Fact]
    public async Task AnAutomaticallyRenewedLeaseTakenByAnotherCountsAsALoss()
    {
        var ct = TestContext.Current.CancellationToken;
        var losses = new ConcurrentQueue<string?>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == ProtocolDiagnostics.Name && instrument.Name == "aio.lease.losses")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        var leaseName = $"metrics-loss-{Guid.NewGuid():N}";
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            var name = tags.ToArray().FirstOrDefault(t => t.Key == LeasingMetrics.LeaseNameTag).Value as string;
            if (name == leaseName)
            {
                losses.Enqueue(tags.ToArray().FirstOrDefault(t => t.Key == "aio.lease.loss_reason").Value?.ToString());
            }
        });
        listener.Start();

        await using var connections = new StateStoreConnections(fixture);
        var store = await connections.WireAsync("metrics-loss");
        await using var holder = new LeaseLockClient(store, leaseName, "holder-a");
        var lost = new TaskCompletionSource<LeaseLossReason>(TaskCreationOptions.RunContinuationsAsynchronously);
        holder.LeaseLost += e => lost.TrySetResult(e.Reason);
        Assert.True((await holder.TryAcquireAsync(
            TimeSpan.FromSeconds(2), new AutomaticRenewalOptions { RenewalPeriod = TimeSpan.FromMilliseconds(500) }, ct)).Success);

        // Another holder overwrites the key: the next renewal (SET NEX) finds it held by someone else.
        await store.SetAsync(Encoding.UTF8.GetBytes(leaseName), "intruder"u8.ToArray(), cancellationToken: ct);
        var reason = await lost.Task.Guarded("the lease loss");
        Assert.Equal([reason.ToString()], losses.ToArray());
    }
}
