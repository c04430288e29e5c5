using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansAio.GrainsInterfaces.Telemetry;

namespace OrleansAio.Client.Telemetry;

/// <summary>
/// A long-lived subscription of an observer to a telemetry topic grain: the topic grain forgets observers it has not heard from
/// for five minutes (they are in memory, so a topic grain that moved or restarted forgets them at once), so this renews the
/// subscription every <see cref="RenewEvery"/> until disposed.
/// </summary>
/// <typeparam name="T">The telemetry payload type.</typeparam>
/// <remarks>
/// Messages delivered while the subscription lapsed (between a topic grain's restart and the next renewal) are not replayed:
/// read <see cref="ITelemetryTopicGrain{T}.GetLastAsync"/> after <see cref="StartAsync"/> when the latest value matters.
/// </remarks>
public sealed partial class TelemetrySubscription<T> : IAsyncDisposable
{
    /// <summary>How often the subscription is renewed (well inside the topic grain's five-minute observer expiry).</summary>
    public static readonly TimeSpan RenewEvery = TimeSpan.FromMinutes(1);

    private readonly IGrainFactory grainFactory;
    private readonly ITelemetryTopicGrain<T> topic;
    private readonly ITelemetryObserver<T> reference;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly CancellationTokenSource stopping = new();
    private Task? renewal;

    private TelemetrySubscription(IGrainFactory grainFactory, ITelemetryTopicGrain<T> topic, ITelemetryObserver<T> reference, TimeProvider timeProvider, ILogger logger)
    {
        this.grainFactory = grainFactory;
        this.topic = topic;
        this.reference = reference;
        this.timeProvider = timeProvider;
        this.logger = logger;
    }

    /// <summary>Subscribes <paramref name="observer"/> to the topic grain keyed <paramref name="topicKey"/> and keeps it subscribed.</summary>
    /// <param name="grainFactory">The cluster client or a grain's factory.</param>
    /// <param name="topicKey">The topic grain's key (<c>TelemetryTopicKey.Format(name, key)</c>).</param>
    /// <param name="observer">The observer (a local object; its grain-observer reference is created and deleted here).</param>
    /// <param name="timeProvider">The clock of the renewals; defaults to the system clock.</param>
    /// <param name="loggerFactory">Logs failed renewals; optional.</param>
    /// <returns>The subscription; dispose it to unsubscribe.</returns>
    public static async Task<TelemetrySubscription<T>> StartAsync(
        IGrainFactory grainFactory, string topicKey, ITelemetryObserver<T> observer, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(grainFactory);
        ArgumentException.ThrowIfNullOrEmpty(topicKey);
        ArgumentNullException.ThrowIfNull(observer);
        var topic = grainFactory.GetGrain<ITelemetryTopicGrain<T>>(topicKey);
        var reference = grainFactory.CreateObjectReference<ITelemetryObserver<T>>(observer);
        var subscription = new TelemetrySubscription<T>(
            grainFactory, topic, reference, timeProvider ?? TimeProvider.System, (ILogger?)loggerFactory?.CreateLogger<TelemetrySubscription<T>>() ?? NullLogger.Instance);
        await topic.SubscribeAsync(reference);
        subscription.renewal = subscription.RenewAsync();
        return subscription;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        if (renewal is not null)
        {
            await renewal.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        try
        {
            await topic.UnsubscribeAsync(reference);
        }
        catch (Exception ex)
        {
            LogUnsubscribeFailed(ex);
        }

        grainFactory.DeleteObjectReference<ITelemetryObserver<T>>(reference);
        stopping.Dispose();
    }

    private async Task RenewAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            await Task.Delay(RenewEvery, timeProvider, stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (stopping.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await topic.SubscribeAsync(reference);
            }
            catch (Exception ex)
            {
                LogRenewFailed(ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing a telemetry subscription failed; tried again at the next renewal")]
    private partial void LogRenewFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ending a telemetry subscription failed")]
    private partial void LogUnsubscribeFailed(Exception exception);
}
