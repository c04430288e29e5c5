namespace OrleansAio.Tests.Conformance.Model;

/// <summary>Parses a METL case (YAML) with its folder's defaults (TOML) into a <see cref="MetlCase"/>, rejecting unknown keys.</summary>
internal static class MetlCaseParser
{
    private static readonly Dictionary<MetlSuite, string[]> SuiteActions = new()
    {
        [MetlSuite.CommandExecutor] = ["receive request", "await publish", "sync", "await acknowledgement", "disconnect", "sleep", "freeze time", "unfreeze time"],
        [MetlSuite.CommandInvoker] = ["invoke command", "await invocation", "await publish", "receive response", "await acknowledgement", "disconnect", "sleep", "freeze time", "unfreeze time"],
        [MetlSuite.TelemetryReceiver] = ["receive telemetry", "await acknowledgement", "disconnect", "sleep", "freeze time", "unfreeze time"],
        [MetlSuite.TelemetrySender] = ["send telemetry", "await send", "await publish", "disconnect"],
    };

    /// <summary>Parses a case.</summary>
    /// <param name="yaml">The case text.</param>
    /// <param name="fileName">The case's file name, for messages.</param>
    /// <param name="suite">The suite the case belongs to.</param>
    /// <param name="defaults">The folder's defaults, or <see langword="null"/>.</param>
    /// <returns>The case.</returns>
    public static MetlCase Parse(string yaml, string fileName, MetlSuite suite, MetlMap? defaults)
    {
        try
        {
            var root = MetlDefaults.Apply(MetlNode.FromYaml(yaml, fileName), defaults);
            var r = MetlReader.Of(root);
            var testName = Required(r.String("test-name"), "test-name");
            var description = MetlReader.Of(Required(r.Node("description"), "description"));
            var condition = description.String("condition").ValueOr(string.Empty)!;
            var expect = description.String("expect").ValueOr(string.Empty)!;
            description.Done();
            var requires = r.StringList("requires").ValueOr([])!;
            var prologue = ParsePrologue(Required(r.Map("prologue"), "prologue"), suite);
            var actions = r.List("actions").ValueOr([])!.Select(a => ParseAction(a, suite)).ToList();
            var epilogue = r.Map("epilogue");
            var parsedEpilogue = epilogue.HasValue ? ParseEpilogue(epilogue.Value, suite) : null;
            r.Done();
            return new MetlCase(fileName, suite, testName, condition, expect, requires, prologue, actions, parsedEpilogue, DefaultProbe(suite, defaults));
        }
        catch (MetlFormatException ex)
        {
            throw new MetlFormatException($"{fileName}: {ex.Message}", ex);
        }
    }

    // Invokers and senders have no start step: a prologue catch is surfaced by one default invoke/send (protocol.md §2.4).
    private static MetlAction? DefaultProbe(MetlSuite suite, MetlMap? defaults)
    {
        List<KeyValuePair<string, MetlNode>> entries = suite switch
        {
            MetlSuite.CommandInvoker =>
            [
                new("action", new MetlScalar("prologue.probe.action", "invoke command", quoted: false)),
                new("invocation-index", new MetlScalar("prologue.probe.invocation-index", "0", quoted: false)),
            ],
            MetlSuite.TelemetrySender => [new("action", new MetlScalar("prologue.probe.action", "send telemetry", quoted: false))],
            _ => [],
        };
        if (entries.Count == 0)
        {
            return null;
        }

        var root = new MetlMap(string.Empty, [new("actions", new MetlList("prologue.probe", [new MetlMap("prologue.probe", entries)]))]);
        var merged = (MetlMap)MetlDefaults.Apply(root, defaults);
        merged.TryGet("actions", out var list);
        return ParseAction(((MetlList)list).Items[0], suite);
    }

    private static T Required<T>(Field<T> field, string key) =>
        field.HasValue ? field.Value : throw new MetlFormatException($"required key '{key}' is {(field.IsNull ? "null" : "missing")}");

