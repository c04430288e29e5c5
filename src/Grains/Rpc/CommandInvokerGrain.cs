using Orleans.Concurrency;
using OrleansAio.GrainsInterfaces.Rpc;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Rpc;

namespace OrleansAio.Grains.Rpc;

/// <summary>
/// Calls a remote command executor through the silo's shared invoker for the command (<see cref="CommandInvokers"/>).
/// </summary>
/// <remarks>
/// A <see cref="StatelessWorkerAttribute"/>: it holds no state of its own (the invoker belongs to the silo), so Orleans runs it on
/// the calling silo without a directory lookup, with several local activations when calls pile up, and every silo can serve
/// calls; an ordinary grain would funnel all calls for a command through one activation on one silo. Protocol errors are
/// translated to the Orleans-serializable <see cref="AioEnvoyException"/>.
/// </remarks>
/// <typeparam name="TReq">The request type.</typeparam>
/// <typeparam name="TResp">The response type.</typeparam>
/// <param name="invokers">The silo's invokers.</param>
[StatelessWorker]
public sealed class CommandInvokerGrain<TReq, TResp>(CommandInvokers invokers) : Grain, ICommandInvokerGrain<TReq, TResp>
{
    /// <inheritdoc />
    public async Task<AioCommandResponse<TResp>> InvokeAsync(
        TReq? request,
        IReadOnlyDictionary<string, string>? topicTokens = null,
        TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? userData = null,
        CancellationToken cancellationToken = default)
    {
        var commandName = this.GetPrimaryKeyString();
        try
        {
            var invoker = invokers.Get<TReq, TResp>(commandName);
            var metadata = new CommandRequestMetadata();
            if (userData is not null)
            {
                foreach (var (key, value) in userData)
                {
                    metadata.UserData[key] = value;
                }
            }

            var response = await invoker.InvokeCommandAsync(request, metadata, topicTokens, timeout, cancellationToken);
            return new AioCommandResponse<TResp>(response.Response, response.ResponseMetadata?.UserData ?? new Dictionary<string, string>())
            {
                CorrelationId = response.ResponseMetadata?.CorrelationId ?? metadata.CorrelationId,
                Timestamp = response.ResponseMetadata?.Timestamp?.EncodeToString(),
                ContentType = response.ResponseMetadata?.ContentType,
            };
        }
        catch (AioProtocolException ex)
        {
            throw AioEnvoyErrors.FromProtocol(ex, commandName);
        }
    }
}
