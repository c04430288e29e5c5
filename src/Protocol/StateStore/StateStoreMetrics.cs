using System.Diagnostics.Metrics;
using OrleansAio.Abstractions.StateStore;
using OrleansAio.Protocol.Diagnostics;

namespace OrleansAio.Protocol.StateStore;

/// <summary>
/// The state store's server-side instruments on <see cref="ProtocolDiagnostics.Meter"/>: operations per command and outcome,
/// their duration, and errors per command and kind (a refused request, a RESP error reply, a backend failure).
/// </summary>
internal static class StateStoreMetrics
{
    private const string CommandTag = "aio.state_store.command";
    private const string OutcomeTag = "aio.state_store.outcome";
    private const string ErrorTag = "error.type";

    private static readonly Counter<long> Operations = ProtocolDiagnostics.Meter.CreateCounter<long>(
        "aio.state_store.operations", unit: "{operation}", description: "State-store requests served, by command and outcome (ok, value, not_found, integer, error).");

    private static readonly Counter<long> Errors = ProtocolDiagnostics.Meter.CreateCounter<long>(
        "aio.state_store.errors", unit: "{error}", description: "State-store requests answered with an error or failed in the backend, by command and error type.");

    private static readonly Histogram<double> Duration = ProtocolDiagnostics.Meter.CreateHistogram<double>(
        "aio.state_store.duration", unit: "ms", description: "State-store request handling time in the server, validation to reply.");

    /// <summary>A request refused before it reached the backend (syntax, arguments, timestamps, limits).</summary>
    public static void RecordRejected(StateStoreServiceError error)
    {
        Operations.Add(1, new(CommandTag, "rejected"), new(OutcomeTag, "error"));
        Errors.Add(1, new(CommandTag, "rejected"), new(ErrorTag, error.ToString()));
    }

    /// <summary>A request the backend answered.</summary>
    public static void RecordServed(StateStoreCommandKind command, StateStoreReply reply, TimeSpan elapsed)
    {
        var name = Name(command);
        var payload = reply.Payload.Span;
        var outcome = payload.IsEmpty ? "ok" : payload[0] switch
        {
            (byte)'+' => "ok",
            (byte)'-' => "error",
            (byte)':' => "integer",
            (byte)'$' when payload.Length > 1 && payload[1] == (byte)'-' => "not_found",
            (byte)'$' => "value",
            (byte)'_' => "not_found",
            _ => "other",
        };
        Operations.Add(1, new(CommandTag, name), new(OutcomeTag, outcome));
        Duration.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>(CommandTag, name));
        if (outcome == "error")
        {
            Errors.Add(1, new(CommandTag, name), new(ErrorTag, "error_reply"));
        }
    }

    /// <summary>A request whose backend call threw (the executor answers 500).</summary>
    public static void RecordFailed(StateStoreCommandKind command, Exception error, TimeSpan elapsed)
    {
        var name = Name(command);
        Operations.Add(1, new(CommandTag, name), new(OutcomeTag, "failed"));
        Duration.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>(CommandTag, name));
        Errors.Add(1, new(CommandTag, name), new(ErrorTag, error.GetType().Name));
    }

    private static string Name(StateStoreCommandKind command) => command switch
    {
        StateStoreCommandKind.Set => "SET",
        StateStoreCommandKind.Get => "GET",
        StateStoreCommandKind.Delete => "DEL",
        StateStoreCommandKind.VDelete => "VDEL",
        StateStoreCommandKind.KeyNotify => "KEYNOTIFY",
        StateStoreCommandKind.KeyNotifyStop => "KEYNOTIFY STOP",
        _ => command.ToString(),
    };
}
