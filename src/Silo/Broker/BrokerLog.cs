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
        Message = "Dropped a message on topic {Topic} (QoS {QualityOfService}) for client {ReceiverClientId} from {SenderClientId}: its session queue is full (MaxPendingMessagesPerClient {Limit}, strategy {Strategy})")]
    public static partial void MessageDropped(
        ILogger logger, string topic, int qualityOfService, string receiverClientId, string? senderClientId, int limit, string strategy);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning,
        Message = "Dropped the oldest queued packet of client {ReceiverClientId}: its session queue is full (MaxPendingMessagesPerClient {Limit})")]
    public static partial void OldestMessageDropped(ILogger logger, string receiverClientId, int limit);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Client {ClientId} refused shared subscription: {Reason}")]
    public static partial void InvalidShareName(ILogger logger, string clientId, string reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "Client {ClientId} joined shared subscription group {Group} on {Filter}")]
    public static partial void MemberJoined(ILogger logger, string clientId, string group, string filter);

    [LoggerMessage(EventId = 7, Level = LogLevel.Debug, Message = "Client {ClientId} left shared subscription group {Group} on {Filter}")]
    public static partial void MemberLeft(ILogger logger, string clientId, string group, string filter);
}
