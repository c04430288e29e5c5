using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Utilities;
using OrleansAio.Grains.Rpc;
using OrleansAio.GrainsInterfaces.Telemetry;
using OrleansAio.Protocol.CloudEvents;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Telemetry;

namespace OrleansAio.Grains.Telemetry;

/// <summary>The persisted state of <see cref="TelemetryTopicGrain{T}"/>.</summary>
/// <typeparam name="T">The payload type.</typeparam>
[GenerateSerializer]
public sealed class TelemetryTopicState<T>
{
    /// <summary>The last received message.</summary>
    [Id(0)]
    public TelemetryMessage<T>? Last { get; set; }
}

/// <summary>
/// One key of a registered telemetry topic: sends through the silo's shared sender, stores the last received message (written to
/// grain storage before <see cref="DeliverAsync"/> returns, so the silo acknowledges the MQTT message only once it is stored) and
/// notifies grain observers.
/// </summary>
/// <remarks>
/// Observers are held by an <see cref="ObserverManager{TObserver}"/> in memory and lapse after <see cref="ObserverExpiry"/>
/// without renewal, or when the activation goes away: subscribers renew by calling <see cref="SubscribeAsync"/> periodically
/// (see <c>README.md</c> for why observers rather than a stream).
/// </remarks>
/// <typeparam name="T">The payload type.</typeparam>
/// <param name="state">The persisted last value.</param>
/// <param name="topics">The silo's registered telemetry topics and senders.</param>
/// <param name="logger">Logger.</param>
public sealed partial class TelemetryTopicGrain<T>(
    [PersistentState("telemetry")] IPersistentState<TelemetryTopicState<T>> state,
    TelemetryTopics topics,
    ILogger<TelemetryTopicGrain<T>> logger) : Grain, ITelemetryTopicGrain<T>
{
    /// <summary>How long an observer subscription lasts without renewal.</summary>
    public static readonly TimeSpan ObserverExpiry = TimeSpan.FromMinutes(5);

    private readonly ObserverManager<ITelemetryObserver<T>> observers = new(ObserverExpiry, logger);

    /// <inheritdoc />
    public async Task SendAsync(T message, IReadOnlyDictionary<string, string>? userData = null, TelemetryCloudEvent? cloudEvent = null, CancellationToken cancellationToken = default)
    {
        try
        {
            await SendCoreAsync(message, userData, cloudEvent, cancellationToken);
        }
        catch (AioProtocolException ex)
        {
            throw AioEnvoyErrors.FromProtocol(ex);
        }
    }

    private async Task SendCoreAsync(T message, IReadOnlyDictionary<string, string>? userData, TelemetryCloudEvent? cloudEvent, CancellationToken cancellationToken)
    {
        var (name, key) = TelemetryTopicKey.Parse(this.GetPrimaryKeyString());
        var registration = topics.Get<T>(name);
        var sender = topics.GetSender<T>(name);
        var metadata = new OutgoingTelemetryMetadata();
        if (userData is not null)
        {
            foreach (var (property, value) in userData)
            {
                metadata.UserData[property] = value;
            }
        }

        if (cloudEvent is not null)
        {
            metadata.CloudEvent = new CloudEvent(cloudEvent.Source, cloudEvent.Type, cloudEvent.SpecVersion)
            {
                Id = cloudEvent.Id,
                Time = cloudEvent.Time,
                Subject = cloudEvent.Subject,
                DataSchema = cloudEvent.DataSchema,
            };
        }

        await sender.SendTelemetryAsync(
            message,
            metadata,
            new Dictionary<string, string> { [registration.KeyToken] = key },
            telemetryTimeout: registration.TelemetryTimeout,
            cancellationToken: cancellationToken);
    }

    /// <inheritdoc />
    public async Task DeliverAsync(TelemetryMessage<T> message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (IsNewerThanLast(message))
        {
            state.State.Last = message;
            await state.WriteStateAsync();
        }

        if (observers.Count > 0)
        {
            await observers.Notify(observer => observer.OnTelemetryAsync(message));
        }
    }

    // Messages of one topic are dispatched concurrently by the receiver, so a later message may arrive first: the sender's
    // hybrid logical clock decides which one is the last value (messages without __ts count as newest).
    private bool IsNewerThanLast(TelemetryMessage<T> message)
    {
        if (state.State.Last?.Timestamp is not { } lastStamp || message.Timestamp is not { } stamp)
        {
            return true;
        }

        try
        {
            return HybridLogicalClock.DecodeFromString("__ts", stamp).CompareTo(HybridLogicalClock.DecodeFromString("__ts", lastStamp)) >= 0;
        }
        catch (AioProtocolException)
        {
            return true;
        }
    }

    /// <inheritdoc />
    public Task<TelemetryMessage<T>?> GetLastAsync() => Task.FromResult(state.State.Last);

    /// <inheritdoc />
    public Task SubscribeAsync(ITelemetryObserver<T> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        observers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task UnsubscribeAsync(ITelemetryObserver<T> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }
}
