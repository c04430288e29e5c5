using System.Buffers;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Tests.Conformance.Infrastructure;
using OrleansAio.Tests.Conformance.Model;

namespace OrleansAio.Tests.Conformance.Runners;

/// <summary>
/// Runs one METL case: checks <c>requires</c>, connects the stub MQTT client, builds the prologue's components, performs the
/// actions in order (each awaited step guarded by one minute of real time), releases a freeze still held, then checks the epilogue.
/// Suite runners add their components, actions and checks.
/// </summary>
internal abstract class MetlRunner : IAsyncDisposable
{
    /// <summary>The hang guard for every awaited step (real time, not the test clock).</summary>
    protected static readonly TimeSpan Guard = TimeSpan.FromMinutes(1);

    /// <summary>The features this runner supports (protocol.md §2.2); <c>reconnection</c> also needs the session client.</summary>
    private static readonly HashSet<string> Features = new(StringComparer.Ordinal)
    {
        "ack-ordering", "topic-filtering", "reconnection", "caching", "dispatch", "explicit-default", "multiple-serializers",
    };

    private readonly Dictionary<int, ushort> packetIds = [];
    private readonly Dictionary<int, string> sourceIds = [];
    private StubMqttClient? stubClient;
    private IAsyncDisposable? connection;

    protected MetlRunner(MetlCase metlCase, CancellationToken cancellationToken)
    {
        Case = metlCase;
        CancellationToken = cancellationToken;
        Clock = new FreezableTimeProvider();
        Broker = new StubMqttBroker(metlCase.Prologue.PushAcks);
        Logs = new TestOutputLoggerFactory(Clock);
        Context = new ApplicationContext(Clock);
        ClientId = metlCase.Prologue.ClientId.ValueOr(null) ?? $"metl-{Guid.NewGuid():N}";
    }

    /// <summary>The case being run.</summary>
    protected MetlCase Case { get; }

    /// <summary>The test's cancellation token.</summary>
    protected CancellationToken CancellationToken { get; }

    /// <summary>The test clock every component takes its time from.</summary>
    protected FreezableTimeProvider Clock { get; }

    /// <summary>The stub broker on the far side of the MQTT connection.</summary>
    protected StubMqttBroker Broker { get; }

    /// <summary>Component logs.</summary>
    protected TestOutputLoggerFactory Logs { get; }

    /// <summary>The application context shared by every component of the case.</summary>
    protected ApplicationContext Context { get; }

    /// <summary>The MQTT client ID.</summary>
    protected string ClientId { get; }

    /// <summary>The MQTT client the components run on.</summary>
    protected IMqttPubSubClient Mqtt { get; private set; } = null!;

    /// <summary>Runs a case with the runner of its suite.</summary>
    /// <param name="metlCase">The case.</param>
    /// <param name="cancellationToken">The test's cancellation token.</param>
    /// <returns>A task completing when the case passed; it throws <see cref="MetlCheckFailedException"/> when a check fails.</returns>
    public static async Task RunAsync(MetlCase metlCase, CancellationToken cancellationToken)
    {
        await using MetlRunner runner = metlCase.Suite switch
        {
            MetlSuite.TelemetrySender => new TelemetrySenderRunner(metlCase, cancellationToken),
            MetlSuite.TelemetryReceiver => new TelemetryReceiverRunner(metlCase, cancellationToken),
            MetlSuite.CommandExecutor => new CommandExecutorRunner(metlCase, cancellationToken),
            MetlSuite.CommandInvoker => new CommandInvokerRunner(metlCase, cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(metlCase)),
        };
        await runner.RunAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // Disposal never throws: a failure here must not mask the check failure that ended the case; it is logged instead.
        Clock.UnfreezeAll();
        await DisposeQuietlyAsync("components", DisposeComponentsAsync).ConfigureAwait(false);
        if (connection is not null)
        {
            await DisposeQuietlyAsync("MQTT connection", connection.DisposeAsync).ConfigureAwait(false);
        }

        await DisposeQuietlyAsync("application context", Context.DisposeAsync).ConfigureAwait(false);
    }

