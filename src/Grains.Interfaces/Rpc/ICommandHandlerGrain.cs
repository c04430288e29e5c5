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
    /// <summary>The longest execution timeout a command may have: Orleans' own call timeout for <see cref="ExecuteCommandAsync"/>.</summary>
    const string MaxExecutionTimeout = "01:00:00";

    /// <summary>Executes one request.</summary>
    /// <remarks>
    /// Orleans' call timeout (30 s by default) does not apply: the call is bounded by <paramref name="cancellationToken"/>, which
    /// the silo's executor fires at the command's own execution timeout (so a command allowed to run 45 s is answered 200 or 408,
    /// never a 500 from an Orleans timeout at 30 s), and by <see cref="MaxExecutionTimeout"/>.
    /// </remarks>
    /// <param name="request">The request with its metadata.</param>
    /// <param name="cancellationToken">Fires at min(remaining request expiry, the command's execution timeout).</param>
    /// <returns>The response with its user data.</returns>
    [ResponseTimeout(MaxExecutionTimeout)]
    Task<AioCommandResponse<TResp>> ExecuteCommandAsync(AioCommandRequest<TReq> request, CancellationToken cancellationToken);
}
