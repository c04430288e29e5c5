using MQTTnet.Packets;
using OrleansAio.Abstractions.Common;
using OrleansAio.Protocol.Common;

namespace OrleansAio.Protocol.Session;

/// <summary>
/// Options of the <see cref="MqttSessionClient"/>: reconnection, the queue of operations issued while disconnected, and the AIO
/// broker features announced in CONNECT. Defaults follow the AIO .NET SDK (services.md sections 5.4 and 5.6) unless noted.
/// </summary>
public sealed class MqttSessionClientOptions
{
    /// <summary>The value of the <c>metriccategory</c> CONNECT user property by default.</summary>
    public const string DefaultMetricCategory = "orleans-aio";

    /// <summary>
    /// Decides whether and when to reconnect; default <see cref="ExponentialBackoffReconnectPolicy"/> with unlimited attempts and a
    /// 60 s cap (128 ms, 256 ms, ... with plus or minus 5 percent jitter).
    /// </summary>
    public IReconnectPolicy ReconnectPolicy { get; set; } = new ExponentialBackoffReconnectPolicy();

    /// <summary>How long one reconnection attempt may take before it is abandoned and counted as failed; default 2 s.</summary>
    /// <remarks>Applies to the first connect too, with or without <see cref="RetryOnFirstConnect"/>: a broker that accepts the TCP connection but never answers CONNECT fails the attempt with a timeout.</remarks>
    public TimeSpan ConnectionAttemptTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Whether <see cref="MqttSessionClient.ConnectAsync"/> retries with <see cref="ReconnectPolicy"/> (first attempt at once, then
    /// 256 ms, 512 ms, ...). Default <see langword="false"/>: one attempt, so a misconfiguration surfaces at once.
    /// </summary>
    public bool RetryOnFirstConnect { get; set; }

    /// <summary>
    /// The most publishes, subscribes and unsubscribes that may wait in the queue, sent or not yet acknowledged; default
    /// <see cref="int.MaxValue"/> (the SDK's <c>uint.MaxValue</c>, unbounded in practice).
    /// </summary>
    public int MaxPendingMessages { get; set; } = int.MaxValue;

    /// <summary>Which call fails when the queue is full; default <see cref="PendingOperationOverflowStrategy.DropNewMessage"/>.</summary>
    public PendingOperationOverflowStrategy PendingMessagesOverflowStrategy { get; set; } = PendingOperationOverflowStrategy.DropNewMessage;

    /// <summary>
    /// Whether a reconnect that finds the session gone (CONNACK Session Present = 0) subscribes again to the filters the session
    /// had; default <see langword="true"/>. The AIO .NET SDK instead ends the session; see the README of this folder.
    /// </summary>
    public bool RestoreSubscriptionsOnSessionLoss { get; set; } = true;

    /// <summary>Whether to add the AIO broker's CONNECT user properties (<c>metriccategory</c>, <c>aio-persistence</c>); default <see langword="true"/>.</summary>
    public bool EnableAioBrokerFeatures { get; set; } = true;

    /// <summary>
    /// The <c>metriccategory</c> CONNECT user property; default <see cref="DefaultMetricCategory"/>. The SDKs send
    /// <c>aiosdk-dotnet</c>, <c>aiosdk-go</c> or <c>aiosdk-rust</c>; this client does not pose as one of them.
    /// </summary>
    public string MetricCategory { get; set; } = DefaultMetricCategory;

    /// <summary>Whether to send <c>aio-persistence=true</c>, asking the AIO broker to persist the session; default <see langword="false"/>.</summary>
    public bool RequestSessionPersistence { get; set; }

    /// <summary>
    /// Extra CONNECT user properties sent on every connect, after the AIO broker ones (for example the <c>fault:*</c> properties of
    /// the faultable test broker).
    /// </summary>
    public IList<MqttUserProperty> ConnectUserProperties { get; } = [];

    /// <summary>How long the SAT token file must be quiet after a change before it is re-read; default 250 ms.</summary>
    public TimeSpan SatFileChangeDebounce { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Checks the options.</summary>
    /// <exception cref="AioProtocolException">An option is invalid (kind <see cref="AioErrorKind.ConfigurationInvalid"/>), naming it.</exception>
    public void Validate()
    {
        if (ReconnectPolicy is null)
        {
            throw AioProtocolException.ConfigurationInvalid(nameof(ReconnectPolicy), null, "a reconnect policy is required");
        }

        if (ConnectionAttemptTimeout <= TimeSpan.Zero)
        {
            throw AioProtocolException.ConfigurationInvalid(nameof(ConnectionAttemptTimeout), ConnectionAttemptTimeout, "must be positive");
        }

        if (MaxPendingMessages < 1)
        {
            throw AioProtocolException.ConfigurationInvalid(nameof(MaxPendingMessages), MaxPendingMessages, "must be at least 1");
        }

        if (!Enum.IsDefined(PendingMessagesOverflowStrategy))
        {
            throw AioProtocolException.ConfigurationInvalid(
                nameof(PendingMessagesOverflowStrategy), PendingMessagesOverflowStrategy, "must be DropNewMessage or DropOldestQueuedMessage");
        }

        if (EnableAioBrokerFeatures && string.IsNullOrWhiteSpace(MetricCategory))
        {
            throw AioProtocolException.ConfigurationInvalid(nameof(MetricCategory), MetricCategory, "must not be empty while AIO broker features are enabled");
        }

        if (SatFileChangeDebounce < TimeSpan.Zero)
        {
            throw AioProtocolException.ConfigurationInvalid(nameof(SatFileChangeDebounce), SatFileChangeDebounce, "must not be negative");
        }
    }
}
