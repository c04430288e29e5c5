namespace OrleansAio.Tests.Conformance.Infrastructure;

/// <summary>
/// A <see cref="TimeProvider"/> that can be frozen: while frozen, <see cref="GetUtcNow"/> and <see cref="GetTimestamp"/> stand
/// still and every timer created through <see cref="CreateTimer"/> is paused; on unfreeze the timers resume with the time they had
/// left and the clock continues from where it stopped (no jump). Freezes nest: the clock runs again when the last ticket is
/// released (METL <c>freeze time</c> / <c>unfreeze time</c>, protocol.md §2.5).
/// </summary>
internal sealed class FreezableTimeProvider : TimeProvider
{
    private readonly TimeProvider inner;
    private readonly Lock gate = new();
    private readonly DateTimeOffset origin;
    private readonly long originTimestamp;
    private readonly HashSet<FreezableTimer> timers = [];
    private TimeSpan pausedTotal;
    private long frozenAtTimestamp;
    private int freezeCount;

    /// <summary>Creates a running clock starting at the current UTC time of <paramref name="inner"/>.</summary>
    /// <param name="inner">The real clock; <see cref="TimeProvider.System"/> by default.</param>
    public FreezableTimeProvider(TimeProvider? inner = null)
    {
        this.inner = inner ?? System;
        origin = this.inner.GetUtcNow();
        originTimestamp = this.inner.GetTimestamp();
    }

    /// <summary>The number of freeze tickets held.</summary>
    public int FreezeCount
    {
        get
        {
            lock (gate)
            {
                return freezeCount;
            }
        }
    }

    /// <inheritdoc />
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <inheritdoc />
    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow()
    {
        lock (gate)
        {
            return origin + ElapsedLocked();
        }
    }

    /// <inheritdoc />
    public override long GetTimestamp()
    {
        lock (gate)
        {
            return ElapsedLocked().Ticks;
        }
    }

    /// <summary>Takes a freeze ticket; the first one stops the clock and pauses every timer.</summary>
    public void Freeze()
    {
        lock (gate)
        {
            if (freezeCount++ == 0)
            {
                frozenAtTimestamp = inner.GetTimestamp();
                foreach (var timer in timers)
                {
                    timer.ArmLocked();
                }
            }
        }
    }

    /// <summary>Releases a freeze ticket; the last one restarts the clock and resumes the timers with their remaining time.</summary>
    /// <exception cref="InvalidOperationException">No freeze ticket is held.</exception>
    public void Unfreeze()
    {
        lock (gate)
        {
            if (freezeCount == 0)
            {
                throw new InvalidOperationException("unfreeze time without a matching freeze time");
            }

            if (--freezeCount == 0)
            {
                pausedTotal += inner.GetElapsedTime(frozenAtTimestamp);
                foreach (var timer in timers)
                {
                    timer.ArmLocked();
                }
            }
        }
    }

    /// <summary>Releases every freeze ticket still held.</summary>
    public void UnfreezeAll()
    {
        while (FreezeCount > 0)
        {
            Unfreeze();
        }
    }

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new FreezableTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private TimeSpan ElapsedLocked()
    {
        var end = freezeCount > 0 ? frozenAtTimestamp : inner.GetTimestamp();
        return inner.GetElapsedTime(originTimestamp, end) - pausedTotal;
    }

    private sealed class FreezableTimer : ITimer
    {
        private readonly FreezableTimeProvider owner;
        private readonly TimerCallback callback;
        private readonly object? state;
        private readonly ITimer real;
        private TimeSpan? dueAt;
        private TimeSpan period = Timeout.InfiniteTimeSpan;
        private bool disposed;

        public FreezableTimer(FreezableTimeProvider owner, TimerCallback callback, object? state)
        {
            this.owner = owner;
            this.callback = callback;
            this.state = state;
            real = owner.inner.CreateTimer(static s => ((FreezableTimer)s!).OnRealTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner.gate)
            {
                if (disposed)
                {
                    return false;
                }

                dueAt = dueTime == Timeout.InfiniteTimeSpan ? null : owner.ElapsedLocked() + (dueTime < TimeSpan.Zero ? TimeSpan.Zero : dueTime);
                this.period = period;
                if (dueAt is null)
                {
                    owner.timers.Remove(this);
                }
                else
                {
                    owner.timers.Add(this);
                }

                ArmLocked();
                return true;
            }
        }

        public void Dispose()
        {
            lock (owner.gate)
            {
                disposed = true;
                dueAt = null;
                owner.timers.Remove(this);
            }

            real.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }

        // Called under owner.gate: programs the real timer for the remaining test-clock time, or stops it while frozen.
        internal void ArmLocked()
        {
            if (disposed)
            {
                return;
            }

            if (dueAt is null || owner.freezeCount > 0)
            {
                real.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                return;
            }

            var remaining = dueAt.Value - owner.ElapsedLocked();
            real.Change(remaining < TimeSpan.Zero ? TimeSpan.Zero : remaining, Timeout.InfiniteTimeSpan);
        }

        private void OnRealTimer()
        {
            lock (owner.gate)
            {
                if (disposed || dueAt is null || owner.freezeCount > 0)
                {
                    return;
                }

                var now = owner.ElapsedLocked();
                if (now < dueAt.Value)
                {
                    ArmLocked();
                    return;
                }

                if (period > TimeSpan.Zero && period != Timeout.InfiniteTimeSpan)
                {
                    dueAt = now + period;
                }
                else
                {
                    dueAt = null;
                    owner.timers.Remove(this);
                }

                ArmLocked();
            }

            callback(state);
        }
    }
}