    /// <summary>Builds and starts the prologue's components.</summary>
    /// <returns><see langword="false"/> when the prologue's expected error occurred and the case ends there.</returns>
    protected abstract Task<bool> RunPrologueAsync();

    /// <summary>Runs the epilogue's checks, then stops the components.</summary>
    /// <param name="epilogue">The epilogue (an empty one when the case has none).</param>
    /// <returns>A task completing when every check passed.</returns>
    protected abstract Task RunEpilogueAsync(MetlEpilogue epilogue);

    /// <summary>Disposes the components without checks (always called).</summary>
    /// <returns>A task completing when done.</returns>
    protected abstract ValueTask DisposeComponentsAsync();

    /// <summary>Runs one action; the base handles the actions common to several suites.</summary>
    /// <param name="action">The action.</param>
    /// <returns>A task completing when the action is done.</returns>
    protected virtual async Task RunActionAsync(MetlAction action)
    {
        switch (action)
        {
            case AwaitAcknowledgementAction ack:
                var packetId = await Guarded(action, Broker.NextAcknowledgementAsync(CancellationToken).AsTask()).ConfigureAwait(false);
                if (ack.PacketIndex.HasValue)
                {
                    if (!packetIds.TryGetValue(ack.PacketIndex.Value, out var expected))
                    {
                        throw Fail(action, $"packet-index {ack.PacketIndex.Value} was never used by a received message");
                    }

                    if (expected != packetId)
                    {
                        throw Fail(action, $"expected the PUBACK of packet-index {ack.PacketIndex.Value} (packet ID {expected}), actual PUBACK for packet ID {packetId}");
                    }
                }

                break;
            case DisconnectAction:
                await DisconnectAsync(action).ConfigureAwait(false);
                break;
            case SleepAction sleep:
                await Guarded(action, Task.Delay(sleep.Duration, Clock, CancellationToken)).ConfigureAwait(false);
                break;
            case FreezeTimeAction:
                Clock.Freeze();
                break;
            case UnfreezeTimeAction:
                Clock.Unfreeze();
                break;
            default:
                throw new MetlFormatException($"{action.Path}: action '{action.Name}' is not handled by the {Case.Suite} runner");
        }
    }

    /// <summary>Creates a check failure naming the action.</summary>
    /// <param name="action">The action.</param>
    /// <param name="message">What is wrong.</param>
    /// <returns>The exception to throw.</returns>
    protected static MetlCheckFailedException Fail(MetlAction action, string message) => new($"{action.Path}: {message}");

    /// <summary>Awaits <paramref name="task"/> with the hang guard.</summary>
    /// <param name="action">The action, for the message.</param>
    /// <param name="task">The task.</param>
    /// <returns>A task completing with <paramref name="task"/>.</returns>
    protected static Task Guarded(MetlAction action, Task task) => Guarded(action.Path, task);

    /// <summary>Awaits <paramref name="task"/> with the hang guard.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="action">The action, for the message.</param>
    /// <param name="task">The task.</param>
    /// <returns>The task's result.</returns>
    protected static Task<T> Guarded<T>(MetlAction action, Task<T> task) => Guarded(action.Path, task);

    /// <summary>Awaits <paramref name="task"/> with the hang guard.</summary>
    /// <param name="where">What is awaited, for the message.</param>
    /// <param name="task">The task.</param>
    /// <returns>A task completing with <paramref name="task"/>.</returns>
    protected static async Task Guarded(string where, Task task)
    {
        try
        {
            await task.WaitAsync(Guard).ConfigureAwait(false);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            throw new MetlCheckFailedException($"{where}: did not complete within {Guard.TotalSeconds:0} s (hang guard)");
        }
    }

    /// <summary>Awaits <paramref name="task"/> with the hang guard.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="where">What is awaited, for the message.</param>
    /// <param name="task">The task.</param>
    /// <returns>The task's result.</returns>
    protected static async Task<T> Guarded<T>(string where, Task<T> task)
    {
        try
        {
            return await task.WaitAsync(Guard).ConfigureAwait(false);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            throw new MetlCheckFailedException($"{where}: did not complete within {Guard.TotalSeconds:0} s (hang guard)");
        }
    }

