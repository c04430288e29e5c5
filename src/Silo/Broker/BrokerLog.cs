using Microsoft.Extensions.Logging;

namespace OrleansAio.Silo.Broker;

/// <summary>Source-generated log messages of the embedded broker.</summary>
internal static partial class BrokerLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Embedded MQTT broker listening on {BindAddress}:{Port}")]
    public static partial void Started(ILogger logger, string bindAddress, int port);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Embedded MQTT broker on port {Port} stopped")]
    public static partial void Stopped(ILogger logger, int port);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning,
        Message = "Dropping messages for client {ReceiverClientId}: its session queue is full (MaxPendingMessagesPerClient {Limit}, strategy {Strategy}); first dropped on topic {Topic} (QoS {QualityOfService}) from {SenderClientId}. One line when the queue accepts again says how many")]
    public static partial void QueueOverflowStarted(
        ILogger logger, string receiverClientId, int limit, string strategy, string topic, int qualityOfService, string? senderClientId);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning,
        Message = "Dropped {Count} messages for client {ReceiverClientId} while its session queue was full (MaxPendingMessagesPerClient {Limit})")]
    public static partial void QueueOverflowEnded(ILogger logger, string receiverClientId, long count, int limit);

    [LoggerMessage(EventId = 14, Level = LogLevel.Debug, Message = "Session of client {ClientId} ended: session expiry {ExpirySeconds} s after its connection ended")]
    public static partial void SessionExpired(ILogger logger, string clientId, uint expirySeconds);

    [LoggerMessage(EventId = 15, Level = LogLevel.Information, Message = "Client {ClientId} refused: the silo is still starting (its endpoints are not subscribed yet); it will retry")]
    public static partial void RefusedWhileStarting(ILogger logger, string clientId);

    [LoggerMessage(EventId = 16, Level = LogLevel.Information, Message = "Embedded MQTT broker on port {Port} admits every client: the silo is ready")]
    public static partial void AdmittingAll(ILogger logger, int port);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Client {ClientId} refused shared subscription: {Reason}")]
    public static partial void InvalidShareName(ILogger logger, string clientId, string reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "Client {ClientId} joined shared subscription group {Group} on {Filter}")]
    public static partial void MemberJoined(ILogger logger, string clientId, string group, string filter);

    [LoggerMessage(EventId = 7, Level = LogLevel.Debug, Message = "Client {ClientId} left shared subscription group {Group} on {Filter}")]
    public static partial void MemberLeft(ILogger logger, string clientId, string group, string filter);
}
