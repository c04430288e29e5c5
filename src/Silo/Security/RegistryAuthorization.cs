using Microsoft.Extensions.Options;
using OrleansAio.Silo.Broker;
using OrleansAio.Silo.Hosting;

namespace OrleansAio.Silo.Security;

/// <summary>
/// Who may change the registries (<c>Registries:Authorization:*</c>): with <see cref="Enabled"/> set, a write request (put a
/// schema, ...) is served only for an invoker whose broker-authenticated user or client id is listed for that registry. Reads
/// stay open. See <c>docs/security.md</c>.
/// </summary>
public sealed class RegistryAuthorizationOptions
{
    /// <summary>The configuration section of these options.</summary>
    public const string SectionName = "Registries:Authorization";

    /// <summary>Whether writes are restricted to the listed writers. Default <see langword="false"/> (anyone connected may write).</summary>
    public bool Enabled { get; set; }

    /// <summary>Who may put schemas.</summary>
    public RegistryWriters SchemaRegistry { get; set; } = new();

    /// <summary>Who may change devices and assets (update status, create or update discovered devices and assets).</summary>
    public RegistryWriters DeviceRegistry { get; set; } = new();

    /// <summary>Checks the options (nothing can be wrong today beyond the types, which binding checks).</summary>
    public void Validate()
    {
        foreach (var (key, writers) in new[] { (nameof(SchemaRegistry), SchemaRegistry), (nameof(DeviceRegistry), DeviceRegistry) })
        {
            if (writers.Users.Concat(writers.ClientIds).Any(string.IsNullOrWhiteSpace))
            {
                throw new ArgumentException("holds an empty writer name", key);
            }
        }
    }
}

/// <summary>The users and client ids that may write one registry.</summary>
public sealed class RegistryWriters
{
    /// <summary>Authenticated user names (as the embedded broker authenticated them).</summary>
    public List<string> Users { get; set; } = [];

    /// <summary>MQTT client ids.</summary>
    public List<string> ClientIds { get; set; } = [];
}

/// <summary>Decides, from the identity the embedded broker authenticated, whether an invoker may write a registry.</summary>
public sealed partial class RegistryAuthorizer(IOptions<RegistryAuthorizationOptions> options, IServiceProvider services, ILogger<RegistryAuthorizer> logger)
{
    private readonly RegistryAuthorizationOptions settings = options.Value;
    private readonly BrokerClientIdentities? identities = services.GetService(typeof(BrokerClientIdentities)) as BrokerClientIdentities;

    /// <summary>Whether the invoker may write the registry.</summary>
    /// <param name="registry">The registry's writers (for instance <see cref="RegistryAuthorizationOptions.SchemaRegistry"/>).</param>
    /// <param name="registryName">The registry's name, for the log.</param>
    /// <param name="invokerClientId">The request's <c>__srcId</c> (the embedded broker guarantees it is the publisher's).</param>
    /// <returns>Whether the write may run.</returns>
    public bool MayWrite(Func<RegistryAuthorizationOptions, RegistryWriters> registry, string registryName, string? invokerClientId)
    {
        ArgumentNullException.ThrowIfNull(registry);
        if (!settings.Enabled)
        {
            return true;
        }

        var clientId = invokerClientId ?? string.Empty;
        var identity = identities?.Find(clientId);
        if (identity?.IsInternal == true)
        {
            return true;
        }

        var writers = registry(settings);
        if (writers.ClientIds.Contains(clientId, StringComparer.Ordinal)
            || (identity?.UserName is { } user && writers.Users.Contains(user, StringComparer.Ordinal)))
        {
            return true;
        }

        LogRefused(registryName, clientId, identity?.UserName);
        return false;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Registry} write refused for client {ClientId} (user {UserName}): not a configured writer")]
    private partial void LogRefused(string registry, string clientId, string? userName);
}

/// <summary>Registers <see cref="RegistryAuthorizer"/> once, whichever registry asks first.</summary>
public static class RegistryAuthorizationServiceCollectionExtensions
{
    /// <summary>Adds <see cref="RegistryAuthorizationOptions"/> (section <c>Registries:Authorization</c>) and the authorizer, once.</summary>
    /// <param name="services">The services.</param>
    /// <returns>The same services.</returns>
    public static IServiceCollection AddAioRegistryAuthorization(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(RegistryAuthorizer)))
        {
            return services;
        }

        services.AddAioOptions<RegistryAuthorizationOptions>(RegistryAuthorizationOptions.SectionName, null, o => o.Validate());
        services.AddSingleton<RegistryAuthorizer>();
        return services;
    }
}
