namespace OrleansAio.Protocol.StateStore;

/// <summary>The fixed topics of the AIO state store (services.md 1.1).</summary>
public static class StateStoreTopics
{
    /// <summary>The request topic; every request and reply goes through this one command, <c>invoke</c>.</summary>
    public const string RequestTopic = "statestore/v1/FA9AE35F-2F64-47CD-9BFF-08E2B32A0FE8/command/invoke";

    /// <summary>The command name.</summary>
    public const string CommandName = "invoke";

    /// <summary>The prefix of every notification topic.</summary>
    public const string NotificationPrefix = "clients/statestore/v1/FA9AE35F-2F64-47CD-9BFF-08E2B32A0FE8/";

    /// <summary>The user property carrying a fencing token.</summary>
    public const string FencingToken = "__ft";

    /// <summary>The user property asking the broker to persist an entry.</summary>
    public const string Persistence = "aio-persistence";

    /// <summary>The notification topic for one client and one key: <c>clients/statestore/v1/.../{HEX(clientId)}/command/notify/{HEX(key)}</c>.</summary>
    /// <param name="clientId">The observing client's MQTT client id.</param>
    /// <param name="key">The key bytes.</param>
    /// <returns>The topic.</returns>
    public static string NotificationTopic(string clientId, ReadOnlySpan<byte> key) =>
        $"{NotificationFilterBase(clientId)}{Convert.ToHexString(key)}";

    /// <summary>The filter that matches every notification for one client (<c>.../{HEX(clientId)}/command/notify/+</c>).</summary>
    /// <param name="clientId">The client id.</param>
    /// <returns>The filter.</returns>
    public static string NotificationFilter(string clientId) => NotificationFilterBase(clientId) + "+";

    private static string NotificationFilterBase(string clientId)
    {
        ArgumentException.ThrowIfNullOrEmpty(clientId);
        return $"{NotificationPrefix}{Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(clientId))}/command/notify/";
    }
}