    /// <summary>The packet ID of a <c>packet-index</c>: omitted ⇒ a fresh unrecorded ID; first use ⇒ a fresh ID; later ⇒ the same.</summary>
    /// <param name="packetIndex">The packet index.</param>
    /// <returns>The packet ID.</returns>
    protected ushort PacketId(Field<int> packetIndex)
    {
        if (!packetIndex.HasValue)
        {
            return Broker.NewPacketId();
        }

        if (!packetIds.TryGetValue(packetIndex.Value, out var id))
        {
            id = Broker.NewPacketId();
            packetIds[packetIndex.Value] = id;
        }

        return id;
    }

    /// <summary>The random source ID of a <c>source-index</c>.</summary>
    /// <param name="sourceIndex">The index.</param>
    /// <returns>The ID string.</returns>
    protected string SourceId(int sourceIndex)
    {
        if (!sourceIds.TryGetValue(sourceIndex, out var id))
        {
            id = Guid.NewGuid().ToString();
            sourceIds[sourceIndex] = id;
        }

        return id;
    }

    /// <summary>Builds an incoming message holding exactly what the keys say (null ⇒ the property is absent).</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="payload">The payload text.</param>
    /// <param name="contentType">The content type.</param>
    /// <param name="formatIndicator">The format indicator.</param>
    /// <param name="qos">The QoS.</param>
    /// <param name="messageExpiry">The expiry, truncated to whole seconds.</param>
    /// <returns>The message.</returns>
    protected static MqttApplicationMessage IncomingMessage(
        Field<string> topic, Field<string> payload, Field<string> contentType, Field<int> formatIndicator, Field<int> qos, Field<TimeSpan> messageExpiry) => new()
    {
        Topic = topic.ValueOr(null) ?? string.Empty,
        Payload = payload.HasValue ? new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(payload.Value)) : ReadOnlySequence<byte>.Empty,
        ContentType = contentType.ValueOr(null),
        PayloadFormatIndicator = (MqttPayloadFormatIndicator)formatIndicator.ValueOr(0),
        QualityOfServiceLevel = (MqttQualityOfServiceLevel)qos.ValueOr(1),
        MessageExpiryInterval = messageExpiry.HasValue ? (uint)Math.Floor(messageExpiry.Value.TotalSeconds) : 0,
        UserProperties = [],
    };

    /// <summary>Adds a user property (value as UTF-8 bytes).</summary>
    /// <param name="message">The message.</param>
    /// <param name="name">The name.</param>
    /// <param name="value">The value.</param>
    protected static void AddUserProperty(MqttApplicationMessage message, string name, string value)
    {
        message.UserProperties ??= [];
        message.UserProperties.Add(new MqttUserProperty(name, Encoding.UTF8.GetBytes(value).AsMemory()));
    }

    /// <summary>The values of a user property (a name may repeat).</summary>
    /// <param name="message">The message.</param>
    /// <param name="name">The name.</param>
    /// <returns>The values.</returns>
    protected static List<string> UserProperty(MqttApplicationMessage message, string name) =>
        message.UserProperties?.Where(p => p.Name == name).Select(p => p.ReadValueAsString()).ToList() ?? [];

    /// <summary>Checks a published message against an expected one (protocol.md §2.6).</summary>
    /// <param name="expected">The expectation.</param>
    /// <param name="actual">The message.</param>
    /// <returns>The mismatches.</returns>
    protected static List<string> ComparePublished(MetlPublishedMessage expected, MqttApplicationMessage actual)
    {
        var failures = new List<string>();
        var payload = Encoding.UTF8.GetString(actual.Payload);
        if (expected.Topic.HasValue && expected.Topic.Value != actual.Topic)
        {
            failures.Add($"topic: expected '{expected.Topic.Value}', actual '{actual.Topic}'");
        }

        if (expected.Payload.HasValue && (actual.Payload.IsEmpty || expected.Payload.Value != payload))
        {
            failures.Add($"payload: expected '{expected.Payload.Value}', actual {(actual.Payload.IsEmpty ? "empty" : $"'{payload}'")}");
        }
        else if (expected.Payload.IsNull && !actual.Payload.IsEmpty)
        {
            failures.Add($"payload: expected empty, actual '{payload}'");
        }

        if (!expected.ContentType.IsOmitted && expected.ContentType.ValueOr(null) != actual.ContentType)
        {
            failures.Add($"content-type: expected {Show(expected.ContentType.ValueOr(null))}, actual {Show(actual.ContentType)}");
        }

        if (!expected.FormatIndicator.IsOmitted && expected.FormatIndicator.ValueOr(0) != (int)actual.PayloadFormatIndicator)
        {
            failures.Add($"format-indicator: expected {expected.FormatIndicator}, actual {(int)actual.PayloadFormatIndicator}");
        }

        if (expected.Metadata.HasValue)
        {
            foreach (var (name, value) in expected.Metadata.Value)
            {
                var values = UserProperty(actual, name);
                if (value is null && values.Count > 0)
                {
                    failures.Add($"metadata '{name}': expected absent, actual '{string.Join("', '", values)}'");
                }
                else if (value is not null && !values.Contains(value))
                {
                    failures.Add($"metadata '{name}': expected '{value}', actual {(values.Count == 0 ? "absent" : $"'{string.Join("', '", values)}'")}");
                }
            }
        }

        if (!expected.CommandStatus.IsOmitted)
        {
            var status = UserProperty(actual, AioUserProperties.Status).FirstOrDefault();
            var want = expected.CommandStatus.HasValue ? expected.CommandStatus.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
            if (want != status)
            {
                failures.Add($"command-status: expected {Show(want)}, actual {Show(status)}");
            }
        }

        if (expected.IsApplicationError.HasValue)
        {
            var flag = UserProperty(actual, AioUserProperties.IsApplicationError).FirstOrDefault();
            var isTrue = string.Equals(flag, "true", StringComparison.OrdinalIgnoreCase);
            var ok = expected.IsApplicationError.Value ? isTrue : flag is null || string.Equals(flag, "false", StringComparison.OrdinalIgnoreCase);
            if (!ok)
            {
                failures.Add($"is-application-error: expected {expected.IsApplicationError.Value}, actual __apErr {Show(flag)}");
            }
        }

        if (!expected.SourceId.IsOmitted)
        {
            var source = UserProperty(actual, AioUserProperties.SourceId).FirstOrDefault();
            if (expected.SourceId.ValueOr(null) != source)
            {
                failures.Add($"source-id: expected {Show(expected.SourceId.ValueOr(null))}, actual {Show(source)}");
            }
        }

        if (!expected.Expiry.IsOmitted && (uint)expected.Expiry.ValueOr(0) != actual.MessageExpiryInterval)
        {
            failures.Add($"expiry: expected {expected.Expiry}, actual {actual.MessageExpiryInterval}");
        }

        return failures;
    }

    /// <summary>Renders a possibly absent value.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The text.</returns>
    protected static string Show(string? value) => value is null ? "absent" : $"'{value}'";

    /// <summary>Checks the counts and subscriptions common to several epilogues.</summary>
    /// <param name="epilogue">The epilogue.</param>
    protected void CheckSubscriptionsAndCounts(MetlEpilogue epilogue)
    {
        if (epilogue.SubscribedTopics.HasValue)
        {
            var subscribed = Broker.SubscribedTopics;
            var missing = epilogue.SubscribedTopics.Value.Where(t => !subscribed.Contains(t)).ToList();
            if (missing.Count > 0)
            {
                throw new MetlCheckFailedException(
                    $"epilogue.subscribed-topics: never subscribed to {string.Join(", ", missing.Select(t => $"'{t}'"))}; subscribed: {string.Join(", ", subscribed.Select(t => $"'{t}'"))}");
            }
        }

        if (epilogue.PublicationCount.HasValue && epilogue.PublicationCount.Value != Broker.PublicationCount)
        {
            throw new MetlCheckFailedException(
                $"epilogue.publication-count: expected {epilogue.PublicationCount.Value}, actual {Broker.PublicationCount} (topics: {string.Join(", ", Broker.Publications.Select(p => p.Topic))})");
        }
    }

    /// <summary>Checks <c>acknowledgement-count</c>.</summary>
    /// <param name="epilogue">The epilogue.</param>
    protected void CheckAcknowledgementCount(MetlEpilogue epilogue)
    {
        if (epilogue.AcknowledgementCount.HasValue && epilogue.AcknowledgementCount.Value != Broker.AcknowledgementCount)
        {
            throw new MetlCheckFailedException(
                $"epilogue.acknowledgement-count: expected {epilogue.AcknowledgementCount.Value}, actual {Broker.AcknowledgementCount} (packet IDs acknowledged: {string.Join(", ", Broker.Acknowledgements)})");
        }
    }

    /// <summary>Compares an error raised while stopping the components with the epilogue's <c>catch</c>.</summary>
    /// <param name="epilogue">The epilogue.</param>
    /// <param name="stop">Stops every component.</param>
    /// <returns>A task completing when the check passed.</returns>
    protected static async Task CheckStopAsync(MetlEpilogue epilogue, Func<Task> stop)
    {
        Exception? error = null;
        try
        {
            await Guarded("stopping the components", stop()).ConfigureAwait(false);
        }
        catch (MetlCheckFailedException)
        {
            throw;
        }
        catch (Exception ex)
        {
            error = ex;
        }

        if (epilogue.Catch.HasValue)
        {
            MetlErrorChecker.Check(epilogue.Catch.Value, error, "epilogue.catch (stopping the components)");
        }
        else if (error is not null)
        {
            throw new MetlCheckFailedException($"stopping the components failed unexpectedly: {error}", error);
        }
    }

    private async Task DisposeQuietlyAsync(string what, Func<ValueTask> dispose)
    {
        try
        {
            await dispose().AsTask().WaitAsync(Guard).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Microsoft.Extensions.Logging.LoggerExtensions.LogWarning(Logs.CreateLogger(nameof(MetlRunner)), ex, "Disposing the {What} of {Case} failed", what, Case.FileName);
        }
    }

    private async Task RunAsync()
    {
        foreach (var feature in Case.Requires)
        {
            if (feature == "unobtanium")
            {
                Assert.Skip($"{Case.FileName} requires 'unobtanium', which no implementation provides");
            }

            if (!Features.Contains(feature))
            {
                throw new MetlFormatException($"{Case.FileName}: unknown feature '{feature}' in requires");
            }
        }

        await ConnectAsync(Case.Requires.Contains("reconnection")).ConfigureAwait(false);
        if (!await RunPrologueAsync().ConfigureAwait(false))
        {
            return;
        }

        foreach (var action in Case.Actions)
        {
            await RunActionAsync(action).ConfigureAwait(false);
        }

        Clock.UnfreezeAll();
        var empty = new MetlEpilogue(default, default, default, default, default, default, default, default, default, default);
        await RunEpilogueAsync(Case.Epilogue ?? empty).ConfigureAwait(false);
    }

    private async Task ConnectAsync(bool needsReconnection)
    {
        if (needsReconnection)
        {
            var session = await MetlSessionClient.ConnectAsync(Broker, ClientId, Logs, CancellationToken).ConfigureAwait(false);
            Mqtt = session;
            connection = session;
            return;
        }

        stubClient = Broker.CreateClient();
        await stubClient.ConnectAsync(StubOptions(ClientId), CancellationToken).ConfigureAwait(false);
        var ordered = new OrderedAckMqttClient(stubClient, new Microsoft.Extensions.Logging.Logger<OrderedAckMqttClient>(Logs));
        Mqtt = ordered;
        connection = ordered;
    }

    private async Task DisconnectAsync(MetlAction action)
    {
        await Guarded(action, Broker.LoseConnectionAsync()).ConfigureAwait(false);
        if (stubClient is not null)
        {
            // Without a session client nobody else reconnects: do what the session client would, at once, session present.
            await stubClient.ConnectAsync(stubClient.Options, CancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>MQTT options for the stub: MQTT 5, the case's client ID, persistent session.</summary>
    /// <param name="clientId">The client ID.</param>
    /// <returns>The options.</returns>
    internal static MqttClientOptions StubOptions(string clientId) => new()
    {
        ClientId = clientId,
        ProtocolVersion = MqttProtocolVersion.V500,
        CleanSession = false,
        SessionExpiryInterval = 3600,
    };
}
