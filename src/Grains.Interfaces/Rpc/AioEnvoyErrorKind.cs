namespace OrleansAio.GrainsInterfaces.Rpc;

/// <summary>The wire specification's error kinds (protocol.md §1.17), as they cross the grain boundary.</summary>
public enum AioEnvoyErrorKind
{
    /// <summary>A required header is missing (<c>missing header</c>).</summary>
    HeaderMissing,

    /// <summary>A header has an invalid value (<c>invalid header</c>).</summary>
    HeaderInvalid,

    /// <summary>The payload cannot be serialized or deserialized (<c>invalid payload</c>).</summary>
    PayloadInvalid,

    /// <summary>No response in time, or the executor answered 408 (<c>timeout</c>).</summary>
    Timeout,

    /// <summary>The call was cancelled (<c>cancellation</c>).</summary>
    Cancellation,

    /// <summary>The invoker's configuration or arguments are wrong (<c>invalid configuration</c>).</summary>
    ConfigurationInvalid,

    /// <summary>The envoy or executor is in a state that cannot serve the call (<c>invalid state</c>).</summary>
    StateInvalid,

    /// <summary>An internal logic error (<c>internal logic error</c>).</summary>
    InternalLogicError,

    /// <summary>An unknown error (<c>unknown error</c>).</summary>
    UnknownError,

    /// <summary>The executor's handler failed (<c>execution error</c>).</summary>
    ExecutionException,

    /// <summary>The MQTT layer failed (<c>mqtt error</c>).</summary>
    MqttError,

    /// <summary>The peer does not support the protocol version (<c>unsupported version</c>).</summary>
    UnsupportedVersion,
}
