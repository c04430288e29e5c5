namespace OrleansAio.Tests.Conformance.Model;

/// <summary>The four METL suites; each folder of cases is one suite.</summary>
internal enum MetlSuite
{
    /// <summary>Cases driving a command executor.</summary>
    CommandExecutor,

    /// <summary>Cases driving a command invoker.</summary>
    CommandInvoker,

    /// <summary>Cases driving a telemetry receiver.</summary>
    TelemetryReceiver,

    /// <summary>Cases driving a telemetry sender.</summary>
    TelemetrySender,
}

/// <summary>What a component acknowledges an outgoing PUBLISH, SUBSCRIBE or UNSUBSCRIBE with.</summary>
internal enum AckKind
{
    /// <summary>Acknowledge with success.</summary>
    Success,

    /// <summary>Acknowledge with "unspecified error".</summary>
    Fail,

    /// <summary>Never acknowledge.</summary>
    Drop,
}

/// <summary>One METL test case with defaults applied.</summary>
internal sealed record MetlCase(
    string FileName,
    MetlSuite Suite,
    string TestName,
    string Condition,
    string Expect,
    IReadOnlyList<string> Requires,
    MetlPrologue Prologue,
    IReadOnlyList<MetlAction> Actions,
    MetlEpilogue? Epilogue,
    MetlAction? PrologueProbe);

/// <summary>The expected error of an operation (<c>catch</c>).</summary>
internal sealed record MetlCatch(
    string ErrorKind,
    Field<bool> IsShallow,
    Field<bool> IsRemote,
    Field<string> Message,
    IReadOnlyList<KeyValuePair<string, string?>> Supplemental,
    string Path);

/// <summary>Queues of acknowledgement kinds for outgoing packets.</summary>
internal sealed record MetlPushAcks(IReadOnlyList<AckKind> Publish, IReadOnlyList<AckKind> Subscribe, IReadOnlyList<AckKind> Unsubscribe)
{
    /// <summary>No scripted acknowledgements: everything succeeds.</summary>
    public static MetlPushAcks None { get; } = new([], [], []);
}

/// <summary>The prologue: MQTT configuration, scripted ACKs, components, expected setup error.</summary>
internal sealed record MetlPrologue(
    Field<string> ClientId,
    MetlPushAcks PushAcks,
    Field<MetlCatch> Catch,
    IReadOnlyList<KeyValuePair<string, int>> CountdownEvents,
    IReadOnlyList<MetlExecutor> Executors,
    IReadOnlyList<MetlInvoker> Invokers,
    IReadOnlyList<MetlReceiver> Receivers,
    IReadOnlyList<MetlSender> Senders);

/// <summary>The test serializer's configuration (protocol.md §2.3).</summary>
internal sealed record MetlSerializer(
    Field<string> OutContentType,
    Field<IReadOnlyList<string>> AcceptContentTypes,
    Field<bool> IndicateCharacterData,
    Field<bool> AllowCharacterData,
    Field<bool> FailDeserialization);

/// <summary>A <c>sync</c> step: signal or wait on a countdown event.</summary>
internal sealed record MetlSyncStep(Field<string> SignalEvent, Field<string> WaitEvent);

/// <summary>An executor of the prologue.</summary>
internal sealed record MetlExecutor(
    Field<string> CommandName,
    MetlSerializer Serializer,
    Field<string> RequestTopic,
    Field<string> ExecutorId,
    Field<string> TopicNamespace,
    Field<IReadOnlyList<KeyValuePair<string, string?>>> TopicTokenMap,
    Field<bool> Idempotent,
    Field<TimeSpan> CacheTtl,
    Field<TimeSpan> ExecutionTimeout,
    Field<IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>?>>> RequestResponsesMap,
    Field<IReadOnlyList<KeyValuePair<string, string?>>> ResponseMetadata,
    Field<string> TokenMetadataPrefix,
    Field<int> ExecutionConcurrency,
    Field<bool> RaiseError,
    IReadOnlyList<MetlSyncStep> Sync);

/// <summary>An invoker of the prologue.</summary>
internal sealed record MetlInvoker(
    Field<string> CommandName,
    MetlSerializer Serializer,
    Field<string> RequestTopic,
    Field<string> TopicNamespace,
    Field<string> ResponseTopicPrefix,
    Field<string> ResponseTopicSuffix,
    Field<IReadOnlyList<KeyValuePair<string, string?>>> TopicTokenMap,
    Field<string> ResponseTopicPattern);

