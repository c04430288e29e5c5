using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace OrleansAio.Protocol.Common;

/// <summary>
/// Takes received messages off the MQTT receive path: items are prepared one at a time in arrival order, and the work a
/// preparation returns runs on the thread pool under a concurrency limit, started in arrival order.
/// </summary>
/// <remarks>
/// The MQTT client awaits its receive event before reading the next packet, so envoys only enqueue there. Work waiting for a slot
/// keeps its place in line; whatever deadline it carries (a request's expiry) keeps running meanwhile.
/// </remarks>
internal sealed class OrderedDispatcher : IAsyncDisposable
{
    private readonly Channel<Func<Task<Func<Task>?>>> queue = Channel.CreateUnbounded<Func<Task<Func<Task>?>>>(
        new UnboundedChannelOptions { SingleReader = true });

    private readonly SemaphoreSlim slots;
    private readonly ILogger logger;
    private readonly CancellationTokenSource stopping = new();
    private readonly Task pump;

    public OrderedDispatcher(int maxConcurrency, ILogger logger)
    {
        if (maxConcurrency < 1)
        {
            throw AioProtocolException.ConfigurationInvalid("DispatchConcurrency", maxConcurrency, "the dispatch concurrency must be at least 1");
        }

        slots = new SemaphoreSlim(maxConcurrency, maxConcurrency);
        this.logger = logger;
        pump = Task.Run(PumpAsync);
    }

    /// <summary>Queues a preparation step; it returns work that needs a concurrency slot, or <see langword="null"/>.</summary>
    public bool Enqueue(Func<Task<Func<Task>?>> prepare) => queue.Writer.TryWrite(prepare);

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await pump.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        stopping.Dispose();
    }

    private async Task PumpAsync()
    {
        await foreach (var prepare in queue.Reader.ReadAllAsync(stopping.Token).ConfigureAwait(false))
        {
            Func<Task>? work;
            try
            {
                work = await prepare().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                ProtocolLog.DispatchFailed(logger, ex);
                continue;
            }

            if (work is null)
            {
                continue;
            }

            await slots.WaitAsync(stopping.Token).ConfigureAwait(false);

            // Started from the pump so handlers are entered in arrival order; each runs on until its first await here, then
            // continues on the thread pool while the pump moves on.
            _ = RunAsync(work);
        }
    }

    private async Task RunAsync(Func<Task> work)
    {
        try
        {
            await work().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            ProtocolLog.DispatchFailed(logger, ex);
        }
        finally
        {
            slots.Release();
        }
    }
}
