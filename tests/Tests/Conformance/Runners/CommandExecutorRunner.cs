using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Rpc;
using OrleansAio.Tests.Conformance.Infrastructure;
using OrleansAio.Tests.Conformance.Model;

namespace OrleansAio.Tests.Conformance.Runners;

/// <summary>
/// Runs <c>CommandExecutor</c> cases against <see cref="CommandExecutor{TReq, TResp}"/>, with an emulated handler (protocol.md §2.9
/// step 6): count the execution on entry, run the <c>sync</c> steps, throw if <c>raise-error</c>, else answer from
/// <c>request-responses-map</c> in rotation and attach <c>response-metadata</c> and <c>token-metadata-prefix</c> data.
/// </summary>
internal sealed class CommandExecutorRunner(MetlCase metlCase, CancellationToken cancellationToken) : MetlRunner(metlCase, cancellationToken)
{
    private readonly List<CommandExecutor<string, string>> executors = [];
    private readonly Dictionary<string, AsyncCountdownEvent> events = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> rotation = new(StringComparer.Ordinal);
    private readonly Lock gate = new();
    private readonly List<int> executionCounts = [];
    private readonly CorrelationIndex correlations = new();

    /// <inheritdoc />
    protected override async Task<bool> RunPrologueAsync()
    {
        var prologue = Case.Prologue;
        foreach (var (name, count) in prologue.CountdownEvents)
        {
            events[name] = new AsyncCountdownEvent(name, count);
        }

        for (var i = 0; i < prologue.Executors.Count; i++)
        {
            var config = prologue.Executors[i];
            var index = i;
            var isLast = i == prologue.Executors.Count - 1;
            lock (gate)
            {
                executionCounts.Add(0);
            }

            try
            {
                var executor = new CommandExecutor<string, string>(Context, Mqtt, config.CommandName.Resolve("test")!, new MetlTestSerializer(config.Serializer), Logs)
                {
                    RequestTopicPattern = config.RequestTopic.Resolve(string.Empty)!,
                    TopicNamespace = config.TopicNamespace.ValueOr(null),
                    TopicTokenMap = config.TopicTokenMap.ValueOr([])!.ToDictionary(kv => kv.Key, kv => kv.Value!, StringComparer.Ordinal),
                    ExecutorId = config.ExecutorId.ValueOr(null),
                    ExecutionTimeout = config.ExecutionTimeout.HasValue ? config.ExecutionTimeout.Value : CommandExecutor<string, string>.DefaultExecutionTimeout,
                    IsIdempotent = config.Idempotent.ValueOr(false),
                    CacheTtl = config.CacheTtl.ValueOr(TimeSpan.Zero),
                    OnCommandReceived = (request, ct) => HandleAsync(index, config, request, ct),
                };
                executors.Add(executor);
                await Guarded(
                    $"prologue.executors[{i}] (start)",
                    executor.StartAsync(config.ExecutionConcurrency.HasValue ? config.ExecutionConcurrency.Value : null, CancellationToken)).ConfigureAwait(false);
            }
            catch (Exception ex) when (isLast && prologue.Catch.HasValue && ex is not MetlCheckFailedException)
            {
                MetlErrorChecker.Check(prologue.Catch.Value, ex, "prologue (constructing/starting the executor)");
                return false;
            }
        }

        if (prologue.Catch.HasValue)
        {
            MetlErrorChecker.Check(prologue.Catch.Value, null, "prologue (constructing/starting the executors)");
        }

        return true;
    }

    /// <inheritdoc />
    protected override async Task RunActionAsync(MetlAction action)
    {
        switch (action)
        {
            case ReceiveRequestAction receive:
                var message = IncomingMessage(receive.Topic, receive.Payload, receive.ContentType, receive.FormatIndicator, receive.Qos, receive.MessageExpiry);
                message.ResponseTopic = receive.ResponseTopic.ValueOr(null);
                if (receive.CorrelationIndex.HasValue)
                {
                    message.CorrelationData = correlations.GetOrBind(receive.CorrelationIndex.Value, receive.CorrelationId);
                }

                foreach (var (key, value) in receive.Metadata.ValueOr([])!)
                {
                    AddUserProperty(message, key, value!);
                }

                if (receive.SourceIndex.HasValue)
                {
                    AddUserProperty(message, AioUserProperties.SourceId, SourceId(receive.SourceIndex.Value));
                }

                await Guarded(action, Broker.DeliverAsync(message, PacketId(receive.PacketIndex), CancellationToken)).ConfigureAwait(false);
                break;
            case AwaitPublishAction awaitPublish:
                var published = await Guarded(action, Broker.NextPublicationAsync(CancellationToken).AsTask()).ConfigureAwait(false);
                if (!awaitPublish.CorrelationIndex.IsOmitted)
                {
                    byte[]? expected = null;
                    if (awaitPublish.CorrelationIndex.HasValue && !correlations.TryGet(awaitPublish.CorrelationIndex.Value, out expected))
                    {
                        throw Fail(action, $"correlation-index {awaitPublish.CorrelationIndex.Value} was never used by a received request");
                    }

                    if (StubMqttBroker.CorrelationKey(expected) != StubMqttBroker.CorrelationKey(published.CorrelationData)
                        || (expected is not null && !expected.AsSpan().SequenceEqual(published.CorrelationData)))
                    {
                        throw Fail(action, $"expected a publication with the correlation data of index {awaitPublish.CorrelationIndex} ({CorrelationIndex.Show(expected)}), actual {CorrelationIndex.Show(published.CorrelationData)} on '{published.Topic}'");
                    }
                }

                break;
            case SyncAction sync:
                if (sync.WaitEvent.HasValue)
                {
                    await Guarded(action, Event(sync.WaitEvent.Value, action.Path).WaitAsync(CancellationToken)).ConfigureAwait(false);
                }

                if (sync.SignalEvent.HasValue)
                {
                    Event(sync.SignalEvent.Value, action.Path).Signal();
                }

                break;
            default:
                await base.RunActionAsync(action).ConfigureAwait(false);
                break;
        }
    }

