using OrleansAio.Abstractions.Common;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Rpc;
using OrleansAio.Protocol.Serialization;

namespace OrleansAio.Silo.Rpc;

/// <summary>How the cluster serves one command (<c>AddAioCommand</c>). Defaults follow the wire specification.</summary>
public sealed class AioCommandOptions
{
    /// <summary>The request topic pattern, for example <c>thermostats/{executorId}/command/{commandName}</c>. Required.</summary>
    public string RequestTopicPattern { get; set; } = string.Empty;

    /// <summary>The topic token whose value keys the grain (default <c>executorId</c>); it must appear in the pattern.</summary>
    public string KeyToken { get; set; } = "executorId";

    /// <summary>An optional topic namespace.</summary>
    public string? TopicNamespace { get; set; }

    /// <summary>Resident values of the pattern's other tokens (<c>commandName</c> is filled with the command name unless set).</summary>
    public Dictionary<string, string> TopicTokenMap { get; } = new(StringComparer.Ordinal);

    /// <summary>The payload serializer for requests and responses (default JSON).</summary>
    public IPayloadSerializer Serializer { get; set; } = new JsonPayloadSerializer();

    /// <summary>Whether the command is idempotent (allows a non-zero <see cref="CacheTtl"/>).</summary>
    public bool IsIdempotent { get; set; }

    /// <summary>Must be zero unless <see cref="IsIdempotent"/> (§1.12); dedup entries live until the request expires in any case.</summary>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.Zero;

    /// <summary>The longest the grain may take (default 10 s, must be positive); past it the invoker gets 408.</summary>
    /// <remarks>Keep it below Orleans' response timeout (30 s by default), which would otherwise surface as a 500.</remarks>
    public TimeSpan ExecutionTimeout { get; set; } = CommandExecutor<object, object>.DefaultExecutionTimeout;

    /// <summary>The silos' shared subscription group (default <c>orleans-aio-{commandName}</c>).</summary>
    public string? ServiceGroupId { get; set; }

    /// <summary>The default of <see cref="DispatchConcurrency"/>.</summary>
    public const int DefaultDispatchConcurrency = 64;

    /// <summary>
    /// The most requests one silo executes at once (default 64). Higher than the protocol executor's 10: an execution here is a
    /// grain call that waits on the grain (and its storage), not work on the silo's own threads, and each grain still takes
    /// its requests one at a time; with 10, a silo serving many devices was capped at 10 over the grain call's latency.
    /// </summary>
    public int DispatchConcurrency { get; set; } = DefaultDispatchConcurrency;

    /// <summary>
    /// When a command served by a handler grain is safe from running twice (<c>Commands:{name}:DedupDurability</c>):
    /// <see cref="CommandDedupDurability.Durable"/> (default) writes the dedup record to grain storage before the response is
    /// published, so a redelivery after a silo crash is not executed again; <see cref="CommandDedupDurability.Activation"/>
    /// keeps it in the activation only (saved on graceful deactivation), faster but a crash between execution and
    /// acknowledgement lets the redelivery run again. Ignored for <see cref="IsIdempotent"/> commands (always in the activation).
    /// </summary>
    /// <remarks>A string (<c>Durable</c> or <c>Activation</c>, any case) so a bad configured value is reported by validation,
    /// naming the key, instead of failing the configuration binder; <see cref="ParsedDedupDurability"/> is the value.</remarks>
    public string DedupDurability { get; set; } = nameof(CommandDedupDurability.Durable);

    /// <summary>The parsed <see cref="DedupDurability"/>; <see cref="CommandDedupDurability.Durable"/> when it does not parse (refused by <see cref="Validate"/>).</summary>
    public CommandDedupDurability ParsedDedupDurability =>
        Enum.TryParse<CommandDedupDurability>(DedupDurability, ignoreCase: true, out var value) && Enum.IsDefined(value) && !int.TryParse(DedupDurability, out _)
            ? value
            : CommandDedupDurability.Durable;

