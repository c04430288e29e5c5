using System.Globalization;
using Microsoft.Extensions.Logging;
using MQTTnet.Diagnostics.Logger;

namespace OrleansAio.Silo.Broker;

/// <summary>
/// Forwards MQTTnet's log to <see cref="ILogger"/>: one category per MQTTnet source (<c>MQTTnet.&lt;Source&gt;</c>);
/// MQTTnet's verbose messages become Trace, its informational messages Debug (they are per connection), warnings and errors
/// keep their level.
/// </summary>
internal sealed class MqttNetLoggerBridge(ILoggerFactory loggerFactory) : IMqttNetLogger
{
    private readonly ILoggerFactory loggerFactory = loggerFactory;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ILogger> loggers = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public bool IsEnabled => true;

    /// <inheritdoc />
    public void Publish(MqttNetLogLevel logLevel, string source, string message, object[] parameters, Exception exception)
    {
        var level = logLevel switch
        {
            MqttNetLogLevel.Verbose => LogLevel.Trace,
            MqttNetLogLevel.Info => LogLevel.Debug,
            MqttNetLogLevel.Warning => LogLevel.Warning,
            _ => LogLevel.Error,
        };

        var logger = loggers.GetOrAdd(source ?? "MqttServer", static (s, factory) => factory.CreateLogger("MQTTnet." + s), loggerFactory);
        if (!logger.IsEnabled(level))
        {
            return;
        }

        var text = parameters is { Length: > 0 } ? string.Format(CultureInfo.InvariantCulture, message, parameters) : message;
        logger.Log(level, exception, "{MqttNetMessage}", text);
    }
}
