using System.Globalization;
using OrleansAio.Abstractions.Common;
using OrleansAio.GrainsInterfaces.Rpc;
using OrleansAio.Protocol.Common;

namespace OrleansAio.Grains.Rpc;

/// <summary>Translates the protocol layer's <see cref="AioProtocolException"/> into the grain-facing <see cref="AioEnvoyException"/>.</summary>
public static class AioEnvoyErrors
{
    /// <summary>Copies kind, flags and every supplemental field.</summary>
    /// <param name="error">The protocol error.</param>
    /// <param name="commandName">The command name, when the error carries none (null for telemetry).</param>
    /// <returns>The grain-facing error.</returns>
    public static AioEnvoyException FromProtocol(AioProtocolException error, string? commandName = null)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new(error.Kind, error.Message)
        {
            IsShallow = error.IsShallow,
            IsRemote = error.IsRemote,
            CommandName = error.CommandName ?? commandName,
            CorrelationId = error.CorrelationId,
            HeaderName = error.HeaderName,
            HeaderValue = error.HeaderValue,
            TimeoutName = error.TimeoutName,
            TimeoutValue = error.TimeoutValue,
            PropertyName = error.PropertyName,
            PropertyValue = error.PropertyValue is null ? null : Convert.ToString(error.PropertyValue, CultureInfo.InvariantCulture),
            ProtocolVersion = error.ProtocolVersion,
            SupportedMajorProtocolVersions = error.SupportedMajorProtocolVersions,
        };
    }
}
