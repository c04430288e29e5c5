using MQTTnet;
using MQTTnet.Formatter;
using OrleansAio.Protocol.Mqtt;

namespace OrleansAio.Silo.Failover;

/// <summary>
/// The silo's shared MQTT session as every capability sees it (<see cref="IMqttPubSubClient"/>), keeping a ledger of the
/// shared-subscription filters (<c>$share/{group}/{filter}</c>) the session holds: the state-store endpoint, command executors,
/// telemetry receivers and whatever the application adds.
/// </summary>
/// <remarks>
/// Every silo of a cluster runs the same capabilities, so a survivor's ledger names the shared filters a dead silo's session held;
/// <see cref="SessionTakeover"/> unsubscribes them from the dead session. Recording what is actually subscribed, rather than a list
/// of topics per capability, covers endpoints added later without anyone having to remember this class.
/// </remarks>
/// <param name="inner">The session client that does the work.</param>
public sealed class SharedSubscriptionLedger(IMqttPubSubClient inner) : IMqttPubSubClient
{
    private readonly Lock gate = new();
    private readonly HashSet<string> filters = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public event Func<MqttApplicationMessageReceivedEventArgs, Task>? ApplicationMessageReceivedAsync
    {
        add => inner.ApplicationMessageReceivedAsync += value;
        remove => inner.ApplicationMessageReceivedAsync -= value;
    }

    /// <inheritdoc />
    public string? ClientId => inner.ClientId;

    /// <inheritdoc />
    public MqttProtocolVersion ProtocolVersion => inner.ProtocolVersion;

    /// <summary>The shared-subscription filters granted to the session and not unsubscribed since, in ordinal order.</summary>
    public IReadOnlyList<string> SharedFilters
    {
        get
        {
            lock (gate)
            {
                return [.. filters.Order(StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>Whether <paramref name="filter"/> is a shared-subscription filter (MQTT 5 section 4.8.2).</summary>
    /// <param name="filter">A topic filter.</param>
    /// <returns><see langword="true"/> for <c>$share/{group}/{filter}</c>.</returns>
    public static bool IsShared(string filter) =>
        filter.StartsWith("$share/", StringComparison.Ordinal) && filter.IndexOf('/', "$share/".Length) > "$share/".Length;

    /// <summary>The topic filter inside a shared-subscription filter (<c>$share/g/a/+</c> gives <c>a/+</c>).</summary>
    /// <param name="sharedFilter">A filter for which <see cref="IsShared"/> holds.</param>
    /// <returns>The topic filter.</returns>
    public static string TopicFilterOf(string sharedFilter)
    {
        ArgumentNullException.ThrowIfNull(sharedFilter);
        return sharedFilter[(sharedFilter.IndexOf('/', "$share/".Length) + 1)..];
    }

    /// <inheritdoc />
    public Task<MqttClientPublishResult> PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken = default) =>
        inner.PublishAsync(message, cancellationToken);

    /// <inheritdoc />
    public async Task<MqttClientSubscribeResult> SubscribeAsync(MqttClientSubscribeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = await inner.SubscribeAsync(options, cancellationToken).ConfigureAwait(false);
        lock (gate)
        {
            foreach (var item in result.Items)
            {
                if (IsShared(item.TopicFilter.Topic) && (int)item.ResultCode <= (int)MqttClientSubscribeResultCode.GrantedQoS2)
                {
                    filters.Add(item.TopicFilter.Topic);
                }
            }
        }

        return result;
    }

    /// <inheritdoc />
    public async Task<MqttClientUnsubscribeResult> UnsubscribeAsync(MqttClientUnsubscribeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = await inner.UnsubscribeAsync(options, cancellationToken).ConfigureAwait(false);
        lock (gate)
        {
            foreach (var filter in options.TopicFilters)
            {
                filters.Remove(filter);
            }
        }

        return result;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
