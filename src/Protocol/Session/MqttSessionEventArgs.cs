using MQTTnet;
using MQTTnet.Packets;

namespace OrleansAio.Protocol.Session;

/// <summary>The broker no longer had the session when the client reconnected (CONNACK Session Present = 0).</summary>
/// <param name="connectResult">The CONNACK of the reconnect.</param>
/// <param name="failedOperations">How many queued or in-flight operations failed because of the loss.</param>
/// <param name="restoredSubscriptions">The filters that are subscribed again (empty when restoring is switched off).</param>
public sealed class MqttSessionLostEventArgs(
    MqttClientConnectResult connectResult, int failedOperations, IReadOnlyList<MqttTopicFilter> restoredSubscriptions) : EventArgs
{
    /// <summary>The CONNACK of the reconnect that found the session gone.</summary>
    public MqttClientConnectResult ConnectResult { get; } = connectResult;

    /// <summary>How many queued or in-flight operations failed because of the loss.</summary>
    public int FailedOperations { get; } = failedOperations;

    /// <summary>The topic filters that are subscribed again, in the order they were first subscribed.</summary>
    public IReadOnlyList<MqttTopicFilter> RestoredSubscriptions { get; } = restoredSubscriptions;
}

/// <summary>The session client stopped maintaining the connection: the user disconnected, or a fatal error or the reconnect policy ended it.</summary>
/// <param name="error">Why the session ended; <see langword="null"/> when the user disconnected.</param>
public sealed class MqttSessionClosedEventArgs(Exception? error) : EventArgs
{
    /// <summary>Why the session ended; <see langword="null"/> when the user disconnected.</summary>
    public Exception? Error { get; } = error;
}
