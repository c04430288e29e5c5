using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace OrleansAio.Silo.Health;

/// <summary>
/// The <c>storage</c> health check: the Redis (or Garnet) that holds membership and grain state answers a PING. One connection
/// is kept for the checks; it is opened on the first check and reconnects by itself.
/// </summary>
internal sealed class StorageHealthCheck(ConfigurationOptions redis) : IHealthCheck, IAsyncDisposable
{
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(3);

    private readonly SemaphoreSlim connecting = new(1, 1);
    private ConnectionMultiplexer? connection;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var endpoints = string.Join(", ", redis.EndPoints);
        try
        {
            var multiplexer = await ConnectAsync(cancellationToken);
            var latency = await multiplexer.GetDatabase().PingAsync().WaitAsync(PingTimeout, cancellationToken);
            return HealthCheckResult.Healthy($"storage at {endpoints} answered in {latency.TotalMilliseconds:0.#} ms");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"storage at {endpoints} does not answer: {ex.Message.Split('\n', 2)[0].Trim()}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (connection is not null)
        {
            await connection.DisposeAsync();
        }

        connecting.Dispose();
    }

    private async Task<ConnectionMultiplexer> ConnectAsync(CancellationToken cancellationToken)
    {
        if (connection is { } existing)
        {
            return existing;
        }

        await connecting.WaitAsync(cancellationToken);
        try
        {
            if (connection is null)
            {
                var options = redis.Clone();
                options.AbortOnConnectFail = false;
                options.ConnectTimeout = (int)PingTimeout.TotalMilliseconds;
                connection = await ConnectionMultiplexer.ConnectAsync(options);
            }

            return connection;
        }
        finally
        {
            connecting.Release();
        }
    }
}
