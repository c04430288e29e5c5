using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using MQTTnet.Adapter;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.StateStore;

namespace OrleansAio.Silo.Broker;

/// <summary>
/// Authentication and authorization of the embedded broker, on MQTTnet's hooks: <c>ValidatingConnectionAsync</c> (anonymous,
/// password file, <c>K8S-SAT</c>, X.509), <c>InterceptingInboundPacketAsync</c> (AUTH re-authentication),
/// <c>InterceptingPublishAsync</c> and <c>InterceptingSubscriptionAsync</c> (the ACL, the source-id check) and
/// <c>InterceptingClientEnqueueAsync</c> (per-client topics reach only their client). Refusals are logged with the client id,
/// the user and the reason, never a password, token or key.
/// </summary>
internal sealed partial class BrokerSecurity : IDisposable
{
    /// <summary>The authentication method of Kubernetes service-account tokens.</summary>
    public const string SatMethod = "K8S-SAT";

    /// <summary>The user name of the silo's own session.</summary>
    public const string InternalUserName = "$silo";

    private readonly BrokerSecurityOptions options;
    private readonly ILogger logger;
    private readonly TimeProvider timeProvider;
    private readonly string? internalClientId;
    private readonly ConcurrentDictionary<string, string> sessionOwners = new(StringComparer.Ordinal);
    private readonly byte[]? internalPassword;
    private readonly BrokerPasswordFile? passwords;
    private readonly SatTokenValidator? sat;
    private readonly X509Certificate2Collection? clientCas;
    private readonly FileSystemWatcher? aclWatcher;
    private readonly ConcurrentDictionary<string, ConnectionState> connections = new(StringComparer.Ordinal);
    private volatile BrokerAcl? acl;
    private MqttServer? server;

    public BrokerSecurity(BrokerSecurityOptions options, string? internalClientId, byte[]? internalPassword, ILogger logger, TimeProvider timeProvider, int port)
    {
        this.options = options;
        this.logger = logger;
        this.timeProvider = timeProvider;
        this.internalClientId = internalClientId;
        this.internalPassword = internalPassword;
        var auth = options.Authentication;
        if (!string.IsNullOrWhiteSpace(auth.PasswordFile))
        {
            passwords = Load(() => new BrokerPasswordFile(auth.PasswordFile), "Authentication:PasswordFile", port);
        }

        if (!string.IsNullOrWhiteSpace(auth.Sat.SigningKeysFile))
        {
            sat = Load(() => new SatTokenValidator(auth.Sat), "Authentication:Sat:SigningKeysFile", port);
        }

        if (!string.IsNullOrWhiteSpace(options.Tls.ClientCaFile))
        {
            clientCas = Load(
                () =>
                {
                    var collection = new X509Certificate2Collection();
                    collection.ImportFromPemFile(options.Tls.ClientCaFile);
                    return collection.Count > 0 ? collection : throw new FormatException("it holds no PEM certificate");
                },
                "Tls:ClientCaFile",
                port);
        }

        if (!string.IsNullOrWhiteSpace(options.Acl.File))
        {
            var path = Path.GetFullPath(options.Acl.File);
            acl = Load(() => BrokerAcl.Parse(File.ReadAllText(path)), "Acl:File", port);
            aclWatcher = new FileSystemWatcher(Path.GetDirectoryName(path)!, Path.GetFileName(path))
            {
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            aclWatcher.Changed += (_, _) => ReloadAcl(path);
            aclWatcher.Created += (_, _) => ReloadAcl(path);
            aclWatcher.Renamed += (_, _) => ReloadAcl(path);
            aclWatcher.EnableRaisingEvents = true;
        }
    }

    /// <summary>The identities of the connected clients.</summary>
    public BrokerClientIdentities Identities { get; } = new();

    /// <summary>Whether the TLS listener asks for client certificates.</summary>
    public bool WantsClientCertificates => clientCas is not null;

    /// <summary>The ACL in force (<see langword="null"/>: none configured).</summary>
    public BrokerAcl? Acl => acl;

    public void Attach(MqttServer mqttServer)
    {
        server = mqttServer;
        mqttServer.InterceptingInboundPacketAsync += OnInboundPacketAsync;
        mqttServer.InterceptingPublishAsync += OnInterceptingPublishAsync;
        mqttServer.InterceptingSubscriptionAsync += OnInterceptingSubscriptionAsync;
        mqttServer.InterceptingClientEnqueueAsync += OnInterceptingClientEnqueueAsync;
        mqttServer.ClientDisconnectedAsync += OnClientDisconnectedAsync;
    }

    /// <summary>Validates a client certificate against the configured CA (the TLS listener's callback).</summary>
    public bool ValidateClientCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            return !options.Tls.RequireClientCertificate;
        }

