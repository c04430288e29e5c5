namespace OrleansAio.Abstractions.Common;

/// <summary>The error kinds of the AIO protocol error model (protocol.md §1.17, ADR 0009/0017).</summary>
public enum AioErrorKind
{
    /// <summary>A required MQTT header or user property is missing (<c>missing header</c>).</summary>
    HeaderMissing,

    /// <summary>An MQTT header or user property has an invalid value (<c>invalid header</c>).</summary>
    HeaderInvalid,

    /// <summary>The payload cannot be serialized or deserialized (<c>invalid payload</c>).</summary>
    PayloadInvalid,

    /// <summary>An operation did not complete in time (<c>timeout</c>).</summary>
    Timeout,

    /// <summary>The caller cancelled the operation (<c>cancellation</c>).</summary>
    Cancellation,

    /// <summary>A component option or argument is invalid; always shallow and local (<c>invalid configuration</c>).</summary>
    ConfigurationInvalid,

    /// <summary>The component or the clock is in a state that prevents the operation (<c>invalid state</c>).</summary>
    StateInvalid,

    /// <summary>A bug in the protocol implementation (<c>internal logic error</c>).</summary>
    InternalLogicError,

    /// <summary>An error whose cause is unknown, for instance from a dependency (<c>unknown error</c>).</summary>
    UnknownError,

    /// <summary>The remote command handler failed (<c>execution error</c>); always remote.</summary>
    ExecutionException,

    /// <summary>The MQTT client or broker reported a failure (<c>mqtt error</c>).</summary>
    MqttError,

    /// <summary>The peer's protocol version is unparsable or its major version is unsupported (<c>unsupported version</c>).</summary>
    UnsupportedVersion,
}
