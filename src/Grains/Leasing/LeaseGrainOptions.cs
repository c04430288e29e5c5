namespace OrleansAio.Grains.Leasing;

/// <summary>Timing of <see cref="LeaseGrain"/>; register one in the silo's services to change the defaults.</summary>
public sealed class LeaseGrainOptions
{
    /// <summary>
    /// How long a waiting acquire sleeps without any notification before it re-observes the key and tries again. Default 5 s.
    /// </summary>
    /// <remarks>
    /// Only a safety net for a notification lost with a crashed key-grain silo; waiters are woken by the key's DELETE notification.
    /// </remarks>
    public TimeSpan LostNotificationRetry { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the grain renews its observation of the key while it has observers. Default 2 minutes.</summary>
    /// <remarks>Must stay below the key grain's observer lifetime (5 minutes).</remarks>
    public TimeSpan ReobserveInterval { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the message names it.</exception>
    public void Validate()
    {
        if (LostNotificationRetry <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(LostNotificationRetry), LostNotificationRetry, "must be positive");
        }

        if (ReobserveInterval <= TimeSpan.Zero || ReobserveInterval >= TimeSpan.FromMinutes(5))
        {
            throw new ArgumentOutOfRangeException(nameof(ReobserveInterval), ReobserveInterval, "must be positive and below 5 minutes");
        }
    }
}
