using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace OrleansAio.Tests.Session;

/// <summary>Hang guards and small helpers for the session tests. Waits poll a condition; the timeout only stops a hung test.</summary>
internal static class SessionTestSupport
{
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan? guard = null)
    {
        var deadline = DateTime.UtcNow + (guard ?? HangGuard);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Hang guard: still waiting for {what}");
            }

            await Task.Delay(10, CancellationToken.None);
        }
    }

    public static async Task<T> Guarded<T>(this Task<T> task, string what, TimeSpan? guard = null)
    {
        try
        {
            return await task.WaitAsync(guard ?? HangGuard, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"Hang guard: {what} did not complete");
            throw;
        }
    }

    public static async Task Guarded(this Task task, string what, TimeSpan? guard = null)
    {
        try
        {
            await task.WaitAsync(guard ?? HangGuard, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"Hang guard: {what} did not complete");
            throw;
        }
    }
}

/// <summary>A logger factory that keeps every entry, so a test can assert that nothing was logged as an error.</summary>
internal sealed class RecordingLoggerFactory : ILoggerFactory
{
    private readonly ConcurrentQueue<(LogLevel Level, string Category, string Message, Exception? Exception)> entries = new();

    public IReadOnlyCollection<(LogLevel Level, string Category, string Message, Exception? Exception)> Entries => entries;

    public IEnumerable<string> Errors => entries.Where(e => e.Level >= LogLevel.Error).Select(e => $"{e.Category}: {e.Message} {e.Exception}");

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public ILogger CreateLogger(string categoryName) => new Recorder(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Recorder(RecordingLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.entries.Enqueue((logLevel, category, formatter(state, exception), exception));
    }
}
