using Microsoft.Extensions.Logging;

namespace OrleansAio.Tests.Conformance.Infrastructure;

/// <summary>Writes component logs to the running test's output, so a failing case shows what the envoys logged.</summary>
internal sealed class TestOutputLoggerFactory : ILoggerFactory
{
    private readonly TimeProvider clock;

    public TestOutputLoggerFactory(TimeProvider clock)
    {
        this.clock = clock;
    }

    /// <summary>Error-level (or worse) entries written so far.</summary>
    public List<string> Errors { get; } = [];

    /// <inheritdoc />
    public void AddProvider(ILoggerProvider provider)
    {
        // Entries always go to the test output; other providers are not needed by the runner.
    }

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class Logger(TestOutputLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"{owner.clock.GetUtcNow():HH:mm:ss.fff} [{logLevel}] {category[(category.LastIndexOf('.') + 1)..]}: {formatter(state, exception)}{(exception is null ? string.Empty : $" ({exception.GetType().Name}: {exception.Message})")}";
            if (logLevel >= LogLevel.Error)
            {
                lock (owner.Errors)
                {
                    owner.Errors.Add(line);
                }
            }

            try
            {
                TestContext.Current.TestOutputHelper?.WriteLine(line);
            }
            catch (InvalidOperationException)
            {
                // The test already finished: late log entries from background work have nowhere to go.
            }
        }
    }
}
