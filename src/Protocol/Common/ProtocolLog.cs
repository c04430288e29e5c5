using Microsoft.Extensions.Logging;

namespace OrleansAio.Protocol.Common;

/// <summary>Source-generated structured log messages of the protocol envoys.</summary>
internal static partial class ProtocolLog
{
    [LoggerMessage(Level = LogLevel.Error, Message = "A dispatched message handler failed")]
    public static partial void DispatchFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Published telemetry on {Topic}")]
    public static partial void TelemetrySent(ILogger logger, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped telemetry on {Topic}: {Reason}")]
    public static partial void TelemetryDropped(ILogger logger, string topic, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The telemetry callback for {Topic} failed; the message is acknowledged")]
    public static partial void TelemetryCallbackFailed(ILogger logger, Exception exception, string topic);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Component} subscribed to {Filter}")]
    public static partial void Subscribed(ILogger logger, string component, string filter);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Component} unsubscribed from {Filter}")]
    public static partial void Unsubscribed(ILogger logger, string component, string filter);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Command '{CommandName}': ignored a response: {Reason}")]
    public static partial void ResponseIgnored(ILogger logger, string commandName, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Command '{CommandName}': request {CorrelationId} answered with status {Status}")]
    public static partial void ResponseSent(ILogger logger, string commandName, string correlationId, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Command '{CommandName}': no response sent for request on {Topic}: {Reason}")]
    public static partial void ResponseSkipped(ILogger logger, string commandName, string topic, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Command '{CommandName}': publishing the response to {Topic} failed")]
    public static partial void ResponsePublishFailed(ILogger logger, Exception exception, string commandName, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Command '{CommandName}': the handler failed for request {CorrelationId}")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string commandName, string correlationId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Command '{CommandName}': duplicate request {CorrelationId} answered from the cache")]
    public static partial void AnsweredFromCache(ILogger logger, string commandName, string correlationId);
}
