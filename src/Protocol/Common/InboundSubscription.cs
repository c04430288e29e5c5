using Microsoft.Extensions.Logging;
using MQTTnet;
using OrleansAio.Protocol.Mqtt;

namespace OrleansAio.Protocol.Common;

/// <summary>
/// The subscription lifecycle every inbound envoy (command executor, telemetry receiver) shares: subscribe (QoS 1) and listen,
/// hand each message whose topic matches to an <see cref="OrderedDispatcher"/> with manual acknowledgement, stop listening,
/// unsubscribe. A failed subscribe leaves it unstarted, so a later start subscribes again.
/// </summary>
internal sealed class InboundSubscription : IAsyncDisposable
{
    private readonly IMqttPubSubClient mqttClient;
    private readonly string description;
    private readonly string logName;
    private readonly ILogger logger;
    private readonly Func<MqttApplicationMessageReceivedEventArgs, Func<Task<Func<Task>?>>> prepare;
    private readonly Lock gate = new();
    private OrderedDispatcher? dispatcher;
    private string? subscribeFilter;
    private string? matchFilter;

    /// <summary>Creates an unstarted subscription.</summary>
    /// <param name="mqttClient">The MQTT session.</param>
    /// <param name="description">What subscribes, for errors (<c>command 'x'</c>).</param>
    /// <param name="logName">The envoy's name in logs (<c>CommandExecutor 'x'</c>).</param>
    /// <param name="logger">The envoy's logger.</param>
    /// <param name="prepare">For a matching message: the work to queue in arrival order (it returns the execution, which waits for a slot).</param>
    public InboundSubscription(
        IMqttPubSubClient mqttClient,
        string description,
        string logName,
        ILogger logger,
        Func<MqttApplicationMessageReceivedEventArgs, Func<Task<Func<Task>?>>> prepare)
    {
        this.mqttClient = mqttClient;
        this.description = description;
        this.logName = logName;
        this.logger = logger;
        this.prepare = prepare;
    }

    /// <summary>Subscribes to <paramref name="filter"/> and starts dispatching messages whose topic matches <paramref name="topicFilter"/>.</summary>
    /// <param name="filter">The filter to subscribe to (with a <c>$share/</c> prefix when shared).</param>
    /// <param name="topicFilter">The filter that received topics must match (without the prefix).</param>
    /// <param name="concurrency">The most executions at once.</param>
    /// <param name="cancellationToken">Cancels the subscribe.</param>
    /// <returns>A task that completes when the SUBACK arrived (at once when already started).</returns>
    public async Task StartAsync(string filter, string topicFilter, int concurrency, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (dispatcher is not null)
            {
                return;
            }

            subscribeFilter = filter;
            matchFilter = topicFilter;
            dispatcher = new OrderedDispatcher(concurrency, logger);
        }

        mqttClient.ApplicationMessageReceivedAsync += OnMessageReceivedAsync;
        try
        {
            await EnvoySubscriptions.SubscribeAsync(mqttClient, filter, description, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await StopListeningAsync().ConfigureAwait(false);
            throw;
        }

        ProtocolLog.Subscribed(logger, logName, filter);
    }

    /// <summary>Stops dispatching (letting running executions finish) and unsubscribes.</summary>
    /// <param name="cancellationToken">Cancels the unsubscribe.</param>
    /// <returns>A task that completes when the UNSUBACK arrived (at once when not started).</returns>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        string? filter;
        lock (gate)
        {
            filter = subscribeFilter;
        }

        if (!await StopListeningAsync().ConfigureAwait(false) || filter is null)
        {
            return;
        }

        await EnvoySubscriptions.UnsubscribeAsync(mqttClient, filter, description, cancellationToken).ConfigureAwait(false);
        ProtocolLog.Unsubscribed(logger, logName, filter);
    }

    /// <summary>Stops dispatching without unsubscribing.</summary>
    /// <returns>A task that completes when running executions finished.</returns>
    public async ValueTask DisposeAsync() => await StopListeningAsync().ConfigureAwait(false);

    private async Task<bool> StopListeningAsync()
    {
        OrderedDispatcher? running;
        lock (gate)
        {
            running = dispatcher;
            dispatcher = null;
        }

        if (running is null)
        {
            return false;
        }

        mqttClient.ApplicationMessageReceivedAsync -= OnMessageReceivedAsync;
        await running.DisposeAsync().ConfigureAwait(false);
        return true;
    }

    private Task OnMessageReceivedAsync(MqttApplicationMessageReceivedEventArgs args)
    {
        var running = dispatcher;
        var filter = matchFilter;
        if (running is null || filter is null || !TopicPattern.MatchesFilter(args.ApplicationMessage.Topic, filter))
        {
            return Task.CompletedTask;
        }

        var work = prepare(args);
        args.AutoAcknowledge = false;
        if (!running.Enqueue(work))
        {
            args.AutoAcknowledge = true;
        }

        return Task.CompletedTask;
    }
}
