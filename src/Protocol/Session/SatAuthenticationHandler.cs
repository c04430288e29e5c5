using Microsoft.Extensions.Logging;
using MQTTnet;

namespace OrleansAio.Protocol.Session;

/// <summary>
/// Answers AUTH packets the broker sends on an established connection: a challenge (Continue Authentication) gets the current
/// token again, and the reply to a re-authentication is only logged. Without a handler MQTTnet would disconnect on any AUTH.
/// </summary>
internal sealed partial class SatAuthenticationHandler(Func<byte[]?> currentToken, ILogger logger) : IMqttEnhancedAuthenticationHandler
{
    private readonly ILogger logger = logger;

    public async Task HandleEnhancedAuthenticationAsync(MqttEnhancedAuthenticationEventArgs eventArgs)
    {
        LogAuthReceived(eventArgs.ReasonCode.ToString(), eventArgs.ReasonString);
        if (eventArgs.ReasonCode == MQTTnet.Protocol.MqttAuthenticateReasonCode.ContinueAuthentication && currentToken() is { } token)
        {
            await eventArgs.SendAsync(new SendMqttEnhancedAuthenticationDataOptions { Data = token }, eventArgs.CancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "AUTH from the broker: {ReasonCode} {ReasonString}")]
    private partial void LogAuthReceived(string reasonCode, string? reasonString);
}
