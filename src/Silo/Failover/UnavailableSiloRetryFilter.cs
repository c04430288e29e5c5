using System.Diagnostics.Metrics;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Options;
using Orleans.Runtime.Messaging;
using OrleansAio.Silo.Broker;

namespace OrleansAio.Silo.Failover;

/// <summary>
/// Retries a grain call that failed because its target silo could not be reached: the silo is dead or dying, Orleans membership
/// has not declared it dead yet (or the caller's directory cache still points at it), and the call would succeed on the new
/// activation that Orleans places once it has. Without this, every request a survivor serves in the seconds after a silo dies
/// and that touches a grain of the dead silo is answered with an error.
/// </summary>
/// <remarks>
/// <para>Only the calls made while serving an MQTT request (those with a <see cref="CallerDeadline"/>) are retried: retrying
/// the silo's own background calls as well (the cluster journal, the session takeover) delayed the takeover by seconds.</para>
/// <para>Retried: <see cref="OrleansMessageRejectionException"/> (the message was rejected before it reached a grain, for
/// example "Exception while sending message"), <see cref="ConnectionFailedException"/> (no connection to the target silo) and
/// <see cref="SiloUnavailableException"/> (the target silo is known to be dead, or died while the call was pending). The
/// last one is ambiguous: the dead silo may have run the call before it died. That is the redelivery case the command
/// dedup record and the state store's idempotent writes are built for (see the README's "Failover" section).</para>
/// <para>Only a failure of the call itself is retried, never one that a grain method let escape from a call it made in turn:
/// as an incoming-call filter this class wraps such an escaping failure in a plain <see cref="OrleansException"/> (same message,
/// the original as inner exception), so the caller sees an ordinary grain error and the grain does not run again.</para>
/// <para>Waits 100 ms, then twice as long each time up to 1 s, until <see cref="SessionTakeoverOptions.RetryUnavailableFor"/>
/// has passed since the first failure, until <see cref="DeadlineMargin"/> before the <see cref="CallerDeadline"/> of the MQTT
/// request being served, or until that request's execution is cancelled; then the last failure is returned to the caller as
/// it was.</para>
/// </remarks>
public sealed partial class UnavailableSiloRetryFilter : IOutgoingGrainCallFilter, IIncomingGrainCallFilter, IDisposable
{
    /// <summary>
    /// What the wire endpoints (state store, command executors) give the grain calls of one request: the moment by which an
    /// answer must be published (the earlier of the request's expiry and the end of its execution time) and the execution's
    /// cancellation. Retries stop <see cref="DeadlineMargin"/> before the deadline, so an error still reaches the requester
    /// rather than nothing at all, and at once when the execution is cancelled. <see langword="null"/> (every other call): no
    /// retries.
    /// </summary>
    public static readonly AsyncLocal<CallerBudget?> CallerDeadline = new();

    /// <summary>How long before <see cref="CallerDeadline"/> the retries stop (500 ms), to leave time for the error response.</summary>
    public static readonly TimeSpan DeadlineMargin = TimeSpan.FromMilliseconds(500);

    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(1);
    private readonly IOptions<SessionTakeoverOptions> options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly Meter meter;
    private readonly Counter<long> retries;

    /// <summary>Creates the filter.</summary>
    /// <param name="options">The failover options (<see cref="SessionTakeoverOptions.RetryUnavailableFor"/>).</param>
    /// <param name="timeProvider">The clock the waits use.</param>
    /// <param name="loggerFactory">Logger factory.</param>
    public UnavailableSiloRetryFilter(IOptions<SessionTakeoverOptions> options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        this.options = options;
        this.timeProvider = timeProvider;
        logger = loggerFactory.CreateLogger<UnavailableSiloRetryFilter>();
        meter = new Meter(EmbeddedMqttBroker.MeterName);
        retries = meter.CreateCounter<long>("orleans_aio.failover.retried_calls", description: "Grain calls retried because their target silo could not be reached");
    }

    /// <summary>Whether <paramref name="exception"/> says the call's target silo could not be reached.</summary>
    /// <param name="exception">The failure of a grain call.</param>
    /// <returns><see langword="true"/> for a rejected message, a failed connection or an unavailable silo.</returns>
    public static bool IsUnavailableSilo(Exception? exception) =>
        exception is OrleansMessageRejectionException or ConnectionFailedException or SiloUnavailableException;

