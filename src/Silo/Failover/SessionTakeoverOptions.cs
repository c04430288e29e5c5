namespace OrleansAio.Silo.Failover;

/// <summary>
/// The takeover of a dead silo's MQTT session by a survivor (external broker only) and the retry of grain calls to an unreachable
/// silo, bound from the <c>Failover</c> section.
/// </summary>
public sealed class SessionTakeoverOptions
{
    /// <summary>Whether a survivor takes over the MQTT session of a silo that Orleans membership declared dead. Default <see langword="true"/>.</summary>
    public bool SessionTakeover { get; set; } = true;

    /// <summary>How long no queued message may arrive before the taken-over session is ended. Default 2 s.</summary>
    public TimeSpan QuietPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long after a silo's death a survivor that becomes the takeover owner (because the previous owner died too) still takes
    /// over that silo's session. Default 10 minutes.
    /// </summary>
    public TimeSpan TakeoverWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long a grain call whose target silo cannot be reached (dead, or dying and not yet declared dead) is retried before its
    /// failure reaches the caller (<see cref="UnavailableSiloRetryFilter"/>). Applies with either broker. Default 15 s; zero turns
    /// the retries off.
    /// </summary>
    public TimeSpan RetryUnavailableFor { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; its parameter name is the setting.</exception>
    public void Validate()
    {
        if (QuietPeriod <= TimeSpan.Zero || QuietPeriod > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentOutOfRangeException(nameof(QuietPeriod), QuietPeriod, "must be positive and at most 1 minute");
        }

        if (RetryUnavailableFor < TimeSpan.Zero || RetryUnavailableFor > TimeSpan.FromMinutes(5))
        {
            throw new ArgumentOutOfRangeException(nameof(RetryUnavailableFor), RetryUnavailableFor, "must be between zero (off) and 5 minutes");
        }

        if (TakeoverWindow <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(TakeoverWindow), TakeoverWindow, "must be positive");
        }
    }
}