    private static MetlPrologue ParsePrologue(MetlReader r, MetlSuite suite)
    {
        var clientId = Field<string>.Omitted;
        var mqtt = r.Map("mqtt-config");
        if (mqtt.HasValue)
        {
            clientId = mqtt.Value.String("client-id");
            mqtt.Value.Done();
        }

        var pushAcks = MetlPushAcks.None;
        var acks = r.Map("push-acks");
        if (acks.HasValue)
        {
            pushAcks = new MetlPushAcks(AckList(acks.Value, "publish"), AckList(acks.Value, "subscribe"), AckList(acks.Value, "unsubscribe"));
            acks.Value.Done();
        }

        var catchField = ParseCatch(r.Map("catch"));
        IReadOnlyList<KeyValuePair<string, int>> countdowns = [];
        IReadOnlyList<MetlExecutor> executors = [];
        IReadOnlyList<MetlInvoker> invokers = [];
        IReadOnlyList<MetlReceiver> receivers = [];
        IReadOnlyList<MetlSender> senders = [];
        switch (suite)
        {
            case MetlSuite.CommandExecutor:
                countdowns = r.StringMap("countdown-events", allowNullValues: false).ValueOr([])!
                    .Select(kv => new KeyValuePair<string, int>(kv.Key, ParseCount(kv.Value!, r.Path, kv.Key))).ToList();
                executors = r.List("executors").ValueOr([])!.Select(n => ParseExecutor(MetlReader.Of(n))).ToList();
                break;
            case MetlSuite.CommandInvoker:
                invokers = r.List("invokers").ValueOr([])!.Select(n => ParseInvoker(MetlReader.Of(n))).ToList();
                break;
            case MetlSuite.TelemetryReceiver:
                receivers = r.List("receivers").ValueOr([])!.Select(n => ParseReceiver(MetlReader.Of(n))).ToList();
                break;
            case MetlSuite.TelemetrySender:
                senders = r.List("senders").ValueOr([])!.Select(n => ParseSender(MetlReader.Of(n))).ToList();
                break;
        }

        r.Done();
        return new MetlPrologue(clientId, pushAcks, catchField, countdowns, executors, invokers, receivers, senders);
    }

    private static int ParseCount(string text, string path, string name) =>
        int.TryParse(text, out var count) && count > 0
            ? count
            : throw new MetlFormatException($"{path}.countdown-events.{name}: the initial count must be an integer > 0, found '{text}'");

    private static List<AckKind> AckList(MetlReader r, string key) =>
        r.StringList(key).ValueOr([])!.Select(s => s switch
        {
            "success" => AckKind.Success,
            "fail" => AckKind.Fail,
            "drop" => AckKind.Drop,
            _ => throw new MetlFormatException($"{r.Path}.{key}: unknown ack kind '{s}'; expected success, fail or drop"),
        }).ToList();

    private static Field<MetlCatch> ParseCatch(Field<MetlReader> field)
    {
        if (!field.HasValue)
        {
            return field.IsNull ? Field<MetlCatch>.Null : Field<MetlCatch>.Omitted;
        }

        var r = field.Value;
        var kind = Required(r.String("error-kind"), "error-kind");
        var c = new MetlCatch(
            kind,
            r.Bool("is-shallow"),
            r.Bool("is-remote"),
            r.String("message"),
            r.StringMap("supplemental", allowNullValues: true).ValueOr([])!,
            r.Path);
        r.Done();
        return Field<MetlCatch>.Of(c);
    }

    private static MetlSerializer ParseSerializer(Field<MetlReader> field)
    {
        if (!field.HasValue)
        {
            return new MetlSerializer(default, default, default, default, default);
        }

        var r = field.Value;
        var s = new MetlSerializer(
            r.String("out-content-type"),
            r.StringList("accept-content-types"),
            r.Bool("indicate-character-data"),
            r.Bool("allow-character-data"),
            r.Bool("fail-deserialization"));
        r.Done();
        return s;
    }

    private static MetlExecutor ParseExecutor(MetlReader r)
    {
        var responses = r.Node("request-responses-map");
        var responsesMap = responses.State switch
        {
            FieldState.Value => Field<IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>?>>>.Of(
                responses.Value is MetlMap m
                    ? m.Entries.Select(e => new KeyValuePair<string, IReadOnlyList<string>?>(
                        e.Key,
                        e.Value is MetlNull ? null : MetlReader.AsList(e.Value).Select(MetlReader.AsString).ToList())).ToList()
                    : throw new MetlFormatException($"{responses.Value.Path}: expected a map")),
            FieldState.Null => Field<IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>?>>>.Null,
            _ => Field<IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>?>>>.Omitted,
        };

        var e = new MetlExecutor(
            r.String("command-name"),
            ParseSerializer(r.Map("serializer")),
            r.String("request-topic"),
            r.String("executor-id"),
            r.String("topic-namespace"),
            r.StringMap("topic-token-map", allowNullValues: false),
            r.Bool("idempotent"),
            r.Duration("cache-ttl"),
            r.Duration("execution-timeout"),
            responsesMap,
            r.StringMap("response-metadata", allowNullValues: true),
            r.String("token-metadata-prefix"),
            r.Int("execution-concurrency"),
            r.Bool("raise-error"),
            r.List("sync").ValueOr([])!.Select(ParseSync).ToList());
        r.Done();
        return e;
    }

    private static MetlSyncStep ParseSync(MetlNode node)
    {
        var r = MetlReader.Of(node);
        var s = new MetlSyncStep(r.String("signal-event"), r.String("wait-event"));
        r.Done();
        return s;
    }

