namespace OrleansAio.Protocol.Session;

/// <summary>
/// Exponential backoff as in the AIO .NET SDK (services.md section 5.4): the wait before attempt <c>n</c> is
/// <c>min(2^(n+6) ms, maxDelay)</c>, so 128 ms, 256 ms, 512 ms, ... and the cap from attempt 10 on with the default 60 s, multiplied
/// by a jitter factor from 0.95 to 1.05 when the wait is at least 50 ms.
/// </summary>
public sealed class ExponentialBackoffReconnectPolicy : IReconnectPolicy
{
    private const uint MinExponent = 6;
    private const uint MaxExponent = 32;

    private readonly uint maxAttempts;
    private readonly TimeSpan maxDelay;
    private readonly bool useJitter;
    private readonly Random random;
    private readonly Lock randomGate = new();

    /// <summary>Creates the policy.</summary>
    /// <param name="maxAttempts">The most attempts before giving up; <see cref="uint.MaxValue"/> (the default) means never.</param>
    /// <param name="maxDelay">The cap on the wait before the jitter is applied; default 60 s.</param>
    /// <param name="useJitter">Whether to spread the waits by plus or minus 5 percent.</param>
    /// <param name="random">The jitter source; a new unseeded <see cref="Random"/> by default.</param>
    public ExponentialBackoffReconnectPolicy(uint maxAttempts = uint.MaxValue, TimeSpan? maxDelay = null, bool useJitter = true, Random? random = null)
    {
        this.maxDelay = maxDelay ?? TimeSpan.FromSeconds(60);
        ArgumentOutOfRangeException.ThrowIfLessThan(this.maxDelay, TimeSpan.Zero, nameof(maxDelay));
        this.maxAttempts = maxAttempts;
        this.useJitter = useJitter;
        this.random = random ?? new Random();
    }

    /// <inheritdoc />
    public bool ShouldRetry(uint attempt, Exception? lastException, out TimeSpan delay)
    {
        if (maxAttempts == 0 || attempt > maxAttempts)
        {
            delay = TimeSpan.Zero;
            return false;
        }

        var exponent = attempt > MaxExponent ? MaxExponent : Math.Min(MaxExponent, attempt + MinExponent);
        var milliseconds = Math.Min(Math.Pow(2, exponent), maxDelay.TotalMilliseconds);
        if (useJitter && milliseconds >= 50)
        {
            int percent;
            lock (randomGate)
            {
                percent = random.Next(95, 106);
            }

            milliseconds = milliseconds * percent / 100.0;
        }

        delay = TimeSpan.FromMilliseconds(milliseconds);
        return true;
    }
}
