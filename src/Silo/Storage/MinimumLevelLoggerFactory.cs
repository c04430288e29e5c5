using Microsoft.Extensions.Logging;

namespace OrleansAio.Silo.Storage;

/// <summary>
/// Hands out the inner factory's loggers with a floor on their level. Garnet logs its whole configuration at Information under
/// category names of its own (<c>ArgParser</c>, <c>Options</c>, ...) that a configuration filter cannot single out.
/// </summary>
/// <param name="inner">The application's logger factory.</param>
/// <param name="minimumLevel">Entries below this level are dropped.</param>
internal sealed class MinimumLevelLoggerFactory(ILoggerFactory inner, LogLevel minimumLevel) : ILoggerFactory
{
    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new FloorLogger(inner.CreateLogger(categoryName), minimumLevel);

    /// <inheritdoc />
    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    /// <inheritdoc />
    public void Dispose()
    {
        // The inner factory belongs to the host.
    }

    private sealed class FloorLogger(ILogger inner, LogLevel minimumLevel) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimumLevel && inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
