using OrleansAio.Abstractions.Common;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Connection;
using OrleansAio.Protocol.DeviceRegistry;
using OrleansAio.Protocol.EdgeRegistry;
using OrleansAio.Protocol.SchemaRegistry;
using OrleansAio.Protocol.StateStore;

namespace OrleansAio.Cli.Common;

/// <summary>Turns the protocol clients' errors into a message and one of the documented <see cref="ExitCodes"/>.</summary>
public static class ErrorMapping
{
    /// <summary>Classifies an exception thrown by a command.</summary>
    /// <param name="exception">The exception.</param>
    /// <returns>The exit code and the message to show.</returns>
    public static (int ExitCode, string Message) Classify(Exception exception) => exception switch
    {
        CliException cli => (cli.ExitCode, cli.Message),
        SchemaRegistryErrorException schema => (schema.Code switch
        {
            SchemaRegistryErrorCode.NotFound => ExitCodes.NotFound,
            SchemaRegistryErrorCode.BadRequest => ExitCodes.BadInput,
            _ => ExitCodes.ServiceError,
        }, $"the schema registry refused the request: {schema.Message}"),
        EdgeRegistryErrorException edge => (edge.Error.Code switch
        {
            404 => ExitCodes.NotFound,
            400 => ExitCodes.BadInput,
            _ => ExitCodes.ServiceError,
        }, $"the edge registry refused the request: {edge.Message}"),
        AkriServiceErrorException adr => (ExitCodes.ServiceError, $"the device registry refused the request: {adr.Message}"),
        MqttConnectionSettingsException settings => (ExitCodes.BadInput, $"connection settings: {settings.Message}"),
        AioProtocolException aio when aio.GetStateStoreError() is { } error =>
            (ExitCodes.ServiceError, $"the state store refused the request: {StateStoreErrors.TextOf(error)} ({error})"),
        AioProtocolException { Kind: AioErrorKind.Timeout } aio => (ExitCodes.Timeout, $"timed out: {aio.Message}"),
        AioProtocolException { Kind: AioErrorKind.ConfigurationInvalid } aio => (ExitCodes.BadInput, Describe(aio)),
        AioProtocolException { Kind: AioErrorKind.MqttError } aio when aio.Message.Contains("NoMatchingSubscribers", StringComparison.Ordinal) =>
            (ExitCodes.ServiceError, $"no service is listening: the broker has no subscriber for the request ({aio.Message})"),
        AioProtocolException { Kind: AioErrorKind.MqttError } aio => (ExitCodes.ConnectionFailed, $"MQTT error: {aio.Message}"),
        AioProtocolException aio => (ExitCodes.ServiceError, Describe(aio)),
        _ => (ExitCodes.InternalError, $"unexpected {exception.GetType().Name}: {exception.Message}"),
    };

    private static string Describe(AioProtocolException aio)
    {
        var detail = aio.PropertyName is not null ? $" ({aio.PropertyName}: {aio.PropertyValue})"
            : aio.HeaderName is not null ? $" (header {aio.HeaderName}: {aio.HeaderValue})"
            : string.Empty;
        return $"{(aio.IsRemote ? "the service answered with an error" : "protocol error")} [{aio.Kind}]: {aio.Message}{detail}";
    }
}