/// <summary>A telemetry receiver of the prologue.</summary>
internal sealed record MetlReceiver(
    MetlSerializer Serializer,
    Field<string> TelemetryTopic,
    Field<string> TopicNamespace,
    Field<IReadOnlyList<KeyValuePair<string, string?>>> TopicTokenMap,
    Field<bool> RaiseError);

/// <summary>A telemetry sender of the prologue.</summary>
internal sealed record MetlSender(
    Field<string> TelemetryName,
    MetlSerializer Serializer,
    Field<string> TelemetryTopic,
    Field<string> TopicNamespace,
    Field<IReadOnlyList<KeyValuePair<string, string?>>> TopicTokenMap);

/// <summary>A CloudEvent given to <c>send telemetry</c>.</summary>
internal sealed record MetlOriginatingCloudEvent(
    Field<string> Source,
    Field<string> Type,
    Field<string> SpecVersion,
    Field<string> Id,
    Field<string> Time,
    Field<string> Subject,
    Field<string> DataSchema);

/// <summary>A CloudEvent expected on a received telemetry.</summary>
internal sealed record MetlReceivedCloudEvent(
    Field<string> Source,
    Field<string> Type,
    Field<string> SpecVersion,
    Field<string> Id,
    Field<string> Time,
    Field<string> DataContentType,
    Field<string> Subject,
    Field<string> DataSchema);

/// <summary>One action; <see cref="Path"/> locates it in the case for failure messages.</summary>
internal abstract record MetlAction(string Path)
{
    /// <summary>The action's name as written in the case.</summary>
    public abstract string Name { get; }
}

/// <summary><c>receive request</c> (executor).</summary>
internal sealed record ReceiveRequestAction(
    string Path,
    Field<string> Topic,
    Field<string> Payload,
    Field<string> ContentType,
    Field<int> FormatIndicator,
    Field<IReadOnlyList<KeyValuePair<string, string?>>> Metadata,
    Field<int> CorrelationIndex,
    Field<string> CorrelationId,
    Field<int> Qos,
    Field<TimeSpan> MessageExpiry,
    Field<string> ResponseTopic,
    Field<int> SourceIndex,
    Field<int> PacketIndex) : MetlAction(Path)
{
    /// <inheritdoc />
    public override string Name => "receive request";
}

/// <summary><c>receive response</c> (invoker).</summary>
internal sealed record ReceiveResponseAction(
    string Path,
    Field<string> Topic,
    Field<string> Payload,
    Field<string> ContentType,
    Field<int> FormatIndicator,
    Field<IReadOnlyList<KeyValuePair<string, string?>>> Metadata,
    Field<int> CorrelationIndex,
    Field<int> Qos,
    Field<TimeSpan> MessageExpiry,
    Field<string> Status,
    Field<string> StatusMessage,
    Field<string> IsApplicationError,
    Field<string> InvalidPropertyName,
    Field<string> InvalidPropertyValue,
    Field<int> PacketIndex) : MetlAction(Path)
{
    /// <inheritdoc />
    public override string Name => "receive response";
}

/// <summary><c>receive telemetry</c> (receiver).</summary>
internal sealed record ReceiveTelemetryAction(
    string Path,
    Field<string> Topic,
    Field<string> Payload,
    Field<string> ContentType,
    Field<int> FormatIndicator,
    Field<IReadOnlyList<KeyValuePair<string, string?>>> Metadata,
    Field<int> Qos,
    Field<TimeSpan> MessageExpiry,
    Field<int> SourceIndex,
    Field<int> PacketIndex) : MetlAction(Path)
{
    /// <inheritdoc />
    public override string Name => "receive telemetry";
}

/// <summary><c>await publish</c> (all suites; the correlation index is a check for executors, a binding for invokers).</summary>
internal sealed record AwaitPublishAction(string Path, Field<int> CorrelationIndex) : MetlAction(Path)
{
    /// <inheritdoc />
    public override string Name => "await publish";
}

/// <summary><c>await acknowledgement</c>.</summary>
internal sealed record AwaitAcknowledgementAction(string Path, Field<int> PacketIndex) : MetlAction(Path)
{
    /// <inheritdoc />
    public override string Name => "await acknowledgement";
}

/// <summary><c>sync</c> from the test thread: wait on, then signal, countdown events.</summary>
internal sealed record SyncAction(string Path, Field<string> SignalEvent, Field<string> WaitEvent) : MetlAction(Path)
{
    /// <inheritdoc />
    public override string Name => "sync";
}

