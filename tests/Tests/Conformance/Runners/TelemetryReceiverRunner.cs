using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Telemetry;
using OrleansAio.Tests.Conformance.Infrastructure;
using OrleansAio.Tests.Conformance.Model;

namespace OrleansAio.Tests.Conformance.Runners;

/// <summary>Runs <c>TelemetryReceiver</c> cases against <see cref="TelemetryReceiver{T}"/>.</summary>
internal sealed class TelemetryReceiverRunner(MetlCase metlCase, CancellationToken cancellationToken) : MetlRunner(metlCase, cancellationToken)
{
    private readonly List<TelemetryReceiver<string>> receivers = [];
    private readonly Lock gate = new();
    private readonly List<int> telemetryCounts = [];
    private readonly List<(string SenderId, string? Value, IncomingTelemetryMetadata Metadata)> received = [];

    /// <inheritdoc />
    protected override async Task<bool> RunPrologueAsync()
    {
        var prologue = Case.Prologue;
        for (var i = 0; i < prologue.Receivers.Count; i++)
        {
            var config = prologue.Receivers[i];
            var index = i;
            var isLast = i == prologue.Receivers.Count - 1;
            lock (gate)
            {
                telemetryCounts.Add(0);
            }

            try
            {
                var receiver = new TelemetryReceiver<string>(Context, Mqtt, new MetlTestSerializer(config.Serializer), Logs)
                {
                    TopicPattern = config.TelemetryTopic.Resolve(string.Empty)!,
                    TopicNamespace = config.TopicNamespace.ValueOr(null),
                    TopicTokenMap = config.TopicTokenMap.ValueOr([])!.ToDictionary(kv => kv.Key, kv => kv.Value!, StringComparer.Ordinal),
                    OnTelemetryReceived = (senderId, value, metadata) =>
                    {
                        lock (gate)
                        {
                            telemetryCounts[index]++;
                        }

                        if (config.RaiseError.ValueOr(false))
                        {
                            throw new InvalidOperationException("the METL receiver was told to raise an error");
                        }

                        lock (gate)
                        {
                            received.Add((senderId, value, metadata));
                        }

                        return Task.CompletedTask;
                    },
                };
                receivers.Add(receiver);
                await Guarded($"prologue.receivers[{i}] (start)", receiver.StartAsync(CancellationToken)).ConfigureAwait(false);
            }
            catch (Exception ex) when (isLast && prologue.Catch.HasValue && ex is not MetlCheckFailedException)
            {
                MetlErrorChecker.Check(prologue.Catch.Value, ex, "prologue (constructing/starting the receiver)");
                return false;
            }
        }

        if (prologue.Catch.HasValue)
        {
            MetlErrorChecker.Check(prologue.Catch.Value, null, "prologue (constructing/starting the receivers)");
        }

        return true;
    }

