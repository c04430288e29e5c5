using OrleansAio.Abstractions.Common;
using OrleansAio.Abstractions.StateStore;
using OrleansAio.GrainsInterfaces.StateStore;

namespace OrleansAio.GrainsInterfaces.Leasing;

/// <summary>
/// One lease (lock) by name, kept in the state store with the public AIO SDK's algorithm (services.md section 2): the state-store
/// key is the lease name's UTF-8 bytes, its value the holder, and acquiring is <c>SET name holder NEX PX term</c>. The grain keeps
/// no truth of its own: every operation goes to the key's <see cref="IStateStoreKeyGrain"/>, so wire clients (ours or the AIO
/// SDK's) and grain callers contend for the same lease.
/// </summary>
/// <remarks>
/// The fencing token of a holding is the state-store version of the lease key after the acquiring or renewing SET; pass it as the
/// fencing token of writes to other state-store keys. The grain never renews by itself: a holder that wants automatic renewal
/// renews from where it runs (<c>OrleansAio.Grains.Leasing.AutoRenewingLease</c>), so a dead holder stops renewing and its lease
/// expires. See <c>src/Grains/Leasing/README.md</c>.
/// </remarks>
public interface ILeaseGrain : IGrainWithStringKey
{
    /// <summary>The longest <c>timeout</c> <see cref="AcquireAsync"/> accepts (below the method's response timeout of 10 minutes).</summary>
    const int MaxAcquireTimeoutSeconds = 540;

    /// <summary>One attempt to acquire (or, for the current holder, renew) the lease.</summary>
    /// <param name="holder">The holder's identity (non-empty); must be unique among contenders.</param>
    /// <param name="term">How long the lease lasts without renewal: whole milliseconds, at least 1 ms.</param>
    /// <returns>Acquired with the fencing token, or not acquired with the current holder.</returns>
    Task<LeaseAcquireResult> TryAcquireAsync(string holder, TimeSpan term);

    /// <summary>
    /// Acquires the lease, waiting while another holder has it. The wait is woken by the lease key's DELETE notification (a release
    /// or an expiry), not by polling; it ends unacquired after <paramref name="timeout"/>.
    /// </summary>
    /// <param name="holder">The holder's identity (non-empty).</param>
    /// <param name="term">The lease term (whole milliseconds, at least 1 ms).</param>
    /// <param name="timeout">How long to wait, from zero to <see cref="MaxAcquireTimeoutSeconds"/>.</param>
    /// <param name="cancellationToken">Cancels the wait (the call then fails with <see cref="OperationCanceledException"/>).</param>
    /// <returns>Acquired with the fencing token, or not acquired (timed out) with the current holder.</returns>
    [ResponseTimeout("00:10:00")]
    Task<LeaseAcquireResult> AcquireAsync(string holder, TimeSpan term, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>
    /// Renews the lease for its holder (the same <c>SET NEX PX</c> as acquiring, as in every AIO SDK): the TTL restarts and a new,
    /// higher fencing token is returned. A lease that lapsed and is free is re-acquired; one taken by another holder is not.
    /// </summary>
    /// <param name="holder">The holder.</param>
    /// <param name="term">The new term.</param>
    /// <returns>Renewed with the new token, or not renewed with the current holder.</returns>
    Task<LeaseAcquireResult> RenewAsync(string holder, TimeSpan term);

    /// <summary>Releases the lease if <paramref name="holder"/> holds it (<c>VDEL name holder</c>); waiting acquirers wake at once.</summary>
    /// <param name="holder">The holder.</param>
    /// <returns><see langword="true"/> when released; <see langword="false"/> when the lease was free or held by another.</returns>
    Task<bool> ReleaseAsync(string holder);

    /// <summary>Reads the current holder and the lease key's version (the holder's latest fencing token).</summary>
    /// <returns>The holder, or <see langword="null"/> when the lease is free.</returns>
    Task<LeaseHolder?> GetHolderAsync();

    /// <summary>Notifies <paramref name="observer"/> of every change of holder (acquired, renewed, released or expired).</summary>
    /// <param name="observer">A grain observer reference (<c>IGrainFactory.CreateObjectReference</c>).</param>
    /// <returns>A task that completes when registered.</returns>
    /// <remarks>Registrations live <see cref="ObserverLifetimeMinutes"/> minutes; observe again before that to keep one.</remarks>
    Task ObserveAsync(ILeaseObserver observer);

    /// <summary>Stops notifying <paramref name="observer"/>.</summary>
    /// <param name="observer">The observer.</param>
    /// <returns>Whether it was registered.</returns>
    Task<bool> UnobserveAsync(ILeaseObserver observer);

    /// <summary>How long an observer registration lives without a new <see cref="ObserveAsync"/>.</summary>
    const int ObserverLifetimeMinutes = 5;
}

/// <summary>Receives the holder changes of an observed lease.</summary>
public interface ILeaseObserver : IGrainObserver
{
    /// <summary>Called once per change of the lease key, in order.</summary>
    /// <param name="change">The change.</param>
    /// <returns>A task that completes when handled.</returns>
    Task OnLeaseChangedAsync(LeaseChange change);
}

/// <summary>The outcome of an acquire or renew.</summary>
/// <param name="Acquired">Whether the caller holds the lease now.</param>
/// <param name="FencingToken">When acquired: the fencing token (the lease key's new version). Otherwise <see langword="null"/>.</param>
/// <param name="Holder">When not acquired: the holder that has the lease (null if it was released meanwhile).</param>
[GenerateSerializer, Immutable]
public sealed record LeaseAcquireResult(
    [property: Id(0)] bool Acquired,
    [property: Id(1)] HlcTimestamp? FencingToken,
    [property: Id(2)] string? Holder);

/// <summary>Who holds a lease.</summary>
/// <param name="Holder">The holder (the lease key's value as UTF-8).</param>
/// <param name="FencingToken">The lease key's version: the holder's latest fencing token.</param>
[GenerateSerializer, Immutable]
public sealed record LeaseHolder(
    [property: Id(0)] string Holder,
    [property: Id(1)] HlcTimestamp FencingToken);

/// <summary>What happened to a lease.</summary>
public enum LeaseChangeKind
{
    /// <summary>The lease was acquired or renewed (the key was set); <see cref="LeaseChange.Holder"/> holds it.</summary>
    Acquired = 0,

