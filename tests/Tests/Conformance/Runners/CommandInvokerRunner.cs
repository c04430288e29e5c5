using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Rpc;
using OrleansAio.Tests.Conformance.Infrastructure;
using OrleansAio.Tests.Conformance.Model;

namespace OrleansAio.Tests.Conformance.Runners;

/// <summary>Runs <c>CommandInvoker</c> cases against <see cref="CommandInvoker{TReq, TResp}"/>.</summary>
internal sealed class CommandInvokerRunner(MetlCase metlCase, CancellationToken cancellationToken) : MetlRunner(metlCase, cancellationToken)
{
    private readonly Dictionary<string, CommandInvoker<string, string>> invokers = new(StringComparer.Ordinal);
    private readonly Dictionary<int, (InvokeCommandAction Action, Task<ExtendedResponse<string>> Call)> invocations = [];
    private readonly CorrelationIndex correlations = new();

    /// <inheritdoc />
    protected override async Task<bool> RunPrologueAsync()
    {
        var prologue = Case.Prologue;
        for (var i = 0; i < prologue.Invokers.Count; i++)
        {
            var config = prologue.Invokers[i];
            var isLast = i == prologue.Invokers.Count - 1;
            CommandInvoker<string, string> invoker;
            try
            {
                invoker = new CommandInvoker<string, string>(Context, Mqtt, config.CommandName.Resolve("test")!, new MetlTestSerializer(config.Serializer), Logs)
                {
                    RequestTopicPattern = config.RequestTopic.Resolve(string.Empty)!,
                    TopicNamespace = config.TopicNamespace.ValueOr(null),
                    ResponseTopicPrefix = config.ResponseTopicPrefix.ValueOr(null),
                    ResponseTopicSuffix = config.ResponseTopicSuffix.ValueOr(null),
                    ResponseTopicPattern = config.ResponseTopicPattern.ValueOr(null),
                    TopicTokenMap = TokenMap(config.TopicTokenMap)!,
                };
            }
            catch (Exception ex) when (isLast && prologue.Catch.HasValue)
            {
                MetlErrorChecker.Check(prologue.Catch.Value, ex, "prologue (constructing the invoker)");
                return false;
            }

            invokers[config.CommandName.ValueOr("test")!] = invoker;
            if (isLast && prologue.Catch.HasValue)
            {
                var probe = (InvokeCommandAction)Case.PrologueProbe!;
                Exception? error = null;
                try
                {
                    await Guarded("prologue (default invoke)", StartInvoke(invoker, probe)).ConfigureAwait(false);
                }
                catch (MetlCheckFailedException)
                {
                    throw;
                }
                catch (Exception ex)
                {
                    error = ex;
                }

                MetlErrorChecker.Check(prologue.Catch.Value, error, "prologue (default invoke)");
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
            case InvokeCommandAction invoke:
                var name = invoke.CommandName.ValueOr("test")!;
                if (!invokers.TryGetValue(name, out var invoker))
                {
                    throw new MetlFormatException($"{action.Path}: no invoker has command-name '{name}'");
                }

                invocations[invoke.InvocationIndex] = (invoke, StartInvoke(invoker, invoke));
                break;
            case AwaitInvocationAction awaitInvocation:
                if (!invocations.TryGetValue(awaitInvocation.InvocationIndex, out var pending))
                {
                    throw new MetlFormatException($"{action.Path}: invocation-index {awaitInvocation.InvocationIndex} was never invoked");
                }

                Exception? error = null;
                ExtendedResponse<string> response = default;
                try
                {
                    response = await Guarded(action, pending.Call).ConfigureAwait(false);
                }
                catch (MetlCheckFailedException)
                {
                    throw;
                }
                catch (Exception ex)
                {
                    error = ex;
                }

                if (awaitInvocation.Catch.HasValue)
                {
                    MetlErrorChecker.Check(awaitInvocation.Catch.Value, error, action.Path);
                    break;
                }

                if (error is not null)
                {
                    throw Fail(action, $"the invocation failed unexpectedly: {error}");
                }

                if (!awaitInvocation.ResponseValue.IsOmitted && awaitInvocation.ResponseValue.ValueOr(null) != response.Response)
                {
                    throw Fail(action, $"response-value: expected {Show(awaitInvocation.ResponseValue.ValueOr(null))}, actual {Show(response.Response)}");
                }

                foreach (var (key, value) in awaitInvocation.Metadata.ValueOr([])!)
                {
                    string? got = null;
                    if (response.ResponseMetadata?.UserData.TryGetValue(key, out got) != true || got != value)
                    {
                        throw Fail(action, $"metadata '{key}': expected {Show(value)}, actual {Show(got)}");
                    }
                }

                break;
            case AwaitPublishAction awaitPublish:
                var published = await Guarded(action, Broker.NextPublicationAsync(CancellationToken).AsTask()).ConfigureAwait(false);
                if (awaitPublish.CorrelationIndex.HasValue)
                {
                    correlations.Bind(awaitPublish.CorrelationIndex.Value, published.CorrelationData);
                }

                break;
            case ReceiveResponseAction receive:
                var message = IncomingMessage(receive.Topic, receive.Payload, receive.ContentType, receive.FormatIndicator, receive.Qos, receive.MessageExpiry);
                if (receive.CorrelationIndex.HasValue)
                {
                    if (!correlations.TryGet(receive.CorrelationIndex.Value, out var correlation))
                    {
                        throw new MetlFormatException($"{action.Path}: correlation-index {receive.CorrelationIndex.Value} is not bound by an earlier 'await publish'");
                    }

                    message.CorrelationData = correlation;
                }

                foreach (var (key, value) in receive.Metadata.ValueOr([])!)
                {
                    AddUserProperty(message, key, value!);
                }

                AddIfPresent(message, AioUserProperties.Status, receive.Status);
                AddIfPresent(message, AioUserProperties.StatusMessage, receive.StatusMessage);
                AddIfPresent(message, AioUserProperties.IsApplicationError, receive.IsApplicationError);
                AddIfPresent(message, AioUserProperties.InvalidPropertyName, receive.InvalidPropertyName);
                AddIfPresent(message, AioUserProperties.InvalidPropertyValue, receive.InvalidPropertyValue);
                await Guarded(action, Broker.DeliverAsync(message, PacketId(receive.PacketIndex), CancellationToken)).ConfigureAwait(false);
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
                    throw new MetlCheckFailedException($"{expected.Path}: correlation-index {expected.CorrelationIndex.Value} was never bound by 'await publish'");
                }

                if (!Broker.TryGetPublication(correlation, out var actual))
                {
                    throw new MetlCheckFailedException($"{expected.Path}: no request was published with the correlation data of index {expected.CorrelationIndex} ({CorrelationIndex.Show(correlation)})");
                }

                var failures = ComparePublished(expected, actual);
                if (failures.Count > 0)
                {
                    throw new MetlCheckFailedException($"{expected.Path} (correlation-index {expected.CorrelationIndex}): {string.Join("; ", failures)}");
                }
            }
        }

