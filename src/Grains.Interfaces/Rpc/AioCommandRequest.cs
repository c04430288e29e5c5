namespace OrleansAio.GrainsInterfaces.Rpc;

/// <summary>A command request as the executor hands it to the grain for its key.</summary>
/// <typeparam name="TReq">The request type (serializable by Orleans and by the command's payload serializer).</typeparam>
/// <param name="CommandName">The command name, so a grain serving several commands can tell them apart.</param>
/// <param name="Request">The deserialized request (<see langword="default"/> for an empty payload).</param>
/// <param name="CorrelationId">The request's correlation ID.</param>
/// <param name="InvokerClientId">The invoker's client ID (<c>__srcId</c>), when sent.</param>
/// <param name="Topic">The topic the request arrived on.</param>
/// <param name="TopicTokens">The token values taken from the topic.</param>
/// <param name="UserData">The request's user properties, without reserved names.</param>
/// <param name="Timestamp">The request's hybrid logical clock stamp (<c>__ts</c>) as sent, when present.</param>
/// <param name="ExecutionTimeout">How long the grain has: min(remaining request expiry, the command's execution timeout).</param>
[GenerateSerializer, Immutable]
public sealed record AioCommandRequest<TReq>(
    [property: Id(0)] string CommandName,
    [property: Id(1)] TReq? Request,
    [property: Id(2)] Guid CorrelationId,
    [property: Id(3)] string? InvokerClientId,
    [property: Id(4)] string Topic,
    [property: Id(5)] IReadOnlyDictionary<string, string> TopicTokens,
    [property: Id(6)] IReadOnlyDictionary<string, string> UserData,
    [property: Id(7)] string? Timestamp,
    [property: Id(8)] TimeSpan ExecutionTimeout);
