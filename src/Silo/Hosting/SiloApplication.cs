using System.Net;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Dashboard;
using OrleansAio.Protocol.Connection;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Protocol.Session;
using OrleansAio.Silo.Broker;
using OrleansAio.Silo.ClusterJournal;
using OrleansAio.Silo.Health.Hosting;
using OrleansAio.Silo.Mqtt;
using OrleansAio.Silo.Security;
using OrleansAio.Silo.Security.Hosting;
using OrleansAio.Silo.Storage;
using StackExchange.Redis;

namespace OrleansAio.Silo.Hosting;

/// <summary>
/// The whole silo process: the embedded Garnet store and MQTT broker (unless external ones are configured), the Orleans silo with
/// Redis membership and grain storage, the shared MQTT session, and the health endpoints. Start order is store, broker, MQTT
/// session, silo; stop order is the reverse, so the silo's last writes and the session's DISCONNECT still reach their peers.
/// </summary>
public sealed partial class SiloApplication : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly EmbeddedGarnet? garnet;
    private readonly EmbeddedMqttBroker? broker;
    private readonly ILogger logger;
    private bool stopped;
    private int stoppingLogged;

    private SiloApplication(WebApplication app, SiloHostOptions options, EmbeddedGarnet? garnet, EmbeddedMqttBroker? broker, string redisConnectionString, MqttConnectionSettings mqtt)
    {
        this.app = app;
        this.garnet = garnet;
        this.broker = broker;
        Options = options;
        RedisConnectionString = redisConnectionString;
        MqttSettings = mqtt;
        logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<SiloApplication>();

        // A signal stops the host by itself (Orleans first, its MQTT session last): say so when it begins, not after.
        app.Lifetime.ApplicationStopping.Register(LogStoppingOnce);
    }

    /// <summary>Where the Orleans dashboard is served on the health port (<c>http://127.0.0.1:{Silo:HttpPort}/dashboard</c>).</summary>
    public const string OrleansDashboardPath = "/dashboard";

    /// <summary>The validated host options.</summary>
    public SiloHostOptions Options { get; }

    /// <summary>The Redis connection string the silo uses (the embedded Garnet's when none was configured).</summary>
    public string RedisConnectionString { get; }

    /// <summary>The MQTT connection settings of the silo's shared session.</summary>
    public MqttConnectionSettings MqttSettings { get; }

    /// <summary>The embedded broker, when no external broker is configured.</summary>
    public EmbeddedMqttBroker? EmbeddedBroker => broker;

    /// <summary>The host's services (grain factory, cluster client, shared MQTT session...).</summary>
    public IServiceProvider Services => app.Services;

    /// <summary>The base address of the health endpoints.</summary>
    public Uri HttpAddress => new($"http://127.0.0.1:{Options.HttpPort}");

    /// <summary>
    /// Reads and validates the configuration (appsettings.json, environment variables, command line, then
    /// <paramref name="configure"/>), starts every component and returns once the silo serves requests.
    /// </summary>
    /// <param name="args">Command-line arguments (<c>--Silo:BrokerPort=1884</c>, <c>--ConnectionStrings:Mqtt=...</c>).</param>
    /// <param name="configure">Extra configuration sources, applied last (tests use it).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <param name="configureSilo">The application's own registrations (commands, telemetry topics), after the AIO capabilities.</param>
    /// <returns>The running application.</returns>
    /// <exception cref="SiloStartupException">A setting is wrong or a resource it names is unusable; the message names the setting.</exception>
    public static async Task<SiloApplication> StartAsync(
        string[] args, Action<IConfigurationBuilder>? configure = null, CancellationToken cancellationToken = default, Action<ISiloBuilder>? configureSilo = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        configure?.Invoke(builder.Configuration);

        var options = SiloHostOptionsReader.Read(builder.Configuration);
        var advertised = IPAddress.Parse(options.AdvertisedAddress);
        PortCheck.EnsureLocal($"{SiloHostOptions.SectionName}:{nameof(SiloHostOptions.AdvertisedAddress)}", advertised);
        PortCheck.EnsureFree($"{SiloHostOptions.SectionName}:{nameof(SiloHostOptions.SiloPort)}", advertised, options.SiloPort);
        PortCheck.EnsureFree($"{SiloHostOptions.SectionName}:{nameof(SiloHostOptions.GatewayPort)}", advertised, options.GatewayPort);
        PortCheck.EnsureFree($"{SiloHostOptions.SectionName}:{nameof(SiloHostOptions.HttpPort)}", IPAddress.Loopback, options.HttpPort);

        var redis = ResolveRedis(builder.Configuration, options, out var garnetOptions);
        var mqtt = ResolveMqtt(builder.Configuration, options, out var brokerOptions);

        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, options.HttpPort));
        builder.AddServiceDefaults();
        builder.Services.AddSingleton(TimeProvider.System);

        var sessionOptions = new MqttSessionClientOptions
        {
            ConnectionAttemptTimeout = options.ConnectTimeout,
            MaxPendingMessages = options.MqttMaxPendingOperations,
        };
        var mqttSetting = brokerOptions is null
            ? $"ConnectionStrings:{SiloHostOptions.MqttConnectionStringName}"
            : $"{SiloHostOptions.SectionName}:{nameof(SiloHostOptions.BrokerPort)}";

        // The embedded broker is created (not started) before the host is built, so capabilities can reach it: with the
        // embedded broker, the state store puts notifications straight into an observing client's session.
        var bootstrapLoggerFactory = new DeferredLoggerFactory();
        EmbeddedMqttBroker? broker;
        try
        {
            broker = brokerOptions is null ? null : new EmbeddedMqttBroker(brokerOptions, bootstrapLoggerFactory);
        }
        catch (EmbeddedBrokerException ex)
        {
            throw new SiloStartupException(ex.Setting ?? $"{SiloHostOptions.SectionName}:{nameof(SiloHostOptions.BrokerPort)}", ex.Message, ex);
        }

        if (broker is not null)
        {
            builder.Services.AddSingleton(broker);
            builder.Services.AddSingleton(broker.Identities);
        }

        var redisOptions = ConfigurationOptions.Parse(redis);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = options.ClusterId;
                cluster.ServiceId = options.ServiceId;
            });
            silo.Configure<ClusterMembershipOptions>(membership =>
            {
                membership.ProbeTimeout = options.MembershipProbeTimeout;
                membership.NumMissedProbesLimit = options.MembershipMissedProbesLimit;
                membership.NumVotesForDeathDeclaration = options.MembershipVotesForDeath;
                membership.TableRefreshTimeout = options.MembershipTableRefresh;
            });
            // Bounded memory when activations (state-store keys, devices) outnumber memory: Orleans sheds the least recently used
            // activations above 80% of the machine's memory, down to 75% (their state is in storage).
            silo.Configure<GrainCollectionOptions>(collection => collection.EnableActivationSheddingOnMemoryPressure = true);
            silo.ConfigureEndpoints(advertised, options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: false);
            silo.AddAioClusterTls();
            silo.AddAioRedisTls();
            silo.UseRedisClustering(clustering => clustering.ConfigurationOptions = redisOptions.Clone());
            // Clearing a grain's state deletes its record (an expired or deleted state-store key leaves nothing behind).
            silo.AddRedisGrainStorageAsDefault(storage =>
            {
                storage.ConfigurationOptions = redisOptions.Clone();
                storage.DeleteStateOnClear = true;
            });
            silo.Services.AddKeyedSingleton<TimeProvider>(TimeProviderNames.Membership, new ProcessRelativeTimeProvider(TimeProvider.System));
            silo.AddAioMqttConnection(mqtt, mqttSetting, sessionOptions);
            silo.AddActivityPropagation();
            silo.AddAioHealthChecks(redisOptions);
            silo.AddDashboard();
            silo.AddAioCapabilities();
            configureSilo?.Invoke(silo);
        });
        builder.Services.AddSingleton<ClusterJournalRecorder>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<ClusterJournalRecorder>());

        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapOrleansDashboard(OrleansDashboardPath);

        var loggerFactory = app.Services.GetRequiredService<ILoggerFactory>();
        bootstrapLoggerFactory.Attach(loggerFactory);
        EmbeddedGarnet? garnet = null;
        try
        {
            // Redis TLS is applied to the one ConfigurationOptions that membership, storage and the health check clone when they
            // first connect (during the start below), so all three speak TLS. Resolving it validates Redis:Tls (one-line error).
            var redisTls = app.Services.GetRequiredService<RedisTls>().Credentials;
            if (redisTls is not null)
            {
                if (garnetOptions is not null)
                {
                    throw new SiloStartupException(
                        $"{RedisTlsOptions.SectionName}:{nameof(RedisTlsOptions.Enabled)}",
                        $"TLS to Redis needs an external Redis or Garnet (ConnectionStrings:{SiloHostOptions.RedisConnectionStringName}); the embedded Garnet listens on loopback without TLS");
                }

                redisTls.ApplyTo(redisOptions);
            }

            if (garnetOptions is not null)
            {
                garnet = new EmbeddedGarnet(garnetOptions, loggerFactory);
                try
                {
                    garnet.Start();
                }
                catch (InvalidOperationException ex)
                {
                    throw new SiloStartupException($"{SiloHostOptions.SectionName}:{nameof(SiloHostOptions.DataDirectory)}", ex.Message, ex);
                }
            }
            else
            {
                await EnsureRedisReachableAsync(redisOptions, redisTls, options.ConnectTimeout, cancellationToken);
            }

            if (broker is not null)
            {
                try
                {
                    await broker.StartAsync(cancellationToken);
                }
                catch (EmbeddedBrokerException ex)
                {
                    throw new SiloStartupException($"{SiloHostOptions.SectionName}:{nameof(SiloHostOptions.BrokerPort)}", ex.Message, ex);
                }
            }

            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                await app.StartAsync(timeout.Token);
            }

            broker?.AdmitAllClients();
            var started = new SiloApplication(app, options, garnet, broker, redis, mqtt);
            started.LogSiloStarted(options.ServiceId, options.ClusterId, $"{options.AdvertisedAddress}:{options.SiloPort}", options.GatewayPort, started.HttpAddress);
            return started;
        }
        catch (Exception ex)
        {
            await DisposeComponentsAsync(app, broker, garnet);

            // Failures inside the silo lifecycle arrive wrapped; the one-line error is the innermost start-up exception.
            if (ex is not SiloStartupException && FindStartupException(ex) is { } startup)
            {
                throw startup;
            }

            throw;
        }
    }

    /// <summary>Waits until the host is asked to stop (Ctrl+C, SIGTERM, or <see cref="StopAsync"/>).</summary>
    /// <param name="cancellationToken">Ends the wait early.</param>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => app.WaitForShutdownAsync(cancellationToken);

    /// <summary>Stops the silo, then the MQTT session, then the embedded broker and store.</summary>
    /// <param name="cancellationToken">Cancels waiting for a clean stop.</param>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (stopped)
        {
            return;
        }

        stopped = true;
        LogStoppingOnce();
        try
        {
            await app.StopAsync(cancellationToken);
        }
        finally
        {
            await DisposeComponentsAsync(app, broker, garnet);
        }

        LogStopped();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);

    private static string ResolveRedis(IConfiguration configuration, SiloHostOptions options, out EmbeddedGarnetOptions? garnet)
    {
        var setting = $"ConnectionStrings:{SiloHostOptions.RedisConnectionStringName}";
        var external = configuration.GetConnectionString(SiloHostOptions.RedisConnectionStringName);
        if (!string.IsNullOrWhiteSpace(external))
        {
            try
            {
                var parsed = ConfigurationOptions.Parse(external);
                if (parsed.EndPoints.Count == 0)
                {
                    throw new SiloStartupException(setting, $"'{external}' names no endpoint (expected host:port)");
                }
            }
            catch (ArgumentException ex)
            {
                throw new SiloStartupException(setting, $"'{external}' cannot be parsed: {ex.Message}", ex);
            }

            garnet = null;
            return external;
        }

        var dataDirectory = Path.GetFullPath(options.DataDirectory);
        EnsureWritable(dataDirectory);
        var port = options.GarnetPort;
        if (port == 0)
        {
            port = PortCheck.GetFree(IPAddress.Loopback);
        }
        else
        {
            PortCheck.EnsureFree($"{SiloHostOptions.SectionName}:{nameof(SiloHostOptions.GarnetPort)}", IPAddress.Loopback, port);
        }

        garnet = new EmbeddedGarnetOptions
        {
            Port = port,
            DataDirectory = dataDirectory,
            MemorySize = options.GarnetMemory,
            IndexSize = options.GarnetIndexSize,
        };
        return $"127.0.0.1:{port}";
    }

    private static MqttConnectionSettings ResolveMqtt(IConfiguration configuration, SiloHostOptions options, out EmbeddedMqttBrokerOptions? broker)
    {
        var clientId = string.IsNullOrWhiteSpace(options.MqttClientId)
            ? $"{options.ServiceId}-{Environment.MachineName}-{options.SiloPort}"
            : options.MqttClientId;
        var external = configuration.GetConnectionString(SiloHostOptions.MqttConnectionStringName);
        if (!string.IsNullOrWhiteSpace(external))
        {
            broker = null;
            try
            {
                return MqttConnectionSettings.FromConnectionString(external, clientId);
            }
            catch (MqttConnectionSettingsException ex)
            {
                throw new SiloStartupException($"ConnectionStrings:{SiloHostOptions.MqttConnectionStringName}", ex.Message, ex);
            }
        }

        var bind = IPAddress.Parse(options.BrokerBindAddress);
        PortCheck.EnsureFree($"{SiloHostOptions.SectionName}:{nameof(SiloHostOptions.BrokerPort)}", bind, options.BrokerPort);
        var security = ReadBrokerSecurity(configuration, options.BrokerPort);
        // The silo's own session proves itself with a secret that exists only in this process: it is exempt from the ACL (it
        // answers every client's requests) and no configuration can grant that to anyone else.
        var internalPassword = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);

        // Until the silo's endpoints are subscribed, the broker admits only the silo's own session: a client that connected
        // earlier would send requests nobody answers yet. Others get "Server unavailable" and retry.
        broker = new EmbeddedMqttBrokerOptions
        {
            Port = options.BrokerPort,
            BindAddress = options.BrokerBindAddress,
            BindAddressSetting = $"{SiloHostOptions.SectionName}:{nameof(SiloHostOptions.BrokerBindAddress)}",
            StartupClientId = clientId,
            Security = security,
            InternalPassword = internalPassword,
        };
        var host = bind.Equals(IPAddress.Any) ? IPAddress.Loopback : bind.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback : bind;
        return new MqttConnectionSettings
        {
            HostName = host.ToString(),
            TcpPort = options.BrokerPort,
            UseTls = false,
            ClientId = clientId,
            Username = BrokerSecurity.InternalUserName,
            Password = internalPassword,
        };
    }

    // The Broker section is read before the host is built (the broker is created first, so capabilities can reach it); an
    // unknown key or a bad value stops the silo with the setting named. EdgeServices reads it with the same call.
    private static BrokerSecurityOptions ReadBrokerSecurity(IConfiguration configuration, int port)
    {
        try
        {
            return BrokerSecurityOptions.Read(configuration, port);
        }
        catch (EmbeddedBrokerException ex)
        {
            throw new SiloStartupException(ex.Setting ?? BrokerSecurityOptions.SectionName, ex.Message, ex);
        }
    }

    private static void EnsureWritable(string dataDirectory)
    {
        var setting = $"{SiloHostOptions.SectionName}:{nameof(SiloHostOptions.DataDirectory)}";
        try
        {
            Directory.CreateDirectory(dataDirectory);
            var probe = Path.Combine(dataDirectory, $".write-probe-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, [1]);
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SiloStartupException(setting, $"'{dataDirectory}' is not writable ({ex.Message})", ex);
        }
    }

    private static async Task EnsureRedisReachableAsync(ConfigurationOptions redis, RedisTlsCredentials? tls, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var setting = $"ConnectionStrings:{SiloHostOptions.RedisConnectionStringName}";
        var probe = redis.Clone();
        probe.AbortOnConnectFail = true;
        probe.ConnectTimeout = (int)timeout.TotalMilliseconds;
        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(probe).WaitAsync(timeout, cancellationToken);
            await connection.GetDatabase().PingAsync();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // A refused server certificate surfaces as a bare connection failure: name the TLS setting and the reason instead.
            if (tls?.LastRejection is { } rejection)
            {
                throw new SiloStartupException(rejection.Setting, $"{rejection.Problem} (Redis at {string.Join(", ", redis.EndPoints)})", ex);
            }

            throw new SiloStartupException(setting, $"cannot connect to Redis at {string.Join(", ", redis.EndPoints)} ({FirstLine(ex.Message)})", ex);
        }
    }

    private static SiloStartupException? FindStartupException(Exception? exception) => exception switch
    {
        null => null,
        SiloStartupException startup => startup,
        OptionsValidationException invalid => FromValidation(invalid),
        AggregateException aggregate => aggregate.InnerExceptions.Select(FindStartupException).FirstOrDefault(e => e is not null),
        _ => FindStartupException(exception.InnerException),
    };

    // A capability's options (AioOptions.AddAioOptions) failed ValidateOnStart: the failure names the setting.
    private static SiloStartupException FromValidation(OptionsValidationException invalid)
    {
        var (setting, problem) = AioOptions.SplitFailure(invalid.Failures.FirstOrDefault() ?? invalid.Message);
        return new SiloStartupException(setting.Length > 0 ? setting : invalid.OptionsName, problem, invalid);
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    private static async Task DisposeComponentsAsync(WebApplication app, EmbeddedMqttBroker? broker, EmbeddedGarnet? garnet)
    {
        await app.DisposeAsync();
        if (broker is not null)
        {
            await broker.DisposeAsync();
        }

        garnet?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Orleans silo of service {ServiceId} in cluster {ClusterId} started: silo {SiloEndpoint}, gateway port {GatewayPort}, health {HttpAddress}health")]
    private partial void LogSiloStarted(string serviceId, string clusterId, string siloEndpoint, int gatewayPort, Uri httpAddress);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping the silo")]
    private partial void LogStopping();

    private void LogStoppingOnce()
    {
        if (Interlocked.Exchange(ref stoppingLogged, 1) == 0)
        {
            LogStopping();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo stopped")]
    private partial void LogStopped();
}
