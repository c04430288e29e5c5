using OrleansAio.Abstractions.Common;

namespace OrleansAio.Protocol.StateStore;

/// <summary>
/// The state store as an application sees it, with the public AIO SDK's method names. Implemented by the wire-level
/// <see cref="StateStoreClient"/> (any AIO-compatible state store over MQTT) and by the Orleans façade
/// <c>OrleansAio.Grains.StateStore.ClusterStateStoreClient</c> (grain calls).
/// </summary>
/// <remarks>
/// Service errors surface as <see cref="Common.AioProtocolException"/> of kind <see cref="AioErrorKind.ExecutionException"/>
/// whose <see cref="StateStoreErrors.GetStateStoreError"/> names the error, on both implementations.
/// </remarks>
public interface IStateStoreClient : IAsyncDisposable
{
    /// <summary>Raised once per change of an observed key, in change order.</summary>
    event Func<object?, KeyChangeMessageReceivedEventArgs, Task>? KeyChangeMessageReceivedAsync;

    /// <summary>Reads a key.</summary>
    /// <param name="key">The key.</param>
    /// <param name="requestTimeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The value and version, both <see langword="null"/> when absent.</returns>
    Task<StateStoreGetResponse> GetAsync(StateStoreKey key, TimeSpan? requestTimeout = null, CancellationToken cancellationToken = default);

    /// <summary>Writes a key.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="options">Condition, expiry and fencing token.</param>
    /// <param name="requestTimeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Whether it was applied, and the version.</returns>
    Task<StateStoreSetResponse> SetAsync(
        StateStoreKey key, StateStoreValue value, StateStoreSetRequestOptions? options = null, TimeSpan? requestTimeout = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes a key (optionally only if it holds a value).</summary>
    /// <param name="key">The key.</param>
    /// <param name="options">Value condition and fencing token.</param>
    /// <param name="requestTimeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>1 deleted, 0 absent, -1 value mismatch.</returns>
    Task<StateStoreDeleteResponse> DeleteAsync(
        StateStoreKey key, StateStoreDeleteRequestOptions? options = null, TimeSpan? requestTimeout = null, CancellationToken cancellationToken = default);

    /// <summary>Starts notifications for a key.</summary>
    /// <param name="key">The key.</param>
    /// <param name="requestTimeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the observation is registered.</returns>
    Task ObserveAsync(StateStoreKey key, TimeSpan? requestTimeout = null, CancellationToken cancellationToken = default);

    /// <summary>Stops notifications for a key.</summary>
    /// <param name="key">The key.</param>
    /// <param name="requestTimeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Whether an observation existed.</returns>
    Task<bool> UnobserveAsync(StateStoreKey key, TimeSpan? requestTimeout = null, CancellationToken cancellationToken = default);
}
