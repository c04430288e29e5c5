using Microsoft.Extensions.Diagnostics.HealthChecks;
using OrleansAio.Silo.Broker;
using OrleansAio.Silo.Storage;

namespace OrleansAio.EdgeServices;

/// <summary>
/// Runs the one edge service of this process (the silo project's <see cref="EmbeddedMqttBroker"/> or <see cref="EmbeddedGarnet"/>)
/// for the host's lifetime and reports it through the health checks: healthy once it listens, unhealthy before and after.
/// </summary>
internal sealed partial class EdgeServiceHost(EdgeServiceOptions options, ILoggerFactory loggerFactory) : IHostedService, IHealthCheck, IAsyncDisposable
{
    private readonly ILogger logger = loggerFactory.CreateLogger<EdgeServiceHost>();
    private EmbeddedMqttBroker? broker;
    private EmbeddedGarnet? garnet;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Role == EdgeServiceRole.Broker)
        {
            broker = new EmbeddedMqttBroker(new EmbeddedMqttBrokerOptions { Port = options.Port }, loggerFactory);
            await broker.StartAsync(cancellationToken);
        }
        else
        {
            garnet = new EmbeddedGarnet(
                new EmbeddedGarnetOptions
                {
                    Port = options.Port,
                    DataDirectory = Path.GetFullPath(options.DataDirectory),
                    MemorySize = options.GarnetMemory,
                    IndexSize = options.GarnetIndexSize,
                },
                loggerFactory);
            garnet.Start();
        }

        LogStarted(options.Role, options.Port, options.HttpPort);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (broker is not null)
        {
            await broker.StopAsync(cancellationToken);
        }

        await DisposeAsync();
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult((broker, garnet) switch
        {
            ({ Server.IsStarted: true }, _) => HealthCheckResult.Healthy($"MQTT broker listening on 127.0.0.1:{options.Port}"),
            (_, not null) => HealthCheckResult.Healthy($"Garnet store listening on 127.0.0.1:{options.Port}"),
            _ => HealthCheckResult.Unhealthy($"{options.Role} on 127.0.0.1:{options.Port} is not running"),
        });

    public async ValueTask DisposeAsync()
    {
        if (broker is not null)
        {
            await broker.DisposeAsync();
            broker = null;
        }

        garnet?.Dispose();
        garnet = null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Edge service {Role} listening on 127.0.0.1:{Port}, health http://127.0.0.1:{HttpPort}/health")]
    private partial void LogStarted(EdgeServiceRole? role, int port, int httpPort);
}
