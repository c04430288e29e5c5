namespace OrleansAio.GrainsInterfaces.Rpc;

/// <summary>
/// Calls a remote AIO command executor (a device, another AIO app, an AIO SDK executor) through the silo's shared MQTT session.
/// Keyed by the command name given to <c>AddAioCommandInvoker</c>.
/// </summary>
/// <typeparam name="TReq">The request type.</typeparam>
/// <typeparam name="TResp">The response type.</typeparam>
/// <remarks>
/// A stateless worker: calls run on the calling silo (or any silo, for client calls), several activations per silo, all sharing
/// that silo's one invoker for the command. A failure is an <see cref="AioEnvoyException"/> carrying the wire error kind.
/// </remarks>
public interface ICommandInvokerGrain<TReq, TResp> : IGrainWithStringKey
{
    /// <summary>Invokes the command and waits for its response.</summary>
    /// <param name="request">The request value (<see langword="null"/> sends an empty payload).</param>
    /// <param name="topicTokens">Per-call topic token values (for example <c>executorId</c>); optional.</param>
    /// <param name="timeout">The command timeout (rounded up to whole seconds; default 10 s).</param>
    /// <param name="userData">User properties to send with the request; optional.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The response with its metadata.</returns>
    /// <exception cref="AioEnvoyException">The call failed; <see cref="AioEnvoyException.Kind"/> says how.</exception>
    Task<AioCommandResponse<TResp>> InvokeAsync(
        TReq? request,
        IReadOnlyDictionary<string, string>? topicTokens = null,
        TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? userData = null,
        CancellationToken cancellationToken = default);
}