    /// <inheritdoc />
    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (CallerDeadline.Value is not { } budget)
        {
            // Only the grain calls of a wire request: Orleans' own calls and the silo's background work keep their behaviour.
            await context.Invoke().ConfigureAwait(false);
            return;
        }

        var limit = options.Value.RetryUnavailableFor;
        long? firstFailure = null;
        var delay = FirstDelay;
        var attempt = 0;
        while (true)
        {
            Exception? failure;
            ExceptionDispatchInfo? thrown = null;
            try
            {
                await context.Invoke().ConfigureAwait(false);
                failure = context.Response?.Exception;
            }
            catch (Exception ex) when (IsUnavailableSilo(ex))
            {
                failure = ex;
                thrown = ExceptionDispatchInfo.Capture(ex);
            }

            if (!IsUnavailableSilo(failure))
            {
                if (attempt > 0)
                {
                    LogRecovered(context.InterfaceName, context.MethodName, context.TargetId, attempt);
                }

                return;
            }

            firstFailure ??= timeProvider.GetTimestamp();
            if (timeProvider.GetElapsedTime(firstFailure.Value) + delay > limit
                || timeProvider.GetUtcNow() + delay > budget.Deadline - DeadlineMargin
                || budget.Cancellation.IsCancellationRequested)
            {
                if (attempt > 0)
                {
                    LogGaveUp(failure, context.InterfaceName, context.MethodName, context.TargetId, attempt, limit);
                }

                thrown?.Throw();
                return;
            }

            attempt++;
            retries.Add(1);
            LogRetrying(context.InterfaceName, context.MethodName, context.TargetId, attempt, failure!.GetType().Name);
            try
            {
                await Task.Delay(delay, timeProvider, budget.Cancellation).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The executor has given up on the request: the caller gets the failure, the call is not sent again.
                thrown?.Throw();
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
            context.Response = null!;
        }
    }

    /// <summary>
    /// Incoming side: a grain method whose own call to an unreachable silo failed (and that let the failure escape) fails with
    /// a plain <see cref="OrleansException"/> around it, so its caller's outgoing side does not mistake it for its own call's
    /// failure and run the method again.
    /// </summary>
    /// <param name="context">The incoming call.</param>
    /// <returns>The call.</returns>
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            await context.Invoke().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnavailableSilo(ex))
        {
            throw new OrleansException(ex.Message, ex);
        }
    }

    /// <inheritdoc />
    public void Dispose() => meter.Dispose();

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Interface}.{Method} on {Grain}: target silo unreachable ({Failure}); retry {Attempt}")]
    private partial void LogRetrying(string @interface, string method, GrainId grain, int attempt, string failure);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Interface}.{Method} on {Grain} succeeded after {Attempts} retries: its target silo had become unreachable")]
    private partial void LogRecovered(string @interface, string method, GrainId grain, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Interface}.{Method} on {Grain} failed after {Attempts} retries: its target silo is still unreachable (retries end after Failover:RetryUnavailableFor, {Limit}, or shortly before the request's expiry)")]
    private partial void LogGaveUp(Exception? exception, string @interface, string method, GrainId grain, int attempts, TimeSpan limit);
}

/// <summary>The answer budget of the MQTT request a grain call serves (<see cref="UnavailableSiloRetryFilter.CallerDeadline"/>).</summary>
/// <param name="Deadline">When the answer must be published at the latest: the earlier of the request's expiry and the end of its execution time.</param>
/// <param name="Cancellation">Fires when the endpoint stops waiting for the execution.</param>
public readonly record struct CallerBudget(DateTimeOffset Deadline, CancellationToken Cancellation)
{
    /// <summary>The budget of a request that expires at <paramref name="expiresAt"/> and may execute for <paramref name="executionTimeout"/> from <paramref name="now"/>.</summary>
    /// <param name="expiresAt">The request's expiry, or <see langword="null"/>: then there is no budget and no retries.</param>
    /// <param name="now">The current time.</param>
    /// <param name="executionTimeout">The endpoint's execution timeout.</param>
    /// <param name="cancellation">The execution's cancellation.</param>
    /// <returns>The budget, or <see langword="null"/>.</returns>
    public static CallerBudget? For(DateTimeOffset? expiresAt, DateTimeOffset now, TimeSpan executionTimeout, CancellationToken cancellation) =>
        expiresAt is { } expiry ? new CallerBudget(expiry < now + executionTimeout ? expiry : now + executionTimeout, cancellation) : null;
}
