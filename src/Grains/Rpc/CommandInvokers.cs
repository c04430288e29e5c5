using Microsoft.Extensions.Logging;
using OrleansAio.Grains.Envoys;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Protocol.Rpc;

namespace OrleansAio.Grains.Rpc;

/// <summary>
/// The silo's command invokers: one <see cref="CommandInvoker{TReq, TResp}"/> per registered command, created on first use on
/// the silo's shared MQTT session and shared by every <see cref="CommandInvokerGrain{TReq, TResp}"/> activation of the silo.
/// </summary>
/// <remarks>An invoker subscribes to its response topic once and keeps it, so a call costs one publish and one response.</remarks>
public sealed class CommandInvokers(IEnumerable<CommandInvokerRegistration> registrations, ApplicationContext context, IMqttPubSubClient mqttClient, ILoggerFactory loggerFactory)
    : EnvoyRegistry<CommandInvokerRegistration>(registrations, r => r.CommandName, "command invoker", "commandName", "AddAioCommandInvoker", context, mqttClient, loggerFactory)
{
    /// <summary>The invoker of <paramref name="commandName"/>, created on first use.</summary>
    /// <typeparam name="TReq">The request type it was registered with.</typeparam>
    /// <typeparam name="TResp">The response type it was registered with.</typeparam>
    /// <param name="commandName">The command name.</param>
    /// <returns>The invoker.</returns>
    /// <exception cref="AioProtocolException">No invoker is registered under that name, or with other types (<c>invalid configuration</c>).</exception>
    public CommandInvoker<TReq, TResp> Get<TReq, TResp>(string commandName)
    {
        var registration = Find(commandName);
        if (registration.RequestType != typeof(TReq) || registration.ResponseType != typeof(TResp))
        {
            throw AioProtocolException.ConfigurationInvalid(
                "commandName",
                commandName,
                $"the command invoker '{commandName}' is registered for {registration.RequestType.Name} -> {registration.ResponseType.Name}, not {typeof(TReq).Name} -> {typeof(TResp).Name}");
        }

        return GetOrCreateEnvoy(commandName, () => (CommandInvoker<TReq, TResp>)registration.CreateInvoker(Context, MqttClient, LoggerFactory));
    }
}
