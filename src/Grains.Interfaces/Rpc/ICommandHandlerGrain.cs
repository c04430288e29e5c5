namespace OrleansAio.GrainsInterfaces.Rpc;

/// <summary>
/// A grain that serves an AIO command: the silo's executor for the command routes each request to the grain whose key is the
/// request topic's key token (for example <c>{executorId}</c>), wherever that grain lives in the cluster.
/// </summary>
/// <typeparam name="TReq">The request type.</typeparam>
/// <typeparam name="TResp">The response type.</typeparam>
/// <remarks>
/// Derive the application's grain interface from this one and register it with <c>AddAioCommand&lt;TReq, TResp, TGrain&gt;</c>.
/// A thrown exception is answered with status 500 and <c>__apErr=true</c>; running past the token's deadline is answered 408.
/// </remarks>
public interface ICommandHandlerGrain<TReq, TResp> : IGrainWithStringKey
{
    /// <summary>Executes one request.</summary>
    /// <param name="request">The request with its metadata.</param>
    /// <param name="cancellationToken">Fires at min(remaining request expiry, the command's execution timeout).</param>
    /// <returns>The response with its user data.</returns>
    Task<AioCommandResponse<TResp>> ExecuteCommandAsync(AioCommandRequest<TReq> request, CancellationToken cancellationToken);
}
