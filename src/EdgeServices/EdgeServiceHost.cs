using Microsoft.Extensions.Diagnostics.HealthChecks;
using OrleansAio.Silo.Broker;
using OrleansAio.Silo.Storage;

namespace OrleansAio.EdgeServices;

/// <summary>
/// Runs the one edge service of this process (the silo project's <see cref="EmbeddedMqttBroker"/> or <see cref="EmbeddedGarnet"/>)
/// for the host's lifetime and reports it through the health checks: healthy once it listens, unhealthy before and after.
/// </summary>
internal sealed partial class EdgeServiceHost(EdgeServiceHost.Settings settings, ILoggerFactory loggerFactory) : IHostedService, IHealthCheck, IAsyncDisposable
{
    private readonly EdgeServiceOptions options = settings.Options;
    private readonly ILogger logger = loggerFactory.CreateLogger<EdgeServiceHost>();
    private EmbeddedMqttBroker? broker;
    private EmbeddedGarnet? garnet;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Role == EdgeServiceRole.Broker)
        {
            broker = new EmbeddedMqttBroker(settings.Broker ?? throw new InvalidOperationException("the broker role needs its options"), loggerFactory);
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

        LogStarted(options.Role, Address, options.Port, options.HttpPort);
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
            ({ Server.IsStarted: true }, _) => HealthCheckResult.Healthy($"MQTT broker listening on {Address}:{options.Port}"),
            (_, not null) => HealthCheckResult.Healthy($"Garnet store listening on {Address}:{options.Port}"),
            _ => HealthCheckResult.Unhealthy($"{options.Role} on {Address}:{options.Port} is not running"),
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

    private string Address => settings.Broker?.BindAddress ?? "127.0.0.1";

    [LoggerMessage(Level = LogLevel.Information, Message = "Edge service {Role} listening on {Address}:{Port}, health http://127.0.0.1:{HttpPort}/health")]
    private partial void LogStarted(EdgeServiceRole? role, string address, int port, int httpPort);

    /// <summary>What the host runs: the process's options and, for the broker role, the validated broker options.</summary>
    /// <param name="Options">The <c>EdgeServices</c> options.</param>
    /// <param name="Broker">The broker's options (from <see cref="EdgeServiceOptions.BrokerOptions"/>), or <see langword="null"/> for the store.</param>
    internal sealed record Settings(EdgeServiceOptions Options, EmbeddedMqttBrokerOptions? Broker);
}