    /// <summary>The lease was released or expired (the key was deleted).</summary>
    Released = 1,
}

/// <summary>One change of a lease.</summary>
/// <param name="LeaseName">The lease.</param>
/// <param name="Kind">Acquired (or renewed) or released (or expired).</param>
/// <param name="Holder">The holder after the change; <see langword="null"/> when released.</param>
/// <param name="Version">The version of the change in the state store.</param>
[GenerateSerializer, Immutable]
public sealed record LeaseChange(
    [property: Id(0)] string LeaseName,
    [property: Id(1)] LeaseChangeKind Kind,
    [property: Id(2)] string? Holder,
    [property: Id(3)] HlcTimestamp Version);

/// <summary>What went wrong with a lease operation.</summary>
public enum LeaseErrorKind
{
    /// <summary>An argument is invalid (the message names it and its value).</summary>
    ArgumentInvalid = 0,

    /// <summary>The state store refused the request (<see cref="LeaseException.StateStoreError"/> says why).</summary>
    StateStoreError = 1,

    /// <summary>The holder does not hold the lease (for instance a fenced write after the lease was lost).</summary>
    NotHeld = 2,
}

/// <summary>The one error type of the leasing and leader-election grains.</summary>
[GenerateSerializer]
public sealed class LeaseException : Exception
{
    /// <summary>Creates the error.</summary>
    /// <param name="kind">The kind.</param>
    /// <param name="message">What is wrong, naming the lease, argument and value.</param>
    /// <param name="stateStoreError">The state store's error, for <see cref="LeaseErrorKind.StateStoreError"/>.</param>
    public LeaseException(LeaseErrorKind kind, string message, StateStoreServiceError? stateStoreError = null)
        : base(message)
    {
        Kind = kind;
        StateStoreError = stateStoreError;
    }

    /// <summary>The kind.</summary>
    [Id(0)]
    public LeaseErrorKind Kind { get; }

    /// <summary>The state store's error, if that was the cause.</summary>
    [Id(1)]
    public StateStoreServiceError? StateStoreError { get; }
}
