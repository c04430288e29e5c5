using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansAio.Abstractions.Common;
using OrleansAio.Abstractions.StateStore;
using OrleansAio.GrainsInterfaces.StateStore;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.StateStore;

namespace OrleansAio.Client.StateStore;

/// <summary>
/// The state store for Orleans client applications (and grains): the public AIO SDK's <c>StateStoreClient</c> method names over
/// <see cref="IStateStoreKeyGrain"/> calls. Same contract as the wire-level <see cref="StateStoreClient"/>
/// (<see cref="IStateStoreClient"/>), including the error shape.
/// </summary>
/// <remarks>
/// Observations use one grain-observer reference per façade, renewed every minute while observed (grains forget observers not
/// renewed within <see cref="IStateStoreKeyGrain.ObserverLifetimeMinutes"/> minutes). The timeout bounds the wait for the grain
/// call; a call that times out may still have been applied.
/// </remarks>
public sealed partial class ClusterStateStoreClient : IStateStoreClient, IStateStoreKeyObserver
{
    private static readonly TimeSpan RenewEvery = TimeSpan.FromMinutes(1);

    private readonly IGrainFactory grainFactory;
    private readonly ApplicationContext context;
    private readonly ILogger logger;
    private readonly Lock gate = new();
    private readonly HashSet<string> observed = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource stopping = new();
    private readonly int maxKeyBytes;
    private IStateStoreKeyObserver? reference;
    private Task? renewal;

