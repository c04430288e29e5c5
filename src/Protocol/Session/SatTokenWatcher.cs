using Microsoft.Extensions.Logging;

namespace OrleansAio.Protocol.Session;

/// <summary>
/// Watches the directory of a Kubernetes service-account token file and reports when the token may have changed. Kubernetes
/// replaces projected tokens by swapping a symbolic link in the directory, so every event in the directory counts; a burst of
/// events is folded into one report once the directory has been quiet for the debounce interval.
/// </summary>
internal sealed partial class SatTokenWatcher : IDisposable
{
    private readonly FileSystemWatcher watcher;
    private readonly SemaphoreSlim changed = new(0);
    private readonly CancellationTokenSource stopping = new();
    private readonly Task loop;
    private readonly ILogger logger;

    public SatTokenWatcher(string tokenFile, TimeSpan debounce, TimeProvider timeProvider, ILogger logger, Func<CancellationToken, Task> onChangedAsync)
    {
        this.logger = logger;
        var fullPath = Path.GetFullPath(tokenFile);
        watcher = new FileSystemWatcher(Path.GetDirectoryName(fullPath)!)
        {
            IncludeSubdirectories = false,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size
                | NotifyFilters.CreationTime | NotifyFilters.Attributes,
        };
        watcher.Changed += OnEvent;
        watcher.Created += OnEvent;
        watcher.Deleted += OnEvent;
        watcher.Renamed += OnEvent;
        watcher.Error += (_, args) => LogWatcherError(args.GetException());
        watcher.EnableRaisingEvents = true;
        loop = RunAsync(debounce, timeProvider, onChangedAsync, stopping.Token);
    }

    public void Dispose()
    {
        watcher.EnableRaisingEvents = false;
        watcher.Dispose();
        stopping.Cancel();
        _ = loop.ContinueWith(
            static (_, state) =>
            {
                var self = (SatTokenWatcher)state!;
                self.stopping.Dispose();
                self.changed.Dispose();
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void OnEvent(object sender, FileSystemEventArgs args)
    {
        try
        {
            changed.Release();
        }
        catch (ObjectDisposedException)
        {
            // An event raced with Dispose: nobody listens any more.
        }
    }

    private async Task RunAsync(TimeSpan debounce, TimeProvider timeProvider, Func<CancellationToken, Task> onChangedAsync, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
                do
                {
                    while (changed.CurrentCount > 0)
                    {
                        await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
                    }

                    if (debounce > TimeSpan.Zero)
                    {
                        await Task.Delay(debounce, timeProvider, cancellationToken).ConfigureAwait(false);
                    }
                }
                while (changed.CurrentCount > 0);

                try
                {
                    await onChangedAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    LogReauthenticationFailed(ex);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watching the SAT token directory failed; token changes may be missed until the next reconnect")]
    private partial void LogWatcherError(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-authenticating with the changed SAT token failed; the next reconnect sends the new token")]
    private partial void LogReauthenticationFailed(Exception exception);
}
