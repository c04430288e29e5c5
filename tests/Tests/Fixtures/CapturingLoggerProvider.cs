using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace OrleansAio.Tests.Fixtures;

/// <summary>One captured log entry.</summary>
public sealed record CapturedLog(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception);

/// <summary>An <see cref="ILoggerProvider"/> that keeps every entry in memory so tests can assert on what was logged.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLog> entries = new();

    /// <summary>Everything logged so far, in order.</summary>
    public IReadOnlyList<CapturedLog> Entries => [.. entries];

    /// <summary>A logger factory that writes to this provider only.</summary>
    public ILoggerFactory CreateFactory(LogLevel minimumLevel = LogLevel.Debug) =>
        LoggerFactory.Create(builder => builder.SetMinimumLevel(minimumLevel).AddProvider(this));

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, entries);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    sealed class CapturingLogger(string category, ConcurrentQueue<CapturedLog> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            entries.Enqueue(new CapturedLog(category, logLevel, eventId, formatter(state, exception), exception));
    }
}
