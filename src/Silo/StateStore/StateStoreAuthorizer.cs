using System.Text;
using Microsoft.Extensions.Options;
using OrleansAio.Abstractions.StateStore;
using OrleansAio.GrainsInterfaces.Security;
using OrleansAio.GrainsInterfaces.StateStore;
using OrleansAio.Protocol.StateStore;
using OrleansAio.Silo.Broker;

namespace OrleansAio.Silo.StateStore;

/// <summary>
/// Decides whether a state-store request may run, from the identity the embedded broker authenticated (looked up by the
/// request's client id, which the broker guarantees is the publisher's), the per-key rules and the per-client quotas. With an
/// external broker only the client id is known (the user is unknown) and it is trusted as the broker delivers it.
/// </summary>
public sealed partial class StateStoreAuthorizer(
    IOptions<StateStoreAuthorizationOptions> options, IGrainFactory grainFactory, IServiceProvider services, TimeProvider timeProvider, ILogger<StateStoreAuthorizer> logger)
{
    private readonly StateStoreAuthorizationOptions settings = options.Value;
    private readonly BrokerClientIdentities? identities = services.GetService(typeof(BrokerClientIdentities)) as BrokerClientIdentities;

    /// <summary>Whether the authorizer has anything to check.</summary>
    public bool IsActive => settings.Enabled || settings.HasQuotas || settings.MaxValueBytesPerClient > 0;

    /// <summary>Checks a request before it runs.</summary>
    /// <param name="command">The validated request.</param>
    /// <returns>The error to answer, or <see langword="null"/> to run it.</returns>
    public async Task<StateStoreServiceError?> CheckAsync(StateStoreCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!IsActive)
        {
            return null;
        }

        var clientId = command.ClientId ?? string.Empty;
        var identity = identities?.Find(clientId);
        if (identity?.IsInternal == true)
        {
            return null;
        }

        var user = identity?.UserName;
        var write = command.Kind is StateStoreCommandKind.Set or StateStoreCommandKind.Delete or StateStoreCommandKind.VDelete;
        if (settings.Enabled && !IsAllowed(clientId, user, command.Key, write))
        {
            LogRefused(clientId, user, write ? "write" : "read", command.Kind.ToString());
            return StateStoreServiceError.NotAuthorized;
        }

        if (command.Kind == StateStoreCommandKind.Set)
        {
            if (settings.MaxValueBytesPerClient > 0 && command.Value!.Length > settings.MaxValueBytesPerClient)
            {
                LogQuota(clientId, user, "value size");
                return StateStoreServiceError.QuotaExceeded;
            }

            if (settings.HasQuotas && clientId.Length > 0)
            {
                var fits = await grainFactory.GetGrain<IStateStoreQuotaGrain>(clientId)
                    .FitsAsync(StateStoreGrainKey.ToGrainKey(command.Key), command.Key.Length + command.Value!.Length, Limits)
                    .ConfigureAwait(false);
                if (!fits)
                {
                    LogQuota(clientId, user, "keys or bytes per client");
                    return StateStoreServiceError.QuotaExceeded;
                }
            }
        }

        return null;
    }

    /// <summary>Records an applied SET or DEL in the client's quota account.</summary>
    /// <param name="command">The request.</param>
    /// <param name="applied">Whether it changed the key.</param>
    /// <returns>A task that completes when recorded.</returns>
    public async Task RecordAsync(StateStoreCommand command, bool applied)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!settings.HasQuotas || !applied || command.ClientId is not { Length: > 0 } clientId || identities?.Find(clientId)?.IsInternal == true)
        {
            return;
        }

        var quota = grainFactory.GetGrain<IStateStoreQuotaGrain>(clientId);
        var grainKey = StateStoreGrainKey.ToGrainKey(command.Key);
        if (command.Kind == StateStoreCommandKind.Set)
        {
            DateTimeOffset? expires = command.ExpiryMilliseconds is { } px ? timeProvider.GetUtcNow().AddMilliseconds(px) : null;
            await quota.RecordSetAsync(grainKey, command.Key.Length + command.Value!.Length, expires).ConfigureAwait(false);
        }
        else if (command.Kind is StateStoreCommandKind.Delete or StateStoreCommandKind.VDelete)
        {
            await quota.RecordDeleteAsync(grainKey).ConfigureAwait(false);
        }
    }

    private StateStoreQuotaLimits Limits => new(settings.MaxKeysPerClient, settings.MaxBytesPerClient);

    private bool IsAllowed(string clientId, string? user, byte[] key, bool write)
    {
        var text = Encoding.UTF8.GetString(key);
        foreach (var rule in settings.Rules)
        {
            var applies = rule.User is not null ? string.Equals(rule.User, user, StringComparison.Ordinal)
                : rule.ClientId is null || string.Equals(rule.ClientId, clientId, StringComparison.Ordinal);
            if (!applies)
            {
                continue;
            }

            foreach (var pattern in write ? rule.Write : rule.Read)
            {
                if (Substitute(pattern, clientId, user) is { } concrete && GlobMatches(concrete, text))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static string? Substitute(string pattern, string clientId, string? user)
    {
        if (pattern.Contains("%u", StringComparison.Ordinal) && string.IsNullOrEmpty(user))
        {
            return null;
        }

        if (pattern.Contains("%c", StringComparison.Ordinal) && clientId.Length == 0)
        {
            return null;
        }

        // A substituted name with a wildcard in it must not widen the pattern.
        static string Escape(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("*", "\\*", StringComparison.Ordinal).Replace("?", "\\?", StringComparison.Ordinal);
        return pattern.Replace("%c", Escape(clientId), StringComparison.Ordinal).Replace("%u", Escape(user ?? string.Empty), StringComparison.Ordinal);
    }

    // '*' any run, '?' one character, '\' escapes the next character; iterative with one backtrack point (linear-ish).
    internal static bool GlobMatches(string pattern, string text)
    {
        int p = 0, t = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '\\' && p + 1 < pattern.Length)
            {
                if (pattern[p + 1] == text[t])
                {
                    p += 2;
                    t++;
                    continue;
                }
            }
            else if (p < pattern.Length && (pattern[p] == '?' || (pattern[p] != '*' && pattern[p] == text[t])))
            {
                p++;
                t++;
                continue;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starT = t;
                continue;
            }

            if (starP < 0)
            {
                return false;
            }

            p = starP + 1;
            t = ++starT;
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "State store {Access} refused for client {ClientId} (user {UserName}): {Command} of a key no rule grants")]
    private partial void LogRefused(string clientId, string? userName, string access, string command);

    [LoggerMessage(Level = LogLevel.Information, Message = "State store SET refused for client {ClientId} (user {UserName}): quota ({Quota}) exceeded")]
    private partial void LogQuota(string clientId, string? userName, string quota);
}