    private static MetlInvoker ParseInvoker(MetlReader r)
    {
        var i = new MetlInvoker(
            r.String("command-name"),
            ParseSerializer(r.Map("serializer")),
            r.String("request-topic"),
            r.String("topic-namespace"),
            r.String("response-topic-prefix"),
            r.String("response-topic-suffix"),
            r.StringMap("topic-token-map", allowNullValues: false),
            r.String("response-topic-pattern"));
        r.Done();
        return i;
    }

    private static MetlReceiver ParseReceiver(MetlReader r)
    {
        var x = new MetlReceiver(
            ParseSerializer(r.Map("serializer")),
            r.String("telemetry-topic"),
            r.String("topic-namespace"),
            r.StringMap("topic-token-map", allowNullValues: false),
            r.Bool("raise-error"));
        r.Done();
        return x;
    }

    private static MetlSender ParseSender(MetlReader r)
    {
        var x = new MetlSender(
            r.String("telemetry-name"),
            ParseSerializer(r.Map("serializer")),
            r.String("telemetry-topic"),
            r.String("topic-namespace"),
            r.StringMap("topic-token-map", allowNullValues: false));
        r.Done();
        return x;
    }

    private static MetlAction ParseAction(MetlNode node, MetlSuite suite)
    {
        var r = MetlReader.Of(node);
        var name = Required(r.String("action"), "action");
        if (!SuiteActions[suite].Contains(name))
        {
            throw new MetlFormatException($"{r.Path}: action '{name}' is not defined for {suite}; expected one of {string.Join(", ", SuiteActions[suite])}");
        }

        var path = $"{r.Path} ({name})";
        MetlAction action = name switch
        {
            "receive request" => new ReceiveRequestAction(
                path, r.String("topic"), r.String("payload"), r.String("content-type"), r.Int("format-indicator"),
                r.StringMap("metadata", allowNullValues: false), r.Int("correlation-index"), r.String("correlation-id"), r.Int("qos"),
                r.Duration("message-expiry"), r.String("response-topic"), r.Int("source-index"), r.Int("packet-index")),
            "receive response" => new ReceiveResponseAction(
                path, r.String("topic"), r.String("payload"), r.String("content-type"), r.Int("format-indicator"),
                r.StringMap("metadata", allowNullValues: false), r.Int("correlation-index"), r.Int("qos"), r.Duration("message-expiry"),
                r.String("status"), r.String("status-message"), r.String("is-application-error"), r.String("invalid-property-name"),
                r.String("invalid-property-value"), r.Int("packet-index")),
            "receive telemetry" => new ReceiveTelemetryAction(
                path, r.String("topic"), r.String("payload"), r.String("content-type"), r.Int("format-indicator"),
                r.StringMap("metadata", allowNullValues: false), r.Int("qos"), r.Duration("message-expiry"), r.Int("source-index"),
                r.Int("packet-index")),
            "await publish" => new AwaitPublishAction(path, suite == MetlSuite.TelemetrySender ? default : r.Int("correlation-index")),
            "await acknowledgement" => new AwaitAcknowledgementAction(path, r.Int("packet-index")),
            "sync" => new SyncAction(path, r.String("signal-event"), r.String("wait-event")),
            "disconnect" => new DisconnectAction(path),
            "sleep" => new SleepAction(path, Required(r.Duration("duration"), "duration")),
            "freeze time" => new FreezeTimeAction(path),
            "unfreeze time" => new UnfreezeTimeAction(path),
            "invoke command" => new InvokeCommandAction(
                path, Required(r.Int("invocation-index"), "invocation-index"), r.String("command-name"),
                r.StringMap("topic-token-map", allowNullValues: false), r.Duration("timeout"), r.String("request-value"),
                r.StringMap("metadata", allowNullValues: false)),
            "await invocation" => new AwaitInvocationAction(
                path, Required(r.Int("invocation-index"), "invocation-index"), ParseCatch(r.Map("catch")), r.String("response-value"),
                r.StringMap("metadata", allowNullValues: false)),
            "send telemetry" => new SendTelemetryAction(
                path, r.String("telemetry-name"), r.StringMap("topic-token-map", allowNullValues: false), r.Duration("timeout"),
                r.String("telemetry-value"), r.StringMap("metadata", allowNullValues: false), ParseOriginatingCloudEvent(r.Map("cloud-event")),
                r.Int("qos")),
            "await send" => new AwaitSendAction(path, ParseCatch(r.Map("catch"))),
            _ => throw new MetlFormatException($"{r.Path}: unknown action '{name}'"),
        };
        r.Done();
        return action;
    }

