using System.Globalization;
using MQTTnet.Protocol;
using OrleansAio.Protocol.CloudEvents;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Telemetry;
using OrleansAio.Tests.Conformance.Infrastructure;
using OrleansAio.Tests.Conformance.Model;

namespace OrleansAio.Tests.Conformance.Runners;

/// <summary>Runs <c>TelemetrySender</c> cases against <see cref="TelemetrySender{T}"/>.</summary>
internal sealed class TelemetrySenderRunner(MetlCase metlCase, CancellationToken cancellationToken) : MetlRunner(metlCase, cancellationToken)
{
    private readonly Dictionary<string, TelemetrySender<string>> senders = new(StringComparer.Ordinal);
    private readonly Queue<(SendTelemetryAction Action, Task Send)> pendingSends = new();

    /// <inheritdoc />
    protected override async Task<bool> RunPrologueAsync()
    {
        var prologue = Case.Prologue;
        for (var i = 0; i < prologue.Senders.Count; i++)
        {
            var config = prologue.Senders[i];
            var isLast = i == prologue.Senders.Count - 1;
            TelemetrySender<string> sender;
            try
            {
                sender = new TelemetrySender<string>(Context, Mqtt, new MetlTestSerializer(config.Serializer), Logs)
                {
                    TopicPattern = config.TelemetryTopic.Resolve(string.Empty)!,
                    TopicNamespace = config.TopicNamespace.ValueOr(null),
                    TopicTokenMap = TokenMap(config.TopicTokenMap),
                };
            }
            catch (Exception ex) when (isLast && prologue.Catch.HasValue)
            {
                MetlErrorChecker.Check(prologue.Catch.Value, ex, "prologue (constructing the sender)");
                return false;
            }

            senders[config.TelemetryName.ValueOr("test")!] = sender;
            if (isLast && prologue.Catch.HasValue)
            {
                var probe = (SendTelemetryAction)Case.PrologueProbe!;
                Exception? error = null;
                try
                {
                    await Guarded("prologue (default send)", StartSend(sender, probe)).ConfigureAwait(false);
                }
                catch (MetlCheckFailedException)
                {
                    throw;
                }
                catch (Exception ex)
                {
                    error = ex;
                }

                MetlErrorChecker.Check(prologue.Catch.Value, error, "prologue (default send)");
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    protected override async Task RunActionAsync(MetlAction action)
    {
        switch (action)
        {
            case SendTelemetryAction send:
                var name = send.TelemetryName.ValueOr("test")!;
                if (!senders.TryGetValue(name, out var sender))
                {
                    throw new MetlFormatException($"{action.Path}: no sender has telemetry-name '{name}'");
                }

                pendingSends.Enqueue((send, StartSend(sender, send)));
                break;
            case AwaitSendAction awaitSend:
                if (!pendingSends.TryDequeue(out var pending))
                {
                    throw new MetlFormatException($"{action.Path}: no send is outstanding");
                }

                Exception? error = null;
                try
                {
                    await Guarded(action, pending.Send).ConfigureAwait(false);
                }
                catch (MetlCheckFailedException)
                {
                    throw;
                }
                catch (Exception ex)
                {
                    error = ex;
                }

                if (awaitSend.Catch.HasValue)
                {
                    MetlErrorChecker.Check(awaitSend.Catch.Value, error, action.Path);
                }
                else if (error is not null)
                {
                    throw Fail(action, $"the send started at {pending.Action.Path} failed unexpectedly: {error}");
                }

                break;
            case AwaitPublishAction:
                await Guarded(action, Broker.NextPublicationAsync(CancellationToken).AsTask()).ConfigureAwait(false);
                break;
            default:
                await base.RunActionAsync(action).ConfigureAwait(false);
                break;
        }
    }

    /// <inheritdoc />
    protected override async Task RunEpilogueAsync(MetlEpilogue epilogue)
    {
        while (pendingSends.TryDequeue(out var pending))
        {
            try
            {
                await Guarded(pending.Action, pending.Send).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not MetlCheckFailedException)
            {
                throw Fail(pending.Action, $"the send (never awaited by the case) failed: {ex}");
            }
        }

        CheckSubscriptionsAndCounts(epilogue);
        if (epilogue.PublishedMessages.HasValue)
        {
            var published = Broker.Publications;
            var expected = epilogue.PublishedMessages.Value;
            for (var i = 0; i < expected.Count; i++)
            {
                if (i >= published.Count)
                {
                    throw new MetlCheckFailedException($"{expected[i].Path}: expected publication #{i + 1}, but only {published.Count} were published");
                }

                var failures = ComparePublished(expected[i], published[i]);
                if (failures.Count > 0)
                {
                    throw new MetlCheckFailedException($"{expected[i].Path} (publication #{i + 1}): {string.Join("; ", failures)}");
                }
            }
        }
    }

    /// <inheritdoc />
    protected override async ValueTask DisposeComponentsAsync()
    {
        foreach (var sender in senders.Values)
        {
            await sender.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static Dictionary<string, string> TokenMap(Field<IReadOnlyList<KeyValuePair<string, string?>>> map) =>
        map.ValueOr([])!.ToDictionary(kv => kv.Key, kv => kv.Value!, StringComparer.Ordinal);

    private static Task StartSend(TelemetrySender<string> sender, SendTelemetryAction send)
    {
        var metadata = new OutgoingTelemetryMetadata();
        foreach (var (key, value) in send.Metadata.ValueOr([])!)
        {
            metadata.UserData[key] = value!;
        }

        if (send.CloudEvent.HasValue)
        {
            var ce = send.CloudEvent.Value;
            var cloudEvent = new CloudEvent(ce.Source.ValueOr(null)!);
            if (!ce.Type.IsOmitted)
            {
                cloudEvent.Type = ce.Type.ValueOr(null);
            }

            if (!ce.SpecVersion.IsOmitted)
            {
                cloudEvent.SpecVersion = ce.SpecVersion.ValueOr(null);
            }

            if (!ce.Id.IsOmitted)
            {
                cloudEvent.Id = ce.Id.ValueOr(null);
            }

            if (!ce.Subject.IsOmitted)
            {
                cloudEvent.Subject = ce.Subject.ValueOr(null);
            }

            if (!ce.DataSchema.IsOmitted)
            {
                cloudEvent.DataSchema = ce.DataSchema.ValueOr(null);
            }

            if (ce.Time.HasValue)
            {
                // The API takes a DateTimeOffset, so a time that is not RFC 3339 cannot reach the sender: the conversion is the
                // validation, and it fails the way the sender does for an invalid attribute.
                if (!DateTimeOffset.TryParseExact(ce.Time.Value, ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var time))
                {
                    return Task.FromException(AioProtocolException.ConfigurationInvalid("CloudEvent", ce.Time.Value, "the CloudEvent time is not RFC 3339"));
                }

                cloudEvent.Time = time;
            }

            metadata.CloudEvent = cloudEvent;
        }

        return sender.SendTelemetryAsync(
            send.TelemetryValue.ValueOr(null)!,
            metadata,
            send.TopicTokenMap.HasValue ? TokenMap(send.TopicTokenMap) : null,
            (MqttQualityOfServiceLevel)send.Qos.ValueOr(1),
            send.Timeout.ValueOr(default) is var t && send.Timeout.HasValue ? t : null);
    }
}