    /// <summary>Checks the options; a bad value is named in the error.</summary>
    /// <param name="commandName">The command name.</param>
    /// <exception cref="AioProtocolException">A setting is invalid.</exception>
    public void Validate(string commandName)
    {
        if (string.IsNullOrEmpty(commandName))
        {
            throw AioProtocolException.ConfigurationInvalid(nameof(commandName), commandName, "a command name is required");
        }

        if (string.IsNullOrWhiteSpace(RequestTopicPattern))
        {
            throw AioProtocolException.ConfigurationInvalid(nameof(RequestTopicPattern), RequestTopicPattern, $"command '{commandName}' needs a request topic pattern");
        }

        TopicPattern.EnsureKeyToken(RequestTopicPattern, KeyToken, TopicTokenMap, $"the request topic pattern '{RequestTopicPattern}' of command '{commandName}'");

        var maxExecutionTimeout = TimeSpan.Parse(GrainsInterfaces.Rpc.ICommandHandlerGrain<object, object>.MaxExecutionTimeout, System.Globalization.CultureInfo.InvariantCulture);
        if (ExecutionTimeout <= TimeSpan.Zero || ExecutionTimeout > maxExecutionTimeout)
        {
            throw AioProtocolException.ConfigurationInvalid(
                nameof(ExecutionTimeout), ExecutionTimeout, $"the execution timeout of command '{commandName}' must be positive and at most {maxExecutionTimeout}");
        }

        if (DispatchConcurrency < 1)
        {
            throw AioProtocolException.ConfigurationInvalid(nameof(DispatchConcurrency), DispatchConcurrency, "at least one request must run at a time");
        }

        if (!Enum.TryParse<CommandDedupDurability>(DedupDurability, ignoreCase: true, out var durability) || !Enum.IsDefined(durability) || int.TryParse(DedupDurability, out _))
        {
            throw AioProtocolException.ConfigurationInvalid(
                nameof(DedupDurability), DedupDurability, $"the dedup durability of command '{commandName}' must be Durable or Activation");
        }

        ArgumentNullException.ThrowIfNull(Serializer);
    }
}

/// <summary>Where the dedup record of a command served by a handler grain is kept (<see cref="AioCommandOptions.DedupDurability"/>).</summary>
public enum CommandDedupDurability
{
    /// <summary>In the activation and in grain storage, written before the response is published (group commit per activation).</summary>
    Durable,

    /// <summary>In the activation only, saved to storage on graceful deactivation: a silo crash can let a redelivery run again.</summary>
    Activation,
}

/// <summary>How the cluster calls one remote command (<c>AddAioCommandInvoker</c>).</summary>
public sealed class AioCommandInvokerOptions
{
    /// <summary>The request topic pattern, for example <c>thermostats/{executorId}/command/{commandName}</c>. Required.</summary>
    public string RequestTopicPattern { get; set; } = string.Empty;

    /// <summary>An optional topic namespace.</summary>
    public string? TopicNamespace { get; set; }

    /// <summary>Resident token values (<c>commandName</c> is filled with the command name unless set).</summary>
    public Dictionary<string, string> TopicTokenMap { get; } = new(StringComparer.Ordinal);

    /// <summary>An optional response topic prefix (default: responses come back on <c>clients/{clientId}/...</c>).</summary>
    public string? ResponseTopicPrefix { get; set; }

    /// <summary>An optional response topic suffix.</summary>
    public string? ResponseTopicSuffix { get; set; }

    /// <summary>The payload serializer (default JSON).</summary>
    public IPayloadSerializer Serializer { get; set; } = new JsonPayloadSerializer();

    /// <summary>
    /// Whether requests carry the caller's W3C trace context as <c>traceparent</c>/<c>tracestate</c> user properties, so the
    /// remote executor's span joins the caller's trace. Default <see langword="true"/>; a peer that ignores them still works.
    /// </summary>
    public bool PropagateTraceContext { get; set; } = true;

    /// <summary>Checks the options, naming the first bad one.</summary>
    /// <param name="commandName">The command name.</param>
    /// <exception cref="AioProtocolException">A value is missing or invalid (<see cref="AioErrorKind.ConfigurationInvalid"/>, naming it).</exception>
    public void Validate(string commandName)
    {
        if (string.IsNullOrEmpty(commandName))
        {
            throw AioProtocolException.ConfigurationInvalid(nameof(commandName), commandName, "a command name is required");
        }

        if (string.IsNullOrWhiteSpace(RequestTopicPattern))
        {
            throw AioProtocolException.ConfigurationInvalid(nameof(RequestTopicPattern), RequestTopicPattern, $"command invoker '{commandName}' needs a request topic pattern");
        }

        ArgumentNullException.ThrowIfNull(Serializer);
    }
}