    private static Field<MetlOriginatingCloudEvent> ParseOriginatingCloudEvent(Field<MetlReader> field)
    {
        if (!field.HasValue)
        {
            return field.IsNull ? Field<MetlOriginatingCloudEvent>.Null : Field<MetlOriginatingCloudEvent>.Omitted;
        }

        var r = field.Value;
        var ce = new MetlOriginatingCloudEvent(
            r.String("source"), r.String("type"), r.String("spec-version"), r.String("id"), r.String("time"), r.String("subject"),
            r.String("data-schema"));
        r.Done();
        return Field<MetlOriginatingCloudEvent>.Of(ce);
    }

    private static MetlEpilogue ParseEpilogue(MetlReader r, MetlSuite suite)
    {
        var isExecutor = suite == MetlSuite.CommandExecutor;
        var isReceiver = suite == MetlSuite.TelemetryReceiver;
        var isSender = suite == MetlSuite.TelemetrySender;
        var e = new MetlEpilogue(
            isSender ? default : r.StringList("subscribed-topics"),
            isReceiver ? default : r.Int("publication-count"),
            isReceiver ? default : ListOf(r.List("published-messages"), n => ParsePublished(n, suite)),
            isSender ? default : r.Int("acknowledgement-count"),
            isExecutor ? r.Int("execution-count") : default,
            isExecutor ? IndexCounts(r.StringMap("execution-counts", allowNullValues: false), r.Path) : default,
            isReceiver ? r.Int("telemetry-count") : default,
            isReceiver ? IndexCounts(r.StringMap("telemetry-counts", allowNullValues: false), r.Path) : default,
            isReceiver ? ListOf(r.List("received-telemetries"), ParseReceivedTelemetry) : default,
            isExecutor || isReceiver ? ParseCatch(r.Map("catch")) : default);
        r.Done();
        return e;
    }

    private static Field<IReadOnlyList<T>> ListOf<T>(Field<IReadOnlyList<MetlNode>> field, Func<MetlNode, T> parse) => field.State switch
    {
        FieldState.Value => Field<IReadOnlyList<T>>.Of(field.Value.Select(parse).ToList()),
        FieldState.Null => Field<IReadOnlyList<T>>.Null,
        _ => Field<IReadOnlyList<T>>.Omitted,
    };

    private static Field<IReadOnlyList<KeyValuePair<int, int>>> IndexCounts(Field<IReadOnlyList<KeyValuePair<string, string?>>> field, string path)
    {
        if (!field.HasValue)
        {
            return field.IsNull ? Field<IReadOnlyList<KeyValuePair<int, int>>>.Null : Field<IReadOnlyList<KeyValuePair<int, int>>>.Omitted;
        }

        return Field<IReadOnlyList<KeyValuePair<int, int>>>.Of(field.Value.Select(kv =>
            int.TryParse(kv.Key, out var index) && int.TryParse(kv.Value, out var count)
                ? new KeyValuePair<int, int>(index, count)
                : throw new MetlFormatException($"{path}: counts must map an integer index to an integer count, found '{kv.Key}: {kv.Value}'")).ToList());
    }

    private static MetlPublishedMessage ParsePublished(MetlNode node, MetlSuite suite)
    {
        var r = MetlReader.Of(node);
        var isExecutor = suite == MetlSuite.CommandExecutor;
        var isSender = suite == MetlSuite.TelemetrySender;
        var m = new MetlPublishedMessage(
            r.Path,
            isSender ? default : r.Int("correlation-index"),
            r.String("topic"),
            r.String("payload"),
            r.String("content-type"),
            r.Int("format-indicator"),
            r.StringMap("metadata", allowNullValues: true),
            isExecutor ? r.Int("command-status") : default,
            isExecutor ? r.Bool("is-application-error") : default,
            isExecutor ? default : r.String("source-id"),
            r.Int("expiry"));
        r.Done();
        return m;
    }

    private static MetlReceivedTelemetry ParseReceivedTelemetry(MetlNode node)
    {
        var r = MetlReader.Of(node);
        var cloud = r.Map("cloud-event");
        var cloudEvent = Field<MetlReceivedCloudEvent>.Omitted;
        if (cloud.IsNull)
        {
            cloudEvent = Field<MetlReceivedCloudEvent>.Null;
        }
        else if (cloud.HasValue)
        {
            var c = cloud.Value;
            cloudEvent = Field<MetlReceivedCloudEvent>.Of(new MetlReceivedCloudEvent(
                c.String("source"), c.String("type"), c.String("spec-version"), c.String("id"), c.String("time"), c.String("data-content-type"),
                c.String("subject"), c.String("data-schema")));
            c.Done();
        }

        var t = new MetlReceivedTelemetry(
            r.Path,
            r.String("telemetry-value"),
            r.StringMap("metadata", allowNullValues: true),
            r.StringMap("topic-tokens", allowNullValues: true),
            r.Int("source-index"),
            cloudEvent);
        r.Done();
        return t;
    }
}
