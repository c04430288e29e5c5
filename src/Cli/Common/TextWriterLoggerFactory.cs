using Microsoft.Extensions.Logging;

namespace OrleansAio.Cli.Common;

/// <summary>
/// Logging for <c>--verbose</c>: the protocol clients' log lines go to standard error, one line per entry. A logger factory of its
/// own so the CLI needs no logging implementation package.
/// </summary>
public sealed class TextWriterLoggerFactory : ILoggerFactory
{
    private readonly Lock gate = new();
    private readonly TextWriter writer;
    private readonly LogLevel minimumLevel;

    /// <summary>Creates the factory.</summary>
    /// <param name="writer">Standard error.</param>
    /// <param name="minimumLevel">The lowest level written.</param>
    public TextWriterLoggerFactory(TextWriter writer, LogLevel minimumLevel)
    {
        this.writer = writer;
        this.minimumLevel = minimumLevel;
    }

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <inheritdoc />
    public void AddProvider(ILoggerProvider provider)
    {
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private void Write(string line)
    {
        lock (gate)
        {
            writer.WriteLine(line);
        }
    }

    private sealed class Logger(TextWriterLoggerFactory factory, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= factory.minimumLevel && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                factory.Write($"[{logLevel}] {category}: {formatter(state, exception)}{(exception is null ? string.Empty : " | " + exception.Message)}");
            }
        }
    }
}
