using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using MQTTnet.Server;

namespace OrleansAio.Silo.Broker;

/// <summary>
/// An MQTT 5 broker inside the silo process: MQTTnet's <see cref="MqttServer"/> with shared subscriptions added, persistent
/// sessions, a deliberate per-client queue limit with logged drops, MQTTnet's log bridged to <see cref="ILogger"/>, and metrics
/// on the <c>OrleansAio.Silo</c> meter. Listens on 127.0.0.1 only unless <see cref="EmbeddedMqttBrokerOptions.BindAddress"/> says
/// otherwise. See <c>README.md</c> in this folder.
/// </summary>
public sealed class EmbeddedMqttBroker : IAsyncDisposable
{
    /// <summary>The name of the meter the broker's instruments are created on.</summary>
    public const string MeterName = "OrleansAio.Silo";

    private readonly EmbeddedMqttBrokerOptions options;
    private readonly ILogger logger;
    private readonly Meter meter;
    private readonly Counter<long> dropped;
    private readonly SharedSubscriptionRouter router;
    private int connectedClients;
    private bool disposed;

    /// <summary>Creates the broker (not yet listening: call <see cref="StartAsync"/>).</summary>
    /// <param name="options">Port, bind address and queue limits; validated here.</param>
    /// <param name="loggerFactory">The logger factory for the broker's and MQTTnet's logs.</param>
    /// <exception cref="EmbeddedBrokerException">An option is out of range (kind <see cref="EmbeddedBrokerErrorKind.InvalidOptions"/>).</exception>
    public EmbeddedMqttBroker(EmbeddedMqttBrokerOptions options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        options.Validate();

        this.options = options;
        logger = loggerFactory.CreateLogger<EmbeddedMqttBroker>();
        meter = new Meter(MeterName);
        dropped = meter.CreateCounter<long>(
            "aio.broker.messages.dropped", unit: "{message}", description: "Messages dropped because a client session's queue was full.");
        meter.CreateObservableGauge(
            "aio.broker.clients.connected",
            () => Volatile.Read(ref connectedClients),
            unit: "{client}",
            description: "MQTT clients connected to the embedded broker.");

        var address = IPAddress.Parse(options.BindAddress);
        var builder = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointPort(options.Port)
            .WithPersistentSessions(options.EnablePersistentSessions)
            .WithMaxPendingMessagesPerClient(options.MaxPendingMessagesPerClient)
            .WithPendingMessagesOverflowStrategy(options.PendingMessagesOverflowStrategy);
        builder = address.AddressFamily == AddressFamily.InterNetworkV6
            ? builder.WithDefaultEndpointBoundIPAddress(IPAddress.None).WithDefaultEndpointBoundIPV6Address(address)
            : builder.WithDefaultEndpointBoundIPAddress(address).WithDefaultEndpointBoundIPV6Address(IPAddress.None);

        Server = new MqttServerFactory().CreateMqttServer(builder.Build(), new MqttNetLoggerBridge(loggerFactory));
        router = new SharedSubscriptionRouter(loggerFactory.CreateLogger<SharedSubscriptionRouter>(), meter);
        router.Attach(Server);
        Server.ClientConnectedAsync += _ =>
        {
            Interlocked.Increment(ref connectedClients);
            return Task.CompletedTask;
        };
        Server.ClientDisconnectedAsync += args =>
        {
            if (args.DisconnectType != MqttClientDisconnectType.Takeover)
            {
                Interlocked.Decrement(ref connectedClients);
            }

            return Task.CompletedTask;
        };
        Server.ApplicationMessageEnqueuedOrDroppedAsync += OnEnqueuedOrDroppedAsync;
        Server.QueuedApplicationMessageOverwrittenAsync += OnQueuedMessageOverwrittenAsync;
    }

    /// <summary>
    /// The underlying MQTTnet server, for capabilities built on top (enqueue into one session, fault injection). Do not replace
    /// the packet interceptors the broker has attached.
    /// </summary>
    public MqttServer Server { get; }

    /// <summary>The TCP port the broker listens on.</summary>
    public int Port => options.Port;

    /// <summary>The shared-subscription router (internal: tests inspect group membership).</summary>
    internal SharedSubscriptionRouter Router => router;

    /// <summary>Starts listening.</summary>
    /// <param name="cancellationToken">Cancels waiting; MQTTnet's start itself is not cancellable.</param>
    /// <exception cref="EmbeddedBrokerException">
    /// The port is in use (kind <see cref="EmbeddedBrokerErrorKind.PortInUse"/>) or the listener failed to start.
    /// </exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            await Server.StartAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (FindSocketError(exception) is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            await StopQuietlyAsync().ConfigureAwait(false);
            throw new EmbeddedBrokerException(
                EmbeddedBrokerErrorKind.PortInUse,
                Port,
                $"The embedded MQTT broker cannot listen on {options.BindAddress}:{Port}: the port is already in use.",
                exception);
        }
        catch (Exception exception) when (exception is not OperationCanceledException and not EmbeddedBrokerException)
        {
            await StopQuietlyAsync().ConfigureAwait(false);
            throw new EmbeddedBrokerException(
                EmbeddedBrokerErrorKind.StartFailed,
                Port,
                $"The embedded MQTT broker failed to start on {options.BindAddress}:{Port}: {exception.Message}",
                exception);
        }

        BrokerLog.Started(logger, options.BindAddress, Port);
    }

    /// <summary>Disconnects every client and stops listening. Persistent sessions stay in memory until the broker is disposed.</summary>
    /// <param name="cancellationToken">Cancels waiting for the stop.</param>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (!Server.IsStarted)
        {
            return;
        }

        await Server.StopAsync(new MqttServerStopOptions()).WaitAsync(cancellationToken).ConfigureAwait(false);
        BrokerLog.Stopped(logger, Port);
    }

    /// <summary>Stops the broker if it runs and releases the server and the meter.</summary>
    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        await StopQuietlyAsync().ConfigureAwait(false);
        Server.Dispose();
        meter.Dispose();
    }

    async Task StopQuietlyAsync()
    {
        try
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is ObjectDisposedException or SocketException or InvalidOperationException)
        {
            // Stopping a server whose listener never came up: nothing left to release.
        }
    }

    static SocketError? FindSocketError(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is SocketException socketException)
            {
                return socketException.SocketErrorCode;
            }

            if (exception is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    if (FindSocketError(inner) is { } error)
                    {
                        return error;
                    }
                }
            }
        }

        return null;
    }

    Task OnEnqueuedOrDroppedAsync(ApplicationMessageEnqueuedEventArgs args)
    {
        if (args.IsDropped)
        {
            dropped.Add(1);
            BrokerLog.MessageDropped(
                logger,
                args.ApplicationMessage.Topic,
                (int)args.ApplicationMessage.QualityOfServiceLevel,
                args.ReceiverClientId,
                args.SenderClientId,
                options.MaxPendingMessagesPerClient,
                options.PendingMessagesOverflowStrategy.ToString());
        }

        return Task.CompletedTask;
    }

    Task OnQueuedMessageOverwrittenAsync(QueueMessageOverwrittenEventArgs args)
    {
        dropped.Add(1);
        BrokerLog.OldestMessageDropped(logger, args.ReceiverClientId, options.MaxPendingMessagesPerClient);
        return Task.CompletedTask;
    }
}
