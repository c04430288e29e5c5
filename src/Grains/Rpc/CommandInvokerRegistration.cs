using Microsoft.Extensions.Logging;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Protocol.Rpc;
using OrleansAio.Protocol.Serialization;

namespace OrleansAio.Grains.Rpc;

/// <summary>A remote command the cluster may call through <c>ICommandInvokerGrain&lt;TReq, TResp&gt;</c>, keyed by its name.</summary>
public abstract class CommandInvokerRegistration
{
    /// <summary>The command name (the invoker grain's key).</summary>
    public required string CommandName { get; init; }

    /// <summary>The request topic pattern, for example <c>thermostats/{executorId}/command/{commandName}</c>.</summary>
    public required string RequestTopicPattern { get; init; }

    /// <summary>An optional topic namespace.</summary>
    public string? TopicNamespace { get; init; }

    /// <summary>Resident topic token values (<c>commandName</c> is filled with <see cref="CommandName"/> unless set).</summary>
    public IReadOnlyDictionary<string, string> TopicTokenMap { get; init; } = new Dictionary<string, string>();

    /// <summary>An optional response topic prefix (default: <c>clients/{clientId}</c>).</summary>
    public string? ResponseTopicPrefix { get; init; }

    /// <summary>An optional response topic suffix.</summary>
    public string? ResponseTopicSuffix { get; init; }

    /// <summary>The payload serializer for requests and responses.</summary>
    public required IPayloadSerializer Serializer { get; init; }

    /// <summary>Whether requests carry the W3C <c>traceparent</c>/<c>tracestate</c> user properties of the calling activity.</summary>
    public bool PropagateTraceContext { get; init; }

    /// <summary>The request type.</summary>
    public abstract Type RequestType { get; }

    /// <summary>The response type.</summary>
    public abstract Type ResponseType { get; }

    /// <summary>Creates the silo's invoker for this command on the shared session.</summary>
    /// <param name="context">The silo's application context.</param>
    /// <param name="mqttClient">The silo's shared MQTT session.</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <returns>The invoker.</returns>
    public abstract IAsyncDisposable CreateInvoker(ApplicationContext context, IMqttPubSubClient mqttClient, ILoggerFactory loggerFactory);

    /// <summary>The token map with <c>commandName</c> filled in.</summary>
    /// <returns>The resident token values.</returns>
    protected IReadOnlyDictionary<string, string> ResidentTokens()
    {
        var map = new Dictionary<string, string>(TopicTokenMap, StringComparer.Ordinal);
        map.TryAdd("commandName", CommandName);
        return map;
    }
}

/// <summary>A typed <see cref="CommandInvokerRegistration"/>.</summary>
/// <typeparam name="TReq">The request type.</typeparam>
/// <typeparam name="TResp">The response type.</typeparam>
public sealed class CommandInvokerRegistration<TReq, TResp> : CommandInvokerRegistration
{
    /// <inheritdoc />
    public override Type RequestType => typeof(TReq);

    /// <inheritdoc />
    public override Type ResponseType => typeof(TResp);

    /// <inheritdoc />
    public override IAsyncDisposable CreateInvoker(ApplicationContext context, IMqttPubSubClient mqttClient, ILoggerFactory loggerFactory) =>
        new CommandInvoker<TReq, TResp>(context, mqttClient, CommandName, Serializer, loggerFactory)
        {
            RequestTopicPattern = RequestTopicPattern,
            TopicNamespace = TopicNamespace,
            TopicTokenMap = ResidentTokens(),
            ResponseTopicPrefix = ResponseTopicPrefix,
            ResponseTopicSuffix = ResponseTopicSuffix,
            PropagateTraceContext = PropagateTraceContext,
        };
}