    /// <inheritdoc />
    protected override async Task RunActionAsync(MetlAction action)
    {
        if (action is not ReceiveTelemetryAction receive)
        {
            await base.RunActionAsync(action).ConfigureAwait(false);
            return;
        }

        var message = IncomingMessage(receive.Topic, receive.Payload, receive.ContentType, receive.FormatIndicator, receive.Qos, receive.MessageExpiry);
        foreach (var (key, value) in receive.Metadata.ValueOr([])!)
        {
            AddUserProperty(message, key, value!);
        }

        if (receive.SourceIndex.HasValue)
        {
            AddUserProperty(message, AioUserProperties.SourceId, SourceId(receive.SourceIndex.Value));
        }

        await Guarded(action, Broker.DeliverAsync(message, PacketId(receive.PacketIndex), CancellationToken)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async Task RunEpilogueAsync(MetlEpilogue epilogue)
    {
        CheckSubscriptionsAndCounts(epilogue);
        CheckAcknowledgementCount(epilogue);
        List<int> counts;
        List<(string SenderId, string? Value, IncomingTelemetryMetadata Metadata)> delivered;
        lock (gate)
        {
            counts = telemetryCounts.ToList();
            delivered = received.ToList();
        }

        if (epilogue.TelemetryCount.HasValue && epilogue.TelemetryCount.Value != counts.FirstOrDefault())
        {
            throw new MetlCheckFailedException($"epilogue.telemetry-count: expected {epilogue.TelemetryCount.Value}, actual {counts.FirstOrDefault()}");
        }

        foreach (var (index, count) in epilogue.TelemetryCounts.ValueOr([])!)
        {
            var actual = index < counts.Count ? counts[index] : 0;
            if (actual != count)
            {
                throw new MetlCheckFailedException($"epilogue.telemetry-counts[{index}]: expected {count}, actual {actual}");
            }
        }

        if (epilogue.ReceivedTelemetries.HasValue)
        {
            var expected = epilogue.ReceivedTelemetries.Value;
            for (var i = 0; i < expected.Count; i++)
            {
                if (i >= delivered.Count)
                {
                    throw new MetlCheckFailedException($"{expected[i].Path}: expected telemetry #{i + 1}, but only {delivered.Count} were delivered");
                }

                var failures = CompareReceived(expected[i], delivered[i]);
                if (failures.Count > 0)
                {
                    throw new MetlCheckFailedException($"{expected[i].Path} (telemetry #{i + 1}): {string.Join("; ", failures)}");
                }
            }
        }

        await CheckStopAsync(epilogue, async () =>
        {
            foreach (var receiver in receivers)
            {
                await receiver.StopAsync(CancellationToken).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async ValueTask DisposeComponentsAsync()
    {
        foreach (var receiver in receivers)
        {
            await receiver.DisposeAsync().ConfigureAwait(false);
        }
    }

    private List<string> CompareReceived(MetlReceivedTelemetry expected, (string SenderId, string? Value, IncomingTelemetryMetadata Metadata) actual)
    {
        var failures = new List<string>();
        if (!expected.TelemetryValue.IsOmitted && expected.TelemetryValue.ValueOr(null) != actual.Value)
        {
            failures.Add($"telemetry-value: expected {Show(expected.TelemetryValue.ValueOr(null))}, actual {Show(actual.Value)}");
        }

        foreach (var (key, value) in expected.Metadata.ValueOr([])!)
        {
            var has = actual.Metadata.UserData.TryGetValue(key, out var got);
            if (value is null ? has : !has || got != value)
            {
                failures.Add($"metadata '{key}': expected {Show(value)}, actual {Show(has ? got : null)}");
            }
        }

        foreach (var (key, value) in expected.TopicTokens.ValueOr([])!)
        {
            var has = actual.Metadata.TopicTokens.TryGetValue(key, out var got);
            if (value is null ? has : !has || got != value)
            {
                failures.Add($"topic-tokens '{key}': expected {Show(value)}, actual {Show(has ? got : null)}");
            }
        }

        if (expected.SourceIndex.HasValue && SourceId(expected.SourceIndex.Value) != actual.SenderId)
        {
            failures.Add($"source-index {expected.SourceIndex.Value}: expected sender ID '{SourceId(expected.SourceIndex.Value)}', actual '{actual.SenderId}'");
        }

        var ce = actual.Metadata.CloudEvent;
        if (expected.CloudEvent.IsNull && ce is not null)
        {
            failures.Add($"cloud-event: expected none, actual source '{ce.Source}', type '{ce.Type}', id '{ce.Id}'");
        }
        else if (expected.CloudEvent.HasValue)
        {
            var e = expected.CloudEvent.Value;
            if (ce is null)
            {
                failures.Add("cloud-event: expected one, actual none");
            }
            else
            {
                CompareAttribute(failures, "source", e.Source, ce.Source);
                CompareAttribute(failures, "type", e.Type, ce.Type);
                CompareAttribute(failures, "spec-version", e.SpecVersion, ce.SpecVersion);
                CompareAttribute(failures, "id", e.Id, ce.Id);
                CompareAttribute(failures, "time", e.Time, ce.Time?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
                CompareAttribute(failures, "data-content-type", e.DataContentType, ce.DataContentType);
                CompareAttribute(failures, "subject", e.Subject, ce.Subject);
                CompareAttribute(failures, "data-schema", e.DataSchema, ce.DataSchema);
            }
        }

        return failures;
    }

    private static void CompareAttribute(List<string> failures, string name, Field<string> expected, string? actual)
    {
        if (!expected.IsOmitted && expected.ValueOr(null) != actual)
        {
            failures.Add($"cloud-event.{name}: expected {Show(expected.ValueOr(null))}, actual {Show(actual)}");
        }
    }
}
