using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using MQTTnet;
using OrleansAio.Protocol.Connection;
using OrleansAio.Protocol.Mqtt;

namespace OrleansAio.Silo.Mqtt;

/// <summary>
/// The silo's one MQTT session, shared by every capability through <see cref="IMqttPubSubClient"/>. Connects when the host starts
/// (before the Orleans silo) and disconnects when it stops (after the silo).
/// </summary>
public sealed partial class SiloMqttConnection : IHostedService, IHealthCheck, IAsyncDisposable
{
    private readonly MqttConnectionSettings settings;
    private readonly string settingName;
    private readonly ILogger logger;
    private readonly IMqttClient client;
    private readonly OrderedAckMqttClient pubSub;

    /// <summary>Creates the connection; nothing is sent before <see cref="StartAsync"/>.</summary>
    /// <param name="settings">Where the broker is and how to authenticate.</param>
    /// <param name="settingName">The configuration key the settings came from, named in start-up errors.</param>
    /// <param name="loggerFactory">Logger factory.</param>
    public SiloMqttConnection(MqttConnectionSettings settings, string settingName, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        this.settings = settings;
        this.settingName = settingName;
        logger = loggerFactory.CreateLogger<SiloMqttConnection>();
        client = new MqttClientFactory().CreateMqttClient();
        pubSub = new OrderedAckMqttClient(client, loggerFactory.CreateLogger<OrderedAckMqttClient>());
        client.DisconnectedAsync += args =>
        {
            if (args.ClientWasConnected)
            {
                LogDisconnected(settings.ClientId, args.Reason.ToString());
            }

            return Task.CompletedTask;
        };
    }

    /// <summary>The shared session, for every capability of the silo.</summary>
    public IMqttPubSubClient Client => pubSub;

    /// <summary>Whether the session is connected now.</summary>
    public bool IsConnected => client.IsConnected;

    /// <summary>Connects to the broker; an unreachable broker is a <see cref="Hosting.SiloStartupException"/> naming the setting.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var result = await client.ConnectAsync(settings.ToMqttClientOptions(), cancellationToken);
            if (result.ResultCode != MQTTnet.MqttClientConnectResultCode.Success)
            {
                throw new Hosting.SiloStartupException(settingName, $"the broker at {settings.HostName}:{settings.TcpPort} refused the connection ({result.ResultCode})");
            }

            LogConnected(settings.ClientId, settings.HostName, settings.TcpPort, result.IsSessionPresent);
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or System.Net.Sockets.SocketException or OperationCanceledException
                                       && !cancellationToken.IsCancellationRequested)
        {
            throw new Hosting.SiloStartupException(settingName, $"cannot connect to the MQTT broker at {settings.HostName}:{settings.TcpPort} ({ex.GetBaseException().Message})", ex);
        }
        catch (MqttConnectionSettingsException ex)
        {
            throw new Hosting.SiloStartupException(settingName, ex.Message, ex);
        }
    }

    /// <summary>Disconnects cleanly; the broker keeps the session for its expiry interval.</summary>
    /// <param name="cancellationToken">Cancels the wait for the DISCONNECT to be sent.</param>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (client.IsConnected)
        {
            await client.DisconnectAsync(new MqttClientDisconnectOptions(), cancellationToken);
        }
    }

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(client.IsConnected
            ? HealthCheckResult.Healthy($"MQTT session {settings.ClientId} connected to {settings.HostName}:{settings.TcpPort}")
            : HealthCheckResult.Unhealthy($"MQTT session {settings.ClientId} is not connected to {settings.HostName}:{settings.TcpPort}"));

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await pubSub.DisposeAsync();
        client.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT session {ClientId} connected to {Host}:{Port} (session present: {SessionPresent})")]
    private partial void LogConnected(string clientId, string host, int port, bool sessionPresent);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT session {ClientId} disconnected: {Reason}")]
    private partial void LogDisconnected(string clientId, string reason);
}