        CheckAcknowledgementCount(epilogue);
        await CheckStopAsync(epilogue, async () =>
        {
            foreach (var invoker in invokers.Values)
            {
                await invoker.StopAsync(CancellationToken).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async ValueTask DisposeComponentsAsync()
    {
        foreach (var invoker in invokers.Values)
        {
            await invoker.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var (_, call) in invocations.Values)
        {
            // Invocations the case never awaited end with the invoker; observe them so their errors are not unobserved.
            _ = call.Exception;
        }
    }

    private static Dictionary<string, string>? TokenMap(Field<IReadOnlyList<KeyValuePair<string, string?>>> map) =>
        map.HasValue ? map.Value.ToDictionary(kv => kv.Key, kv => kv.Value!, StringComparer.Ordinal) : new Dictionary<string, string>();

    private static void AddIfPresent(MQTTnet.MqttApplicationMessage message, string name, Field<string> value)
    {
        if (value.HasValue)
        {
            AddUserProperty(message, name, value.Value);
        }
    }

    private Task<ExtendedResponse<string>> StartInvoke(CommandInvoker<string, string> invoker, InvokeCommandAction invoke)
    {
        CommandRequestMetadata? metadata = null;
        if (invoke.Metadata.HasValue)
        {
            metadata = new CommandRequestMetadata();
            foreach (var (key, value) in invoke.Metadata.Value)
            {
                metadata.UserData[key] = value!;
            }
        }

        return invoker.InvokeCommandAsync(
            invoke.RequestValue.ValueOr(null),
            metadata,
            invoke.TopicTokenMap.HasValue ? TokenMap(invoke.TopicTokenMap) : null,
            invoke.Timeout.HasValue ? invoke.Timeout.Value : null,
            CancellationToken);
    }
}
