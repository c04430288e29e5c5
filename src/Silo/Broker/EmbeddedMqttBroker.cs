using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
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
    private readonly TimeProvider timeProvider;
    private readonly ConcurrentDictionary<string, long> connectionGenerations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> droppedInOverflow = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, uint> sessionExpiries = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource disposing = new();
    private readonly BrokerSecurity security;
    private volatile bool admittingAll;
    private int connectedClients;
    private bool disposed;

    /// <summary>Creates the broker (not yet listening: call <see cref="StartAsync"/>).</summary>
    /// <param name="options">Port, bind address and queue limits; validated here.</param>
    /// <param name="loggerFactory">The logger factory for the broker's and MQTTnet's logs.</param>
    /// <param name="timeProvider">The clock of session expiry; defaults to the system clock.</param>
    /// <exception cref="EmbeddedBrokerException">An option is out of range (kind <see cref="EmbeddedBrokerErrorKind.InvalidOptions"/>).</exception>
    public EmbeddedMqttBroker(EmbeddedMqttBrokerOptions options, ILoggerFactory loggerFactory, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        options.Validate();

        this.options = options;
        this.timeProvider = timeProvider ?? TimeProvider.System;
        admittingAll = options.StartupClientId is null;
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

        security = new BrokerSecurity(
            options.Security, options.StartupClientId, options.InternalPassword, loggerFactory.CreateLogger<BrokerSecurity>(), this.timeProvider, options.Port);
        if (!string.IsNullOrWhiteSpace(options.Security.Tls.CertificateFile))
        {
            var certificate = LoadServerCertificate(options.Security.Tls, options.Port);
            builder = builder.WithEncryptedEndpoint().WithEncryptedEndpointPort(options.Security.Tls.Port).WithEncryptionCertificate(certificate);
            builder = address.AddressFamily == AddressFamily.InterNetworkV6
                ? builder.WithEncryptedEndpointBoundIPAddress(IPAddress.None).WithEncryptedEndpointBoundIPV6Address(address)
                : builder.WithEncryptedEndpointBoundIPAddress(address).WithEncryptedEndpointBoundIPV6Address(IPAddress.None);
        }

        var serverOptions = builder.Build();
        if (security.WantsClientCertificates)
        {
            // Asking for a certificate is what makes a TLS client send one; the callback accepts none unless it is required.
            serverOptions.TlsEndpointOptions.ClientCertificateRequired = true;
            serverOptions.TlsEndpointOptions.RemoteCertificateValidationCallback = security.ValidateClientCertificate;
        }

        Server = new MqttServerFactory().CreateMqttServer(serverOptions, new MqttNetLoggerBridge(loggerFactory));
        security.Attach(Server);
        router = new SharedSubscriptionRouter(loggerFactory.CreateLogger<SharedSubscriptionRouter>(), meter);
        router.Attach(Server);
        Server.ValidatingConnectionAsync += OnValidatingConnectionAsync;
        Server.ClientConnectedAsync += args =>
        {
            Interlocked.Increment(ref connectedClients);
            connectionGenerations.AddOrUpdate(args.ClientId, 1, (_, generation) => generation + 1);
            EndOverflow(args.ClientId);
            return Task.CompletedTask;
        };
        Server.ClientDisconnectedAsync += OnClientDisconnectedAsync;
        Server.ApplicationMessageEnqueuedOrDroppedAsync += OnEnqueuedOrDroppedAsync;
        Server.QueuedApplicationMessageOverwrittenAsync += OnQueuedMessageOverwrittenAsync;
    }

    /// <summary>
    /// The underlying MQTTnet server, for capabilities built on top (enqueue into one session, fault injection). Do not replace
    /// the packet interceptors the broker has attached.
    /// </summary>
    public MqttServer Server { get; }

    /// <summary>Who each connected client is, as the broker authenticated it (the silo's services look requests up here).</summary>
    public BrokerClientIdentities Identities => security.Identities;

    /// <summary>The TCP port the broker listens on.</summary>
    public int Port => options.Port;

    /// <summary>Whether every client is admitted (see <see cref="EmbeddedMqttBrokerOptions.StartupClientId"/>).</summary>
    public bool IsAdmittingAllClients => admittingAll;

    /// <summary>Admits every client from now on: call it once the silo's endpoints are subscribed.</summary>
    public void AdmitAllClients()
    {
        if (!admittingAll)
        {
            admittingAll = true;
            BrokerLog.AdmittingAll(logger, Port);
        }
    }

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
        await disposing.CancelAsync().ConfigureAwait(false);
        await StopQuietlyAsync().ConfigureAwait(false);
        Server.Dispose();
        security.Dispose();
        meter.Dispose();
        disposing.Dispose();
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

    // MQTT 5 §3.1.3.1: a zero-length client identifier gets one assigned by the server (and returned in CONNACK). (MQTTnet
    // refuses a zero-length identifier from an MQTT 3.1.1 client before this runs, clean session or not: see README.md.) The
    // session's expiry is recorded for the disconnect: MQTTnet keeps every session otherwise.
    async Task OnValidatingConnectionAsync(ValidatingConnectionEventArgs args)
    {
        var clientId = args.ClientId;
        if (string.IsNullOrEmpty(clientId))
        {
            if (args.ProtocolVersion != MqttProtocolVersion.V500 && args.CleanSession != true)
            {
                args.ReasonCode = MqttConnectReasonCode.ClientIdentifierNotValid;
                return;
            }

            clientId = "auto-" + Guid.NewGuid().ToString("N");
            args.AssignedClientIdentifier = clientId;
        }

        if (await security.AuthenticateAsync(args, clientId).ConfigureAwait(false) is null)
        {
            return;
        }

        if (!admittingAll && !string.Equals(clientId, options.StartupClientId, StringComparison.Ordinal))
        {
            args.ReasonCode = MqttConnectReasonCode.ServerUnavailable;
            args.ReasonString = "the silo is starting";
            BrokerLog.RefusedWhileStarting(logger, clientId);
            return;
        }

        // MQTT 3.1.1 has no session expiry: a clean session ends with its connection, any other lives on.
        sessionExpiries[clientId] = args.ProtocolVersion == MqttProtocolVersion.V500
            ? args.SessionExpiryInterval
            : args.CleanSession == true ? 0u : uint.MaxValue;
    }

    static X509Certificate2 LoadServerCertificate(BrokerTlsOptions tls, int port)
    {
        try
        {
            if (string.IsNullOrWhiteSpace(tls.KeyFile))
            {
                return X509CertificateLoader.LoadPkcs12FromFile(tls.CertificateFile!, null);
            }

            // SslStream wants a key it can use for the handshake: round-trip the PEM pair through PKCS#12.
            using var pem = X509Certificate2.CreateFromPemFile(tls.CertificateFile!, tls.KeyFile);
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (CryptographicException ex)
        {
            throw new EmbeddedBrokerException($"{BrokerSecurityOptions.SectionName}:Tls:CertificateFile", port, $"cannot load the server certificate: {ex.Message}", ex);
        }
    }

    async Task OnClientDisconnectedAsync(ClientDisconnectedEventArgs args)
    {
        if (args.DisconnectType == MqttClientDisconnectType.Takeover)
        {
            return;
        }

        Interlocked.Decrement(ref connectedClients);
        var generation = connectionGenerations.AddOrUpdate(args.ClientId, 1, (_, g) => g + 1);
        EndOverflow(args.ClientId);
        // The CONNECT's expiry, unless the DISCONNECT changed it (MQTT 5 §3.14.2.2.2: only from non-zero to another value).
        var expiry = sessionExpiries.TryGetValue(args.ClientId, out var recorded) ? recorded : 0u;
        if (expiry != 0 && args.SessionExpiryInterval != 0 && args.DisconnectType == MqttClientDisconnectType.Clean)
        {
            expiry = args.SessionExpiryInterval;
        }

        if (expiry == uint.MaxValue)
        {
            return;
        }

        if (expiry == 0)
        {
            await EndSessionAsync(args.ClientId, 0).ConfigureAwait(false);
            return;
        }

        _ = ExpireLaterAsync(args.ClientId, generation, expiry);
    }

    async Task ExpireLaterAsync(string clientId, long generation, uint expirySeconds)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(expirySeconds), timeProvider, disposing.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        // A reconnect (or a later disconnect) since then owns the session's fate.
        if (connectionGenerations.TryGetValue(clientId, out var current) && current == generation)
        {
            await EndSessionAsync(clientId, expirySeconds).ConfigureAwait(false);
        }
    }

    async Task EndSessionAsync(string clientId, uint expirySeconds)
    {
        try
        {
            var sessions = await Server.GetSessionsAsync().ConfigureAwait(false);
            if (sessions.FirstOrDefault(s => string.Equals(s.Id, clientId, StringComparison.Ordinal)) is { } session)
            {
                await session.DeleteAsync().ConfigureAwait(false);
                sessionExpiries.TryRemove(clientId, out _);
                BrokerLog.SessionExpired(logger, clientId, expirySeconds);
            }
        }
        catch (Exception exception) when (exception is ObjectDisposedException or InvalidOperationException)
        {
            // The broker is stopping (its sessions go with it), or MQTTnet ended the session itself meanwhile.
        }
    }

    Task OnEnqueuedOrDroppedAsync(ApplicationMessageEnqueuedEventArgs args)
    {
        if (args.IsDropped)
        {
            dropped.Add(1);
            var count = droppedInOverflow.AddOrUpdate(args.ReceiverClientId, 1, (_, c) => c + 1);
            if (count == 1)
            {
                BrokerLog.QueueOverflowStarted(
                    logger,
                    args.ReceiverClientId,
                    options.MaxPendingMessagesPerClient,
                    options.PendingMessagesOverflowStrategy.ToString(),
                    args.ApplicationMessage.Topic,
                    (int)args.ApplicationMessage.QualityOfServiceLevel,
                    args.SenderClientId);
            }
        }
        else if (!droppedInOverflow.IsEmpty)
        {
            EndOverflow(args.ReceiverClientId);
        }

        return Task.CompletedTask;
    }

    Task OnQueuedMessageOverwrittenAsync(QueueMessageOverwrittenEventArgs args)
    {
        dropped.Add(1);
        if (droppedInOverflow.AddOrUpdate(args.ReceiverClientId, 1, (_, c) => c + 1) == 1)
        {
            BrokerLog.QueueOverflowStarted(
                logger, args.ReceiverClientId, options.MaxPendingMessagesPerClient, options.PendingMessagesOverflowStrategy.ToString(), string.Empty, 1, null);
        }

        return Task.CompletedTask;
    }

    // One line per overflow episode: when the queue accepts again, or its client connects or disconnects.
    void EndOverflow(string clientId)
    {
        if (droppedInOverflow.TryRemove(clientId, out var count))
        {
            BrokerLog.QueueOverflowEnded(logger, clientId, count, options.MaxPendingMessagesPerClient);
        }
    }

}
