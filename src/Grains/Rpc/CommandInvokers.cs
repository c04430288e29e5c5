using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Protocol.Rpc;

namespace OrleansAio.Grains.Rpc;

/// <summary>
/// The silo's command invokers: one <see cref="CommandInvoker{TReq, TResp}"/> per registered command, created on first use on
/// the silo's shared MQTT session and shared by every <see cref="CommandInvokerGrain{TReq, TResp}"/> activation of the silo.
/// </summary>
/// <remarks>An invoker subscribes to its response topic once and keeps it, so a call costs one publish and one response.</remarks>
public sealed class CommandInvokers : IAsyncDisposable
{
    private readonly Dictionary<string, CommandInvokerRegistration> registrations;
    private readonly ApplicationContext context;
    private readonly IMqttPubSubClient mqttClient;
    private readonly ILoggerFactory loggerFactory;
    private readonly ConcurrentDictionary<string, Lazy<IAsyncDisposable>> invokers = new(StringComparer.Ordinal);

    /// <summary>Creates the set.</summary>
    /// <param name="registrations">The registered commands.</param>
    /// <param name="context">The silo's application context.</param>
    /// <param name="mqttClient">The silo's shared MQTT session.</param>
    /// <param name="loggerFactory">Logging.</param>
    public CommandInvokers(IEnumerable<CommandInvokerRegistration> registrations, ApplicationContext context, IMqttPubSubClient mqttClient, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(registrations);
        this.registrations = [];
        foreach (var registration in registrations)
        {
            if (!this.registrations.TryAdd(registration.CommandName, registration))
            {
                throw new ArgumentException($"The command invoker '{registration.CommandName}' is registered twice.", nameof(registrations));
            }
        }

        this.context = context;
        this.mqttClient = mqttClient;
        this.loggerFactory = loggerFactory;
    }

    /// <summary>The silo's invoker for <paramref name="commandName"/>.</summary>
    /// <typeparam name="TReq">The request type the caller uses.</typeparam>
    /// <typeparam name="TResp">The response type the caller uses.</typeparam>
    /// <param name="commandName">The registered command name.</param>
    /// <returns>The invoker.</returns>
    /// <exception cref="AioProtocolException">No such command is registered, or with other types.</exception>
    public CommandInvoker<TReq, TResp> Get<TReq, TResp>(string commandName)
    {
        if (!registrations.TryGetValue(commandName, out var registration))
        {
            throw AioProtocolException.ConfigurationInvalid(
                "commandName", commandName, $"no command invoker '{commandName}' is registered (call AddAioCommandInvoker on the silo builder)");
        }

        if (registration.RequestType != typeof(TReq) || registration.ResponseType != typeof(TResp))
        {
            throw AioProtocolException.ConfigurationInvalid(
                "commandName",
                commandName,
                $"the command invoker '{commandName}' is registered for {registration.RequestType.Name} -> {registration.ResponseType.Name}, not {typeof(TReq).Name} -> {typeof(TResp).Name}");
        }

        var lazy = invokers.GetOrAdd(commandName, _ => new Lazy<IAsyncDisposable>(() => registration.CreateInvoker(context, mqttClient, loggerFactory)));
        return (CommandInvoker<TReq, TResp>)lazy.Value;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var lazy in invokers.Values)
        {
            if (lazy.IsValueCreated)
            {
                await lazy.Value.DisposeAsync();
            }
        }

        invokers.Clear();
    }
}
