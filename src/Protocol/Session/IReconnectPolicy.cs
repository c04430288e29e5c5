namespace OrleansAio.Protocol.Session;

/// <summary>Decides whether the session client tries to connect again after a failed attempt or a lost connection, and when.</summary>
public interface IReconnectPolicy
{
    /// <summary>Decides whether attempt <paramref name="attempt"/> is made and how long to wait before it.</summary>
    /// <param name="attempt">The number of the attempt about to be made, starting at 1.</param>
    /// <param name="lastException">Why the previous attempt or the connection failed, if known.</param>
    /// <param name="delay">The wait before the attempt.</param>
    /// <returns><see langword="true"/> to make the attempt; <see langword="false"/> to give up and end the session.</returns>
    bool ShouldRetry(uint attempt, Exception? lastException, out TimeSpan delay);
}
