using System.Collections.Concurrent;

namespace OrleansAio.Silo.Broker;

/// <summary>How a client of the embedded broker proved who it is.</summary>
public enum BrokerAuthenticationMethod
{
    /// <summary>No credentials (allowed only on a loopback-only broker, or where <c>AllowAnonymous</c> says so).</summary>
    Anonymous,

    /// <summary>User name and password from the credentials file.</summary>
    Password,

    /// <summary>An X.509 client certificate chaining to the configured CA; the user is its subject's common name.</summary>
    Certificate,

    /// <summary>A <c>K8S-SAT</c> token; the user is its configured claim (<c>sub</c>).</summary>
    ServiceAccountToken,

    /// <summary>The silo's own session (an in-process secret): not subject to the ACL.</summary>
    Internal,
}

/// <summary>Who a connected client is, as the embedded broker authenticated it.</summary>
/// <param name="ClientId">The MQTT client id.</param>
/// <param name="UserName">The authenticated user (password user, certificate common name, token subject); <see langword="null"/> when anonymous.</param>
/// <param name="Method">How the client authenticated.</param>
public sealed record BrokerClientIdentity(string ClientId, string? UserName, BrokerAuthenticationMethod Method)
{
    /// <summary>Whether this is the silo's own session, to which no ACL applies.</summary>
    public bool IsInternal => Method == BrokerAuthenticationMethod.Internal;
}

/// <summary>
/// The identities of the clients the embedded broker has authenticated, by client id: what the silo's services (state store,
/// registries) ask to learn who sent a request. An entry is set at each successful CONNECT and removed when the connection ends
/// (a takeover replaces it).
/// </summary>
public sealed class BrokerClientIdentities
{
    private readonly ConcurrentDictionary<string, BrokerClientIdentity> identities = new(StringComparer.Ordinal);

    /// <summary>The identity of a connected client, or <see langword="null"/> when the broker does not know it.</summary>
    /// <param name="clientId">The client id.</param>
    /// <returns>The identity.</returns>
    public BrokerClientIdentity? Find(string clientId) => identities.TryGetValue(clientId, out var identity) ? identity : null;

    internal void Set(BrokerClientIdentity identity) => identities[identity.ClientId] = identity;

    internal void Remove(string clientId) => identities.TryRemove(clientId, out _);
}