/// <summary><c>disconnect</c>.</summary>
internal sealed record DisconnectAction(string Path) : MetlAction(Path)
{
    /// <inheritdoc />
    public override string Name => "disconnect";
}

/// <summary><c>sleep</c> on the test clock.</summary>
internal sealed record SleepAction(string Path, TimeSpan Duration) : MetlAction(Path)
{
    /// <inheritdoc />
    public override string Name => "sleep";
}

/// <summary><c>freeze time</c>.</summary>
internal sealed record FreezeTimeAction(string Path) : MetlAction(Path)
{
    /// <inheritdoc />
    public override string Name => "freeze time";
}

/// <summary><c>unfreeze time</c>.</summary>
internal sealed record UnfreezeTimeAction(string Path) : MetlAction(Path)
{
    /// <inheritdoc />
    public override string Name => "unfreeze time";
}

/// <summary><c>invoke command</c>.</summary>
internal sealed record InvokeCommandAction(
    string Path,
    int InvocationIndex,
    Field<string> CommandName,
    Field<IReadOnlyList<KeyValuePair<string, string?>>> TopicTokenMap,
    Field<TimeSpan> Timeout,
    Field<string> RequestValue,
    Field<IReadOnlyList<KeyValuePair<string, string?>>> Metadata) : MetlAction(Path)
{
    /// <inheritdoc />
    public override string Name => "invoke command";
}

/// <summary><c>await invocation</c>.</summary>
internal sealed record AwaitInvocationAction(
    string Path,
    int InvocationIndex,
    Field<MetlCatch> Catch,
    Field<string> ResponseValue,
    Field<IReadOnlyList<KeyValuePair<string, string?>>> Metadata) : MetlAction(Path)
{
    /// <inheritdoc />
    public override string Name => "await invocation";
}

/// <summary><c>send telemetry</c>.</summary>
internal sealed record SendTelemetryAction(
    string Path,
    Field<string> TelemetryName,
    Field<IReadOnlyList<KeyValuePair<string, string?>>> TopicTokenMap,
    Field<TimeSpan> Timeout,
    Field<string> TelemetryValue,
    Field<IReadOnlyList<KeyValuePair<string, string?>>> Metadata,
    Field<MetlOriginatingCloudEvent> CloudEvent,
    Field<int> Qos) : MetlAction(Path)
{
    /// <inheritdoc />
    public override string Name => "send telemetry";
}

/// <summary><c>await send</c>.</summary>
internal sealed record AwaitSendAction(string Path, Field<MetlCatch> Catch) : MetlAction(Path)
{
    /// <inheritdoc />
    public override string Name => "await send";
}

/// <summary>An expected published message (request, response or telemetry).</summary>
internal sealed record MetlPublishedMessage(
    string Path,
    Field<int> CorrelationIndex,
    Field<string> Topic,
    Field<string> Payload,
    Field<string> ContentType,
    Field<int> FormatIndicator,
    Field<IReadOnlyList<KeyValuePair<string, string?>>> Metadata,
    Field<int> CommandStatus,
    Field<bool> IsApplicationError,
    Field<string> SourceId,
    Field<int> Expiry);

/// <summary>An expected telemetry delivered to the receiver's callback.</summary>
internal sealed record MetlReceivedTelemetry(
    string Path,
    Field<string> TelemetryValue,
    Field<IReadOnlyList<KeyValuePair<string, string?>>> Metadata,
    Field<IReadOnlyList<KeyValuePair<string, string?>>> TopicTokens,
    Field<int> SourceIndex,
    Field<MetlReceivedCloudEvent> CloudEvent);

/// <summary>The epilogue checks.</summary>
internal sealed record MetlEpilogue(
    Field<IReadOnlyList<string>> SubscribedTopics,
    Field<int> PublicationCount,
    Field<IReadOnlyList<MetlPublishedMessage>> PublishedMessages,
    Field<int> AcknowledgementCount,
    Field<int> ExecutionCount,
    Field<IReadOnlyList<KeyValuePair<int, int>>> ExecutionCounts,
    Field<int> TelemetryCount,
    Field<IReadOnlyList<KeyValuePair<int, int>>> TelemetryCounts,
    Field<IReadOnlyList<MetlReceivedTelemetry>> ReceivedTelemetries,
    Field<MetlCatch> Catch);
