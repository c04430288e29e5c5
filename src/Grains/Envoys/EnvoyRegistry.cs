using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Mqtt;

namespace OrleansAio.Grains.Envoys;

/// <summary>
/// The silo's registrations of one kind of outbound envoy (command invokers, telemetry senders) by name, each envoy created
/// once, on first use, on the silo's shared MQTT session, and disposed with the registry.
/// </summary>
/// <typeparam name="TRegistration">The registration type.</typeparam>
public abstract class EnvoyRegistry<TRegistration> : IAsyncDisposable
    where TRegistration : class
{
    private readonly Dictionary<string, TRegistration> registrations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<IAsyncDisposable>> envoys = new(StringComparer.Ordinal);
    private readonly string kind;
    private readonly string parameterName;
    private readonly string registrationCall;

    /// <summary>Creates a registry.</summary>
    /// <param name="registrations">The registrations; a name registered twice is refused.</param>
    /// <param name="nameOf">A registration's name.</param>
    /// <param name="kind">What a registration is, for errors (<c>command invoker</c>).</param>
    /// <param name="parameterName">The name parameter's name, for errors (<c>commandName</c>).</param>
    /// <param name="registrationCall">The silo-builder call that registers one, for errors (<c>AddAioCommandInvoker</c>).</param>
    /// <param name="context">The silo's application context.</param>
    /// <param name="mqttClient">The silo's shared MQTT session.</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <exception cref="ArgumentException">A name is registered twice.</exception>
    protected EnvoyRegistry(
        IEnumerable<TRegistration> registrations,
        Func<TRegistration, string> nameOf,
        string kind,
        string parameterName,
        string registrationCall,
        ApplicationContext context,
        IMqttPubSubClient mqttClient,
        ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(registrations);
        ArgumentNullException.ThrowIfNull(nameOf);
        foreach (var registration in registrations)
        {
            if (!this.registrations.TryAdd(nameOf(registration), registration))
            {
                throw new ArgumentException($"The {kind} '{nameOf(registration)}' is registered twice.", nameof(registrations));
            }
        }

        this.kind = kind;
        this.parameterName = parameterName;
        this.registrationCall = registrationCall;
        Context = context;
        MqttClient = mqttClient;
        LoggerFactory = loggerFactory;
    }

    /// <summary>The silo's application context.</summary>
    protected ApplicationContext Context { get; }

    /// <summary>The silo's shared MQTT session.</summary>
    protected IMqttPubSubClient MqttClient { get; }

    /// <summary>Logging.</summary>
    protected ILoggerFactory LoggerFactory { get; }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var lazy in envoys.Values)
        {
            if (lazy.IsValueCreated)
            {
                await lazy.Value.DisposeAsync();
            }
        }

        envoys.Clear();
        GC.SuppressFinalize(this);
    }

    /// <summary>The registration named <paramref name="name"/>.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The registration.</returns>
    /// <exception cref="AioProtocolException">Nothing is registered under the name (<c>invalid configuration</c>, naming the call that registers one).</exception>
    protected TRegistration Find(string name) => registrations.TryGetValue(name, out var registration)
        ? registration
        : throw AioProtocolException.ConfigurationInvalid(
            parameterName, name, $"no {kind} '{name}' is registered (call {registrationCall} on the silo builder)");

    /// <summary>The one envoy of <paramref name="name"/>, created by <paramref name="create"/> on first use.</summary>
    /// <typeparam name="TEnvoy">The envoy type.</typeparam>
    /// <param name="name">The name.</param>
    /// <param name="create">Creates the envoy.</param>
    /// <returns>The envoy.</returns>
    protected TEnvoy GetOrCreateEnvoy<TEnvoy>(string name, Func<TEnvoy> create)
        where TEnvoy : IAsyncDisposable
    {
        ArgumentNullException.ThrowIfNull(create);
        var lazy = envoys.GetOrAdd(name, _ => new Lazy<IAsyncDisposable>(() => create()));
        return (TEnvoy)lazy.Value;
    }
}