    /// <inheritdoc />
    protected override async Task RunEpilogueAsync(MetlEpilogue epilogue)
    {
        CheckSubscriptionsAndCounts(epilogue);
        if (epilogue.PublishedMessages.HasValue)
        {
            foreach (var expected in epilogue.PublishedMessages.Value)
            {
                byte[]? correlation = null;
                if (expected.CorrelationIndex.HasValue && !correlations.TryGet(expected.CorrelationIndex.Value, out correlation))
                {
                    throw new MetlCheckFailedException($"{expected.Path}: correlation-index {expected.CorrelationIndex.Value} was never used by a received request");
                }

                if (!Broker.TryGetPublication(correlation, out var actual))
                {
                    throw new MetlCheckFailedException(
                        $"{expected.Path}: no response was published with the correlation data of index {expected.CorrelationIndex} ({CorrelationIndex.Show(correlation)}); published: {string.Join(", ", Broker.Publications.Select(p => $"{p.Topic} [{CorrelationIndex.Show(p.CorrelationData)}]"))}");
                }

                var failures = ComparePublished(expected, actual);
                if (failures.Count > 0)
                {
                    throw new MetlCheckFailedException($"{expected.Path} (correlation-index {expected.CorrelationIndex}): {string.Join("; ", failures)}");
                }
            }
        }

        CheckAcknowledgementCount(epilogue);
        List<int> counts;
        lock (gate)
        {
            counts = executionCounts.ToList();
        }

        if (epilogue.ExecutionCount.HasValue && epilogue.ExecutionCount.Value != counts.FirstOrDefault())
        {
            throw new MetlCheckFailedException($"epilogue.execution-count: expected {epilogue.ExecutionCount.Value}, actual {counts.FirstOrDefault()}");
        }

        foreach (var (index, count) in epilogue.ExecutionCounts.ValueOr([])!)
        {
            var actual = index < counts.Count ? counts[index] : 0;
            if (actual != count)
            {
                throw new MetlCheckFailedException($"epilogue.execution-counts[{index}]: expected {count}, actual {actual}");
            }
        }

        await CheckStopAsync(epilogue, async () =>
        {
            foreach (var executor in executors)
            {
                await executor.StopAsync(CancellationToken).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async ValueTask DisposeComponentsAsync()
    {
        foreach (var executor in executors)
        {
            await executor.DisposeAsync().ConfigureAwait(false);
        }
    }

    private AsyncCountdownEvent Event(string name, string path) =>
        events.TryGetValue(name, out var e) ? e : throw new MetlFormatException($"{path}: no countdown event named '{name}' in prologue.countdown-events");

    private async Task<ExtendedResponse<string>> HandleAsync(int index, MetlExecutor config, ExtendedRequest<string> request, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            executionCounts[index]++;
        }

        foreach (var step in config.Sync)
        {
            if (step.SignalEvent.HasValue)
            {
                Event(step.SignalEvent.Value, "sync").Signal();
            }

            if (step.WaitEvent.HasValue)
            {
                await Event(step.WaitEvent.Value, "sync").WaitAsync(cancellationToken).WaitAsync(Guard, cancellationToken).ConfigureAwait(false);
            }
        }

        if (config.RaiseError.ValueOr(false))
        {
            throw new InvalidOperationException("the METL executor was told to raise an error");
        }

        string? response = null;
        if (request.Request is { } text && config.RequestResponsesMap.HasValue)
        {
            var entry = config.RequestResponsesMap.Value.FirstOrDefault(kv => kv.Key == text);
            if (entry.Value is { Count: > 0 } responses)
            {
                lock (gate)
                {
                    rotation.TryGetValue(text, out var n);
                    rotation[text] = n + 1;
                    response = responses[n % responses.Count];
                }
            }
        }

        var metadata = new CommandResponseMetadata();
        foreach (var (key, value) in config.ResponseMetadata.ValueOr([])!)
        {
            if (value is not null)
            {
                metadata.UserData[key] = value;
            }
            else if (request.RequestMetadata.UserData.TryGetValue(key, out var copied))
            {
                metadata.UserData[key] = copied;
            }
        }

        if (config.TokenMetadataPrefix.HasValue)
        {
            foreach (var (token, value) in request.RequestMetadata.TopicTokens)
            {
                metadata.UserData[config.TokenMetadataPrefix.Value + token] = value;
            }
        }

        return new ExtendedResponse<string> { Response = response, ResponseMetadata = metadata };
    }
}