        if (clientCas is null)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(clientCas);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        custom.ChainPolicy.VerificationTime = timeProvider.GetUtcNow().UtcDateTime;
        // The certificate belongs to the SslStream (MQTTnet hands it to the CONNECT validation later): never dispose it here.
        var own = certificate as X509Certificate2;
        using var copy = own is null ? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()) : null;
        var leaf = own ?? copy!;
        var valid = custom.Build(leaf);
        if (!valid)
        {
            var status = string.Join(", ", custom.ChainStatus.Select(s => s.Status.ToString()));
            LogCertificateRefused(leaf.Subject, status);
        }

        return valid;
    }

    /// <summary>Authenticates a CONNECT; sets the refusal reason code when it fails.</summary>
    /// <returns>The identity, or <see langword="null"/> when refused.</returns>
    public async Task<BrokerClientIdentity?> AuthenticateAsync(ValidatingConnectionEventArgs args, string clientId)
    {
        if (string.Equals(clientId, "statestore", StringComparison.Ordinal))
        {
            // clients/statestore/... holds every client's state-store notifications.
            return Refuse(args, clientId, null, MqttConnectReasonCode.ClientIdentifierNotValid, "the client id 'statestore' is reserved");
        }

        if (clientId.AsSpan().IndexOfAny('/', '+', '#') >= 0)
        {
            // The first level after clients/ names the owner of per-client topics: an id with '/' would own another's sub-tree.
            return Refuse(args, clientId, null, MqttConnectReasonCode.ClientIdentifierNotValid, "a client id may not contain '/', '+' or '#'");
        }

        var method = args.AuthenticationMethod;
        if (!string.IsNullOrEmpty(method))
        {
            if (!string.Equals(method, SatMethod, StringComparison.Ordinal) || sat is null)
            {
                return Refuse(args, clientId, args.UserName, MqttConnectReasonCode.BadAuthenticationMethod, $"authentication method '{method}' is not accepted");
            }

            var result = await sat.ValidateAsync(args.AuthenticationData).ConfigureAwait(false);
            if (!result.IsValid)
            {
                return Refuse(args, clientId, null, MqttConnectReasonCode.NotAuthorized, result.Failure!);
            }

            return Admit(args, new BrokerClientIdentity(clientId, result.UserName, BrokerAuthenticationMethod.ServiceAccountToken), result.Expires);
        }

        if (args.UserName is { Length: > 0 } user)
        {
            if (string.Equals(user, InternalUserName, StringComparison.Ordinal))
            {
                if (internalPassword is not null && string.Equals(clientId, internalClientId, StringComparison.Ordinal)
                    && CryptographicOperations.FixedTimeEquals(args.RawPassword, internalPassword))
                {
                    return Admit(args, new BrokerClientIdentity(clientId, InternalUserName, BrokerAuthenticationMethod.Internal), null);
                }

                return Refuse(args, clientId, user, MqttConnectReasonCode.BadUserNameOrPassword, "the silo's internal credentials do not match");
            }

            if (passwords is null || !passwords.Verify(user, args.RawPassword))
            {
                return Refuse(args, clientId, user, MqttConnectReasonCode.BadUserNameOrPassword, passwords is null ? "no credentials file is configured" : "wrong user name or password");
            }

            return Admit(args, new BrokerClientIdentity(clientId, user, BrokerAuthenticationMethod.Password), null);
        }

        if (args.ClientCertificate is { } certificate && clientCas is not null)
        {
            // The TLS callback has validated the chain; the common name is the user.
            var name = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
            return Admit(args, new BrokerClientIdentity(clientId, string.IsNullOrEmpty(name) ? certificate.Subject : name, BrokerAuthenticationMethod.Certificate), null);
        }

        if (!options.AnonymousAllowed)
        {
            return Refuse(args, clientId, null, MqttConnectReasonCode.NotAuthorized, "anonymous clients are not allowed");
        }

        return Admit(args, new BrokerClientIdentity(clientId, null, BrokerAuthenticationMethod.Anonymous), null);
    }

    public void Dispose()
    {
        aclWatcher?.Dispose();
        foreach (var state in connections.Values)
        {
            state.Expiry?.Cancel();
        }
    }

    /// <summary>
    /// Forgets which user owns a client id's session: called when the broker ends the session (expired, or ended with its
    /// connection), after which any user may use the id again.
    /// </summary>
    /// <param name="clientId">The client id.</param>
    public void ReleaseClientId(string clientId) => sessionOwners.TryRemove(clientId, out _);

    private BrokerClientIdentity? Admit(ValidatingConnectionEventArgs args, BrokerClientIdentity identity, DateTimeOffset? expires)
    {
        if (!identity.IsInternal && internalPassword is not null && string.Equals(identity.ClientId, internalClientId, StringComparison.Ordinal))
        {
            // Taking the silo's id would take over its session and every subscription it holds.
            return Refuse(args, identity.ClientId, identity.UserName, MqttConnectReasonCode.NotAuthorized, "the client id is reserved for the silo's own session");
        }

        // A client id is bound to the user whose session holds it, until that session ends: another user may not take the
        // session over (its queued messages, its state-store observations, the client-id rules of the ACL and the services).
        var principal = identity.UserName ?? string.Empty;
        var owner = sessionOwners.GetOrAdd(identity.ClientId, principal);
        if (!string.Equals(owner, principal, StringComparison.Ordinal))
        {
            return Refuse(args, identity.ClientId, identity.UserName, MqttConnectReasonCode.NotAuthorized, "the client id is in use by a session of another user");
        }

        var state = new ConnectionState(identity, args.ChannelAdapter);
        if (connections.TryGetValue(identity.ClientId, out var previous))
        {
            previous.Expiry?.Cancel();
        }

        connections[identity.ClientId] = state;
        Identities.Set(identity);
        if (expires is { } at)
        {
            ScheduleExpiry(state, at);
        }

        LogAuthenticated(identity.ClientId, identity.UserName, identity.Method.ToString());
        return identity;
    }

    private BrokerClientIdentity? Refuse(ValidatingConnectionEventArgs args, string clientId, string? user, MqttConnectReasonCode code, string reason)
    {
        args.ReasonCode = code;
        args.ReasonString = reason;
        LogConnectRefused(clientId, user, (int)code, code.ToString(), reason, args.RemoteEndPoint?.ToString());
        return null;
    }

    private void ScheduleExpiry(ConnectionState state, DateTimeOffset expires)
    {
        var cancellation = new CancellationTokenSource();
        state.Expiry = cancellation;
        var delay = expires - timeProvider.GetUtcNow() + options.Authentication.Sat.ClockSkew;
        _ = ExpireAsync(state, delay < TimeSpan.Zero ? TimeSpan.Zero : delay, cancellation.Token);
    }

    private static readonly TimeSpan MaxDelayStep = TimeSpan.FromDays(30);

    private async Task ExpireAsync(ConnectionState state, TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            // Task.Delay refuses more than about 49.7 days (uint.MaxValue - 1 ms), and a token may live longer: wait in steps.
            var remaining = delay;
            while (remaining > TimeSpan.Zero)
            {
                var step = remaining < MaxDelayStep ? remaining : MaxDelayStep;
                await Task.Delay(step, timeProvider, cancellationToken).ConfigureAwait(false);
                remaining -= step;
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }

        if (!connections.TryGetValue(state.Identity.ClientId, out var current) || !ReferenceEquals(current, state) || server is null)
        {
            return;
        }

        LogTokenExpired(state.Identity.ClientId, state.Identity.UserName);
        try
        {
            var clients = await server.GetClientsAsync().ConfigureAwait(false);
            if (clients.FirstOrDefault(c => string.Equals(c.Id, state.Identity.ClientId, StringComparison.Ordinal)) is { } client)
            {
                await client.DisconnectAsync(new MqttServerClientDisconnectOptions
                {
                    ReasonCode = MqttDisconnectReasonCode.NotAuthorized,
                    ReasonString = "the authentication token has expired",
                }).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException)
        {
            // The broker is stopping.
        }
    }

    // MQTTnet's server refuses an AUTH packet after CONNECT ("Packet not allowed") and closes the connection: re-authentication
    // (MQTT 5 §4.12.1) is handled here and the packet never reaches MQTTnet.
    private async Task OnInboundPacketAsync(InterceptingPacketEventArgs args)
    {
        if (args.Packet is not MqttAuthPacket auth)
        {
            return;
        }

        args.ProcessPacket = false;
        if (!connections.TryGetValue(args.ClientId, out var state))
        {
            return;
        }

        string failure;
        if (auth.ReasonCode != MqttAuthenticateReasonCode.ReAuthenticate || !string.Equals(auth.AuthenticationMethod, SatMethod, StringComparison.Ordinal)
            || sat is null || state.Identity.Method != BrokerAuthenticationMethod.ServiceAccountToken)
        {
            failure = "re-authentication is accepted only with K8S-SAT on a K8S-SAT connection";
        }
        else
        {
            var result = await sat.ValidateAsync(auth.AuthenticationData).ConfigureAwait(false);
            if (result.IsValid && string.Equals(result.UserName, state.Identity.UserName, StringComparison.Ordinal))
            {
                state.Expiry?.Cancel();
                ScheduleExpiry(state, result.Expires);
                LogReauthenticated(args.ClientId, state.Identity.UserName);
                try
                {
                    await state.Channel.SendPacketAsync(
                        new MqttAuthPacket { ReasonCode = MqttAuthenticateReasonCode.Success, AuthenticationMethod = SatMethod },
                        args.CancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or IOException or MQTTnet.Exceptions.MqttCommunicationException)
                {
                    // The connection is going away anyway.
                }

                return;
            }

            failure = result.IsValid ? "the new token names another user" : result.Failure!;
        }

        LogReauthenticationRefused(args.ClientId, state.Identity.UserName, failure);
        if (server is not null)
        {
            var clients = await server.GetClientsAsync().ConfigureAwait(false);
            if (clients.FirstOrDefault(c => string.Equals(c.Id, args.ClientId, StringComparison.Ordinal)) is { } client)
            {
                var code = MqttDisconnectReasonCode.NotAuthorized;
                _ = client.DisconnectAsync(new MqttServerClientDisconnectOptions { ReasonCode = code, ReasonString = failure });
            }
        }
    }

    private Task OnInterceptingPublishAsync(InterceptingPublishEventArgs args)
    {
        var identity = Identify(args.ClientId);
        if (identity?.IsInternal == true || string.IsNullOrEmpty(args.ClientId))
        {
            // The silo's session, or the server itself (InjectApplicationMessage).
            return Task.CompletedTask;
        }

        var message = args.ApplicationMessage;
        var topic = message.Topic;
        string? refusal = null;
        var properties = message.UserProperties;
        if (properties?.FirstOrDefault(p => p.Name == AioUserProperties.SourceId) is { } source)
        {
            if (!string.Equals(source.ReadValueAsString(), args.ClientId, StringComparison.Ordinal))
            {
                refusal = "the request's __srcId is not the publisher's client id";
            }
        }
        else if (string.Equals(topic, StateStoreTopics.RequestTopic, StringComparison.Ordinal))
        {
            // The state store falls back to $partition, which anyone can set: stamp the authenticated client id instead.
            message.UserProperties ??= [];
            message.UserProperties.Add(new MqttUserProperty(AioUserProperties.SourceId, Encoding.UTF8.GetBytes(args.ClientId)));
        }

        if (refusal is null && internalPassword is not null && topic.StartsWith(StateStoreTopics.NotificationPrefix, StringComparison.Ordinal))
        {
            // In the silo's own broker the state store puts notifications straight into the observer's session, so nobody
            // else has a reason to publish there, and a forged notification would reach the observer as the store's.
            refusal = "state-store notification topics are written by the state store only";
        }

        if (refusal is null && acl is { } list && !list.IsAllowed(args.ClientId, identity?.UserName, BrokerAccess.Write, topic))
        {
            refusal = "the ACL does not allow publishing to this topic";
        }

        if (refusal is not null)
        {
            args.ProcessPublish = false;
            args.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            args.Response.ReasonString = refusal;
            LogPublishRefused(args.ClientId, identity?.UserName, topic, refusal);
        }

        return Task.CompletedTask;
    }

    private Task OnInterceptingSubscriptionAsync(InterceptingSubscriptionEventArgs args)
    {
        if (!args.ProcessSubscription || string.IsNullOrEmpty(args.ClientId))
        {
            return Task.CompletedTask;
        }

        var identity = Identify(args.ClientId);
        if (identity?.IsInternal == true)
        {
            return Task.CompletedTask;
        }

        var filter = args.TopicFilter.Topic;
        string? refusal = null;
        if (NamedOwner(filter) is { } owner && !string.Equals(owner, args.ClientId, StringComparison.Ordinal))
        {
            refusal = "the filter names another client's topics";
        }
        else if (acl is { } list && !list.IsAllowed(args.ClientId, identity?.UserName, BrokerAccess.Read, filter))
        {
            refusal = "the ACL does not allow subscribing to this filter";
        }

        if (refusal is not null)
        {
            args.ProcessSubscription = false;
            args.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            args.Response.ReasonString = refusal;
            LogSubscribeRefused(args.ClientId, identity?.UserName, filter, refusal);
        }

        return Task.CompletedTask;
    }

    // A wildcard subscription (#, clients/+/...) must not deliver another client's per-client messages.
    private Task OnInterceptingClientEnqueueAsync(InterceptingClientApplicationMessageEnqueueEventArgs args)
    {
        if (!args.AcceptEnqueue)
        {
            return Task.CompletedTask;
        }

        var topic = args.ApplicationMessage.Topic;
        var owner = topic.StartsWith("clients/", StringComparison.Ordinal) ? OwnerOfTopic(topic) : null;
        var list = acl;
        if (owner is null && list is null)
        {
            return Task.CompletedTask;
        }

        var receiver = Identify(args.ReceiverClientId);
        if (receiver?.IsInternal == true)
        {
            return Task.CompletedTask;
        }

        if (owner is not null && !string.Equals(owner, args.ReceiverClientId, StringComparison.Ordinal))
        {
            args.AcceptEnqueue = false;
        }
        else if (list is not null && !list.IsAllowed(args.ReceiverClientId, receiver?.UserName, BrokerAccess.Read, topic))
        {
            // Mosquitto's rule: read access is checked again for every message delivered.
            args.AcceptEnqueue = false;
        }

        return Task.CompletedTask;
    }

    private Task OnClientDisconnectedAsync(ClientDisconnectedEventArgs args)
    {
        if (args.DisconnectType != MqttClientDisconnectType.Takeover && connections.TryRemove(args.ClientId, out var state))
        {
            state.Expiry?.Cancel();
            Identities.Remove(args.ClientId);
        }

        return Task.CompletedTask;
    }

    private BrokerClientIdentity? Identify(string clientId) => Identities.Find(clientId);

    /// <summary>The client whose per-client topics a topic belongs to: <c>clients/&lt;id&gt;/...</c>, or the hex id of a state-store notification.</summary>
    internal static string? OwnerOfTopic(string topic)
    {
        // The hot path (every response delivered): no split, one substring.
        const string prefix = "clients/";
        if (!topic.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var end = topic.IndexOf('/', prefix.Length);
        var owner = end < 0 ? topic[prefix.Length..] : topic[prefix.Length..end];
        if (owner != "statestore")
        {
            return owner;
        }

        var levels = topic.Split('/');
        if (topic.StartsWith(StateStoreTopics.NotificationPrefix, StringComparison.Ordinal) && levels.Length > 4)
        {
            try
            {
                return Encoding.UTF8.GetString(Convert.FromHexString(levels[4]));
            }
            catch (FormatException)
            {
                return "statestore";
            }
        }

        // Any other clients/statestore/... topic belongs to no client: only the silo receives it.
        return "statestore";
    }

    /// <summary>The client a SUBSCRIBE filter names explicitly (a literal id level); wildcard levels name nobody (delivery filters them).</summary>
    internal static string? NamedOwner(string filter)
    {
        var levels = filter.Split('/');
        if (levels.Length < 2 || levels[0] != "clients" || levels[1] is "+" or "#")
        {
            return null;
        }

        if (levels[1] != "statestore")
        {
            return levels[1];
        }

        if (levels.Length > 4 && levels[2] is not ("+" or "#") && levels[3] is not ("+" or "#") && levels[4] is not ("+" or "#"))
        {
            return OwnerOfTopic(filter);
        }

        return levels.Length > 4 ? null : "statestore";
    }

    private T Load<T>(Func<T> load, string key, int port)
    {
        try
        {
            return load();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or CryptographicException or ArgumentException)
        {
            throw new EmbeddedBrokerException($"{BrokerSecurityOptions.SectionName}:{key}", port, ex.Message, ex);
        }
    }

    private void ReloadAcl(string path)
    {
        try
        {
            acl = BrokerAcl.Parse(File.ReadAllText(path));
            LogAclReloaded(path, acl.Count);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            LogAclReloadFailed(path, ex.Message);
        }
    }

    private sealed class ConnectionState(BrokerClientIdentity identity, IMqttChannelAdapter channel)
    {
        public BrokerClientIdentity Identity { get; } = identity;

        public IMqttChannelAdapter Channel { get; } = channel;

        public CancellationTokenSource? Expiry { get; set; }
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Debug, Message = "Client {ClientId} authenticated as {UserName} ({Method})")]
    private partial void LogAuthenticated(string clientId, string? userName, string method);

    [LoggerMessage(EventId = 31, Level = LogLevel.Warning, Message = "Client {ClientId} (user {UserName}) refused: {ReasonCodeValue} {ReasonCode}: {Reason} (from {RemoteEndPoint})")]
    private partial void LogConnectRefused(string clientId, string? userName, int reasonCodeValue, string reasonCode, string reason, string? remoteEndPoint);

    [LoggerMessage(EventId = 32, Level = LogLevel.Warning, Message = "TLS client certificate {Subject} refused: {ChainStatus}")]
    private partial void LogCertificateRefused(string subject, string chainStatus);

    [LoggerMessage(EventId = 33, Level = LogLevel.Information, Message = "Client {ClientId} (user {UserName}) disconnected: its token has expired")]
    private partial void LogTokenExpired(string clientId, string? userName);

    [LoggerMessage(EventId = 34, Level = LogLevel.Debug, Message = "Client {ClientId} (user {UserName}) re-authenticated with a fresh token")]
    private partial void LogReauthenticated(string clientId, string? userName);

    [LoggerMessage(EventId = 35, Level = LogLevel.Warning, Message = "Client {ClientId} (user {UserName}) re-authentication refused: {Reason}; disconnecting")]
    private partial void LogReauthenticationRefused(string clientId, string? userName, string reason);

    [LoggerMessage(EventId = 36, Level = LogLevel.Information, Message = "Client {ClientId} (user {UserName}) may not publish to {Topic}: {Reason}")]
    private partial void LogPublishRefused(string clientId, string? userName, string topic, string reason);

    [LoggerMessage(EventId = 37, Level = LogLevel.Information, Message = "Client {ClientId} (user {UserName}) may not subscribe to {Filter}: {Reason}")]
    private partial void LogSubscribeRefused(string clientId, string? userName, string filter, string reason);

    [LoggerMessage(EventId = 38, Level = LogLevel.Information, Message = "ACL file {Path} reloaded: {Count} rules")]
    private partial void LogAclReloaded(string path, int count);

    [LoggerMessage(EventId = 39, Level = LogLevel.Warning, Message = "ACL file {Path} not reloaded, the previous rules stay: {Reason}")]
    private partial void LogAclReloadFailed(string path, string reason);
}
