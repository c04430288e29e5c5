namespace OrleansAio.Protocol.DeviceRegistry;

/// <summary>A device (services.md 4.5): its inbound and outbound endpoints and descriptive fields. No field is required.</summary>
public sealed record Device
{
    /// <summary>Custom attributes set by the customer.</summary>
    public Dictionary<string, string>? Attributes { get; init; }

    /// <summary>The discovered device this device was created from, if any.</summary>
    public string? DiscoveredDeviceRef { get; init; }

    /// <summary>Whether the device is enabled.</summary>
    public bool? Enabled { get; init; }

    /// <summary>The device's inbound and outbound endpoints.</summary>
    public DeviceEndpoints? Endpoints { get; init; }

    /// <summary>The device id given by the customer.</summary>
    public string? ExternalDeviceId { get; init; }

    /// <summary>When the resource was last modified (UTC).</summary>
    public DateTimeOffset? LastTransitionTime { get; init; }

    /// <summary>The manufacturer.</summary>
    public string? Manufacturer { get; init; }

    /// <summary>The model.</summary>
    public string? Model { get; init; }

    /// <summary>The operating system.</summary>
    public string? OperatingSystem { get; init; }

    /// <summary>The operating system version.</summary>
    public string? OperatingSystemVersion { get; init; }

    /// <summary>A unique identifier of the resource.</summary>
    public string? Uuid { get; init; }

    /// <summary>Incremented each time the resource is modified (0 … 2^63−1).</summary>
    public long? Version { get; init; }
}

/// <summary>The endpoints of a device.</summary>
public sealed record DeviceEndpoints
{
    /// <summary>The inbound endpoints by name (what connectors connect to).</summary>
    public Dictionary<string, InboundEndpoint>? Inbound { get; init; }

    /// <summary>The outbound endpoints.</summary>
    public OutboundEndpoints? Outbound { get; init; }
}

/// <summary>An inbound endpoint of a device.</summary>
public sealed record InboundEndpoint
{
    /// <summary>Connectivity-type specific configuration, as stringified JSON.</summary>
    public string? AdditionalConfiguration { get; init; }

    /// <summary>The address (IP or FQDN, and port); required.</summary>
    public required string Address { get; init; }

    /// <summary>How the connector authenticates to the device.</summary>
    public EndpointAuthentication? Authentication { get; init; }

    /// <summary>The type of the endpoint (for instance <c>Microsoft.OpcUa</c>); required.</summary>
    public required string EndpointType { get; init; }

    /// <summary>How the connector trusts the device's server certificate.</summary>
    public TrustSettings? TrustSettings { get; init; }

    /// <summary>The version of the endpoint.</summary>
    public string? Version { get; init; }
}

/// <summary>The client authentication of an inbound endpoint; secrets are referenced by name, never inlined.</summary>
public sealed record EndpointAuthentication
{
    /// <summary>The method; required.</summary>
    public required AuthenticationMethod Method { get; init; }

    /// <summary>The credentials for <see cref="AuthenticationMethod.UsernamePassword"/>.</summary>
    public UsernamePasswordCredentials? UsernamePasswordCredentials { get; init; }

    /// <summary>The credentials for <see cref="AuthenticationMethod.Certificate"/>.</summary>
    public X509Credentials? X509Credentials { get; init; }
}

/// <summary>An authentication method.</summary>
public enum AuthenticationMethod
{
    /// <summary>No authentication.</summary>
    Anonymous,

    /// <summary>An X.509 client certificate.</summary>
    Certificate,

    /// <summary>A user name and password.</summary>
    UsernamePassword,
}

/// <summary>References to the secrets holding a user name and password.</summary>
public sealed record UsernamePasswordCredentials
{
    /// <summary>The name of the secret holding the password; required.</summary>
    public required string PasswordSecretName { get; init; }

    /// <summary>The name of the secret holding the user name; required.</summary>
    public required string UsernameSecretName { get; init; }
}

/// <summary>References to the secrets holding an X.509 client certificate.</summary>
public sealed record X509Credentials
{
    /// <summary>The name of the secret holding the certificate; required.</summary>
    public required string CertificateSecretName { get; init; }

    /// <summary>The name of the secret holding intermediate certificates.</summary>
    public string? IntermediateCertificatesSecretName { get; init; }

    /// <summary>The name of the secret holding the private key.</summary>
    public string? KeySecretName { get; init; }
}

/// <summary>Server trust settings of an endpoint.</summary>
public sealed record TrustSettings
{
    /// <summary>The name of the trust list (a secret or config map reference).</summary>
    public string? TrustList { get; init; }
}

/// <summary>The outbound endpoints of a device.</summary>
public sealed record OutboundEndpoints
{
    /// <summary>The assigned outbound endpoints by name; required.</summary>
    public required Dictionary<string, OutboundEndpoint> Assigned { get; init; }

    /// <summary>The unassigned outbound endpoints by name.</summary>
    public Dictionary<string, OutboundEndpoint>? Unassigned { get; init; }
}

/// <summary>An outbound endpoint.</summary>
public sealed record OutboundEndpoint
{
    /// <summary>The address; required.</summary>
    public required string Address { get; init; }

    /// <summary>The endpoint type.</summary>
    public string? EndpointType { get; init; }
}