    /// <summary>Creates a façade.</summary>
    /// <param name="grainFactory">The cluster client or a grain's factory.</param>
    /// <param name="context">The application context: its clock stamps requests (<c>__ts</c>) and its time source drives timeouts.</param>
    /// <param name="loggerFactory">Logging; optional.</param>
    /// <param name="maxKeyBytes">The key size limit (as the silo's <c>StateStore:MaxKeyBytes</c>).</param>
    public ClusterStateStoreClient(IGrainFactory grainFactory, ApplicationContext? context = null, ILoggerFactory? loggerFactory = null, int maxKeyBytes = StateStoreLimits.DefaultMaxKeyBytes)
    {
        ArgumentNullException.ThrowIfNull(grainFactory);
        this.grainFactory = grainFactory;
        this.context = context ?? new ApplicationContext();
        this.maxKeyBytes = maxKeyBytes;
        logger = (ILogger?)loggerFactory?.CreateLogger<ClusterStateStoreClient>() ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public event Func<object?, KeyChangeMessageReceivedEventArgs, Task>? KeyChangeMessageReceivedAsync;

    /// <inheritdoc />
    public async Task<StateStoreGetResponse> GetAsync(StateStoreKey key, TimeSpan? requestTimeout = null, CancellationToken cancellationToken = default)
    {
        var grain = Grain(key);
        var result = await grain.GetAsync().CallAsync(requestTimeout, context.TimeProvider, cancellationToken).ConfigureAwait(false);
        return result.Value is null
            ? new StateStoreGetResponse(null, null)
            : new StateStoreGetResponse(HybridLogicalClock.FromTimestamp(result.Version!), new StateStoreValue(result.Value));
    }

    /// <inheritdoc />
    public async Task<StateStoreSetResponse> SetAsync(
        StateStoreKey key, StateStoreValue value, StateStoreSetRequestOptions? options = null, TimeSpan? requestTimeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        options ??= new StateStoreSetRequestOptions();
        var grain = Grain(key);
        long? px = null;
        if (options.ExpiryTime is { } expiry)
        {
            px = (long)expiry.TotalMilliseconds;
            if (px < 1)
            {
                throw AioProtocolException.ConfigurationInvalid(nameof(options.ExpiryTime), expiry, "the expiry must be at least 1 ms");
            }
        }

        var request = new StateStoreSetRequest(value.Bytes, options.Condition, px, options.FencingToken?.ToTimestamp(), Stamp());
        var result = await grain.SetAsync(request).CallAsync(requestTimeout, context.TimeProvider, cancellationToken).ConfigureAwait(false);
        ThrowIfError(result.Error);
        return new StateStoreSetResponse(result.Version is { } version ? HybridLogicalClock.FromTimestamp(version) : null, result.Applied);
    }

    /// <inheritdoc />
    public async Task<StateStoreDeleteResponse> DeleteAsync(
        StateStoreKey key, StateStoreDeleteRequestOptions? options = null, TimeSpan? requestTimeout = null, CancellationToken cancellationToken = default)
    {
        options ??= new StateStoreDeleteRequestOptions();
        var grain = Grain(key);
        var request = new StateStoreDeleteRequest(options.FencingToken?.ToTimestamp(), Stamp());
        var call = options.OnlyDeleteIfValueEquals is { } expected ? grain.VDeleteAsync(expected.Bytes, request) : grain.DeleteAsync(request);
        var result = await call.CallAsync(requestTimeout, context.TimeProvider, cancellationToken).ConfigureAwait(false);
        ThrowIfError(result.Error);
        return new StateStoreDeleteResponse(result.DeletedCount);
    }

    /// <inheritdoc />
    public async Task ObserveAsync(StateStoreKey key, TimeSpan? requestTimeout = null, CancellationToken cancellationToken = default)
    {
        var grain = Grain(key);
        var grainKey = StateStoreGrainKey.ToGrainKey(key.Bytes);
        IStateStoreKeyObserver observer;
        lock (gate)
        {
            reference ??= grainFactory.CreateObjectReference<IStateStoreKeyObserver>(this);
            observer = reference;
            observed.Add(grainKey);
            renewal ??= RenewAsync();
        }

        await grain.ObserveAsync(observer).CallAsync(requestTimeout, context.TimeProvider, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> UnobserveAsync(StateStoreKey key, TimeSpan? requestTimeout = null, CancellationToken cancellationToken = default)
    {
        var grain = Grain(key);
        IStateStoreKeyObserver? observer;
        lock (gate)
        {
            observed.Remove(StateStoreGrainKey.ToGrainKey(key.Bytes));
            observer = reference;
        }

        return observer is not null
            && await grain.UnobserveAsync(observer).CallAsync(requestTimeout, context.TimeProvider, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    async Task IStateStoreKeyObserver.OnKeyChangedAsync(StateStoreKeyNotification notification)
    {
        var change = notification.Operation == StateStoreKeyOperation.Set
            ? new KeyChangeMessageReceivedEventArgs(new StateStoreKey(notification.Key), KeyState.Updated, HybridLogicalClock.FromTimestamp(notification.Version))
            {
                NewValue = new StateStoreValue(notification.Value ?? []),
            }
            : new KeyChangeMessageReceivedEventArgs(new StateStoreKey(notification.Key), KeyState.Deleted, HybridLogicalClock.FromTimestamp(notification.Version));
        if (KeyChangeMessageReceivedAsync is { } handler)
        {
            try
            {
                await handler(this, change).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                LogHandlerFailed(ex);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        IStateStoreKeyObserver? observer;
        string[] keys;
        Task? running;
        lock (gate)
        {
            observer = reference;
            keys = [.. observed];
            observed.Clear();
            running = renewal;
            reference = null;
        }

        await stopping.CancelAsync().ConfigureAwait(false);
        if (running is not null)
        {
            await running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (observer is not null)
        {
            foreach (var key in keys)
            {
                try
                {
                    await grainFactory.GetGrain<IStateStoreKeyGrain>(key).UnobserveAsync(observer).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    LogUnobserveFailed(ex, key);
                }
            }

            grainFactory.DeleteObjectReference<IStateStoreKeyObserver>(observer);
        }

        stopping.Dispose();
    }

    private static void ThrowIfError(StateStoreServiceError? error)
    {
        if (error is { } kind)
        {
            throw StateStoreErrors.CreateException(kind);
        }
    }

    private IStateStoreKeyGrain Grain(StateStoreKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Bytes.Length == 0)
        {
            throw StateStoreErrors.CreateException(StateStoreServiceError.KeyLengthZero);
        }

        if (key.Bytes.Length > maxKeyBytes)
        {
            throw StateStoreErrors.CreateException(StateStoreServiceError.QuotaExceeded);
        }

        return grainFactory.GetGrain<IStateStoreKeyGrain>(StateStoreGrainKey.ToGrainKey(key.Bytes));
    }

    private HlcTimestamp Stamp() => context.ApplicationHlc.UpdateNowToTimestamp(context.MaxClockDrift);

    private async Task RenewAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            await Task.Delay(RenewEvery, context.TimeProvider, stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            string[] keys;
            IStateStoreKeyObserver? observer;
            lock (gate)
            {
                keys = [.. observed];
                observer = reference;
            }

            if (stopping.IsCancellationRequested || observer is null)
            {
                return;
            }

            foreach (var key in keys)
            {
                try
                {
                    await grainFactory.GetGrain<IStateStoreKeyGrain>(key).ObserveAsync(observer).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    LogRenewFailed(ex, key);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A key change handler failed")]
    private partial void LogHandlerFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the observation of state store key {GrainKey} failed")]
    private partial void LogRenewFailed(Exception exception, string grainKey);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ending the observation of state store key {GrainKey} failed")]
    private partial void LogUnobserveFailed(Exception exception, string grainKey);
}

/// <summary>Bounds a grain call by the request timeout, failing with the protocol layer's timeout error.</summary>
internal static class GrainCallTimeout
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Awaits <paramref name="call"/> for at most <paramref name="timeout"/>.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="call">The grain call.</param>
    /// <param name="timeout">The timeout (default 10 s).</param>
    /// <param name="timeProvider">The time source.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The result.</returns>
    public static async Task<T> CallAsync<T>(this Task<T> call, TimeSpan? timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var limit = timeout ?? DefaultTimeout;
        try
        {
            return await call.WaitAsync(limit, timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw AioProtocolException.Timeout("requestTimeout", limit, $"The state store call did not complete within {limit}", ex);
        }
    }

    /// <summary>Awaits <paramref name="call"/> for at most <paramref name="timeout"/>.</summary>
    /// <param name="call">The grain call.</param>
    /// <param name="timeout">The timeout (default 10 s).</param>
    /// <param name="timeProvider">The time source.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes with the call.</returns>
    public static async Task CallAsync(this Task call, TimeSpan? timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        await CallAsync(call.ContinueWith(t => { t.GetAwaiter().GetResult(); return true; }, TaskScheduler.Default), timeout, timeProvider, cancellationToken).ConfigureAwait(false);
    }
}
