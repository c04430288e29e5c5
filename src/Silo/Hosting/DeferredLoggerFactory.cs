using Microsoft.Extensions.Logging.Abstractions;

namespace OrleansAio.Silo.Hosting;

/// <summary>
/// A logger factory for components created before the host (and its logging) is built: their loggers forward to the host's
/// factory once <see cref="Attach"/> is called, and drop entries before that.
/// </summary>
internal sealed class DeferredLoggerFactory : ILoggerFactory
{
    private ILoggerFactory target = NullLoggerFactory.Instance;

    /// <summary>Starts forwarding to <paramref name="factory"/>.</summary>
    /// <param name="factory">The host's logger factory.</param>
    public void Attach(ILoggerFactory factory) => Volatile.Write(ref target, factory);

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new DeferredLogger(this, categoryName);

    /// <inheritdoc />
    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("Add providers to the host's logging instead.");

    /// <inheritdoc />
    public void Dispose()
    {
        // The host owns the target factory.
    }

    private sealed class DeferredLogger(DeferredLoggerFactory owner, string categoryName) : ILogger
    {
        private ILoggerFactory? resolvedFrom;
        private ILogger inner = NullLogger.Instance;

        private ILogger Inner
        {
            get
            {
                var current = Volatile.Read(ref owner.target);
                if (!ReferenceEquals(current, resolvedFrom))
                {
                    inner = current.CreateLogger(categoryName);
                    resolvedFrom = current;
                }

                return inner;
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => Inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => Inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Inner.Log(logLevel, eventId, state, exception, formatter);
    }
}
