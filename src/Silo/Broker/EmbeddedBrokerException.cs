namespace OrleansAio.Silo.Broker;

/// <summary>What went wrong with the embedded MQTT broker.</summary>
public enum EmbeddedBrokerErrorKind
{
    /// <summary>An <see cref="EmbeddedMqttBrokerOptions"/> value is out of range.</summary>
    InvalidOptions,

    /// <summary>The TCP port is already bound by another process or listener.</summary>
    PortInUse,

    /// <summary>The listener could not start for another reason (see the inner exception).</summary>
    StartFailed,
}

/// <summary>The error type of the embedded MQTT broker.</summary>
public sealed class EmbeddedBrokerException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="kind">What went wrong.</param>
    /// <param name="port">The port the broker was configured with.</param>
    /// <param name="message">A message naming the value or the reason.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public EmbeddedBrokerException(EmbeddedBrokerErrorKind kind, int port, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        Port = port;
    }

    /// <summary>Creates the exception for a bad setting, naming it (for instance <c>Broker:Authentication:PasswordFile</c>).</summary>
    /// <param name="setting">The setting at fault.</param>
    /// <param name="port">The port the broker was configured with.</param>
    /// <param name="message">The problem.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public EmbeddedBrokerException(string setting, int port, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = EmbeddedBrokerErrorKind.InvalidOptions;
        Port = port;
        Setting = setting;
    }

    /// <summary>The configuration setting at fault (<c>Section:Key</c>), when the error is about one.</summary>
    public string? Setting { get; }

    /// <summary>What went wrong.</summary>
    public EmbeddedBrokerErrorKind Kind { get; }

    /// <summary>The port the broker was configured with.</summary>
    public int Port { get; }
}
