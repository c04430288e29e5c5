using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OrleansAio.Grains.Rpc;
using OrleansAio.GrainsInterfaces.Rpc;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Silo.Hosting;
using OrleansAio.Silo.Mqtt;

namespace OrleansAio.Silo.Rpc;

/// <summary>Registers AIO commands the cluster serves (executor side) and calls (invoker side).</summary>
public static class RpcSiloBuilderExtensions
{
    /// <summary>The configuration section prefix of a served command's options: <c>Commands:{commandName}</c>.</summary>
    public const string CommandsSection = "Commands:";

    /// <summary>The configuration section prefix of a command invoker's options: <c>CommandInvokers:{commandName}</c>.</summary>
    public const string CommandInvokersSection = "CommandInvokers:";

    /// <summary>
    /// Serves a command: every silo runs one executor for it in a shared subscription group, routing each request to the
    /// <typeparamref name="TGrain"/> grain whose key is the request topic's key token; dedup is cluster-wide.
    /// </summary>
    /// <typeparam name="TReq">The request type (Orleans-serializable and handled by the options' serializer).</typeparam>
    /// <typeparam name="TResp">The response type (likewise).</typeparam>
    /// <typeparam name="TGrain">The grain interface serving the command.</typeparam>
    /// <param name="silo">The silo builder; the shared MQTT session must be registered.</param>
    /// <param name="commandName">The command name.</param>
    /// <param name="configure">Sets the topic pattern, key token, serializer, timeouts, after the <c>Commands:{commandName}</c> configuration section.</param>
    /// <returns>The same builder.</returns>
    /// <remarks>The options are validated when the silo starts; an error names the setting (<c>Commands:{commandName}:KeyToken</c>).</remarks>
    public static ISiloBuilder AddAioCommand<TReq, TResp, TGrain>(this ISiloBuilder silo, string commandName, Action<AioCommandOptions> configure)
        where TGrain : ICommandHandlerGrain<TReq, TResp>
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(configure);
        silo.Services.AddAioOptions(CommandsSection + commandName, configure, o => o.Validate(commandName), commandName);
        silo.Services.AddAioApplicationContext();
        // Keyed by the command name: one grain type may serve several commands, each with its own executor.
        silo.Services.AddKeyedSingleton(commandName, (sp, _) => new CommandExecutorHost<TReq, TResp, TGrain>(
            commandName,
            sp.GetRequiredService<IOptionsMonitor<AioCommandOptions>>().Get(commandName),
            sp.GetRequiredService<IGrainFactory>(),
            sp.GetRequiredService<IMqttPubSubClient>(),
            sp.GetRequiredService<ApplicationContext>(),
            sp.GetRequiredService<ILoggerFactory>()));
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredKeyedService<CommandExecutorHost<TReq, TResp, TGrain>>(commandName));
        silo.Services.TryAddSingleton(TimeProvider.System);
        if (!silo.Services.Any(d => d.ServiceType == typeof(CommandDedupActivations)))
        {
            // Cluster-wide dedup in the handler grain's activation (src/Grains/Rpc/README.md), once for every command.
            silo.Services.AddSingleton<CommandDedupActivations>();
            silo.Services.AddSingleton<IConfigureGrainContextProvider>(sp => sp.GetRequiredService<CommandDedupActivations>());
            silo.Services.AddSingleton<IIncomingGrainCallFilter, CommandDedupFilter>();

            // Durable records one by one in the default grain storage's Redis; null (grain-storage states) when that is not Redis.
            silo.Services.TryAddSingleton<ICommandDedupStore>(sp => RedisCommandDedupStore.Create(sp)!);
        }
        return silo;
    }

    /// <summary>
    /// Lets grains and clients call a remote command through <see cref="ICommandInvokerGrain{TReq, TResp}"/> keyed by
    /// <paramref name="commandName"/>; each silo keeps one invoker for it on its shared MQTT session.
    /// </summary>
    /// <typeparam name="TReq">The request type.</typeparam>
    /// <typeparam name="TResp">The response type.</typeparam>
    /// <param name="silo">The silo builder; the shared MQTT session must be registered.</param>
    /// <param name="commandName">The command name (the invoker grain's key).</param>
    /// <param name="configure">Sets the request topic pattern and serializer, after the <c>CommandInvokers:{commandName}</c> configuration section.</param>
    /// <returns>The same builder.</returns>
    /// <remarks>The options are validated when the silo starts; an error names the setting (<c>CommandInvokers:{commandName}:RequestTopicPattern</c>).</remarks>
    public static ISiloBuilder AddAioCommandInvoker<TReq, TResp>(this ISiloBuilder silo, string commandName, Action<AioCommandInvokerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(configure);
        silo.Services.AddAioOptions(CommandInvokersSection + commandName, configure, o => o.Validate(commandName), commandName);
        silo.Services.AddAioApplicationContext();
        silo.Services.AddSingleton<CommandInvokerRegistration>(sp =>
        {
            var options = sp.GetRequiredService<IOptionsMonitor<AioCommandInvokerOptions>>().Get(commandName);
            return new CommandInvokerRegistration<TReq, TResp>
            {
                CommandName = commandName,
                RequestTopicPattern = options.RequestTopicPattern,
                TopicNamespace = options.TopicNamespace,
                TopicTokenMap = new Dictionary<string, string>(options.TopicTokenMap, StringComparer.Ordinal),
                ResponseTopicPrefix = options.ResponseTopicPrefix,
                ResponseTopicSuffix = options.ResponseTopicSuffix,
                Serializer = options.Serializer,
                PropagateTraceContext = options.PropagateTraceContext,
            };
        });
        silo.Services.TryAddSingleton<CommandInvokers>();
        return silo;
    }
}
