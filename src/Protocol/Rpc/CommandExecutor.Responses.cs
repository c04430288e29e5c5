using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using MQTTnet;
using MQTTnet.Protocol;
using OrleansAio.Abstractions.Common;
using OrleansAio.Protocol.CloudEvents;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Diagnostics;
using OrleansAio.Protocol.Serialization;

namespace OrleansAio.Protocol.Rpc;

// Building and publishing responses: success and error responses as they are cached, the wire message in the public SDK's
// property order, and the publish that always acknowledges the request afterwards.
public partial class CommandExecutor<TReq, TResp>
{
    private CachedCommandResponse SuccessResponse(ExtendedResponse<TResp> result)
    {
        SerializedPayloadContext serialized;
        try
        {
            serialized = serializer.ToBytes(result.Response);
        }
        catch (Exception ex)
        {
            return ErrorResponse(CommandStatusCode.InternalServerError, $"Serializing the response failed: {ex.Message}", null, null);
        }

        var empty = serialized.SerializedPayload.IsEmpty;
        var status = empty ? CommandStatusCode.NoContent : CommandStatusCode.OK;
        var properties = new List<KeyValuePair<string, string>> { new(AioUserProperties.Status, ((int)status).ToString(CultureInfo.InvariantCulture)) };

        if (result.ResponseMetadata is { } metadata)
        {
            foreach (var (key, value) in metadata.UserData)
            {
                if (key.StartsWith(AioUserProperties.ReservedPrefix, StringComparison.Ordinal))
                {
                    return ErrorResponse(CommandStatusCode.InternalServerError, $"The handler set the reserved user property '{key}'", "UserData", key);
                }

                if ((MqttUtf8.FirstDisallowed(key) ?? MqttUtf8.FirstDisallowed(value)) is { } offending)
                {
                    return ErrorResponse(
                        CommandStatusCode.InternalServerError,
                        $"The handler's user property '{key}' contains {offending}, which MQTT brokers refuse as malformed UTF-8",
                        "UserData",
                        key);
                }

                properties.Add(new(key, value));
            }

            if (metadata.CloudEvent is { } cloudEvent)
            {
                try
                {
                    properties.AddRange(CloudEventMessageExtensions.Validate(
                        cloudEvent, string.Empty, empty ? null : serialized.ContentType, CloudEventMessageExtensions.ResponseType, context.TimeProvider.GetUtcNow()));
                }
                catch (AioProtocolException ex)
                {
                    return ErrorResponse(CommandStatusCode.InternalServerError, ex.Message, ex.PropertyName, null);
                }
            }
        }

        return new CachedCommandResponse(
            status,
            empty ? ReadOnlyMemory<byte>.Empty : serialized.SerializedPayload.ToArray(),
            empty ? null : serialized.ContentType,
            empty ? MqttPayloadFormatIndicator.Unspecified : serialized.PayloadFormatIndicator,
            properties,
            ResponseVersion(result));
    }

    private static CachedCommandResponse ErrorResponse(
        CommandStatusCode status, string message, string? propertyName, string? propertyValue, bool applicationError = false)
    {
        var properties = new List<KeyValuePair<string, string>>
        {
            new(AioUserProperties.Status, ((int)status).ToString(CultureInfo.InvariantCulture)),
            new(AioUserProperties.StatusMessage, MqttUtf8.Sanitize(message)),
            new(AioUserProperties.IsApplicationError, applicationError ? "true" : "false"),
        };
        if (propertyName is not null)
        {
            properties.Add(new(AioUserProperties.InvalidPropertyName, propertyName));
        }

        if (propertyValue is not null)
        {
            properties.Add(new(AioUserProperties.InvalidPropertyValue, MqttUtf8.Sanitize(propertyValue)));
        }

        return new CachedCommandResponse(status, ReadOnlyMemory<byte>.Empty, null, MqttPayloadFormatIndicator.Unspecified, properties);
    }

    private async Task PublishAndAcknowledgeAsync(
        MqttApplicationMessageReceivedEventArgs args,
        string responseTopic,
        byte[]? correlationData,
        CachedCommandResponse response,
        DateTimeOffset? expiry,
        CommandCacheKey? key)
    {
        try
        {
            if (key is { } cacheKey)
            {
                await cache!.CompleteAsync(cacheKey, response).ConfigureAwait(false);
            }

            var remainingSeconds = expiry is { } expiresAt
                ? Math.Floor((expiresAt - context.TimeProvider.GetUtcNow()).TotalSeconds)
                : Math.Ceiling(ExecutionTimeout.TotalSeconds);
            if (remainingSeconds < 1)
            {
                ProtocolLog.ResponseSkipped(logger, commandName, args.ApplicationMessage.Topic, "the request expired before the response could be sent");
                return;
            }

            var message = BuildResponseMessage(responseTopic, correlationData, response, (uint)Math.Min(remainingSeconds, uint.MaxValue));
            var status = (int)response.Status;
            try
            {
                var result = await mqttClient.PublishAsync(message, CancellationToken.None).ConfigureAwait(false);
                if (result.ReasonCode is not (MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers))
                {
                    ProtocolLog.ResponsePublishFailed(
                        logger, AioProtocolException.MqttError($"PUBACK reason code {result.ReasonCode} {result.ReasonString}"), commandName, responseTopic);
                }
                else
                {
                    ProtocolDiagnostics.ResponsesSent.Add(1, new KeyValuePair<string, object?>("rpc.method", commandName), new KeyValuePair<string, object?>("status", status));
                    ProtocolLog.ResponseSent(logger, commandName, correlationData is null ? string.Empty : Convert.ToHexString(correlationData), status);
                }
            }
            catch (AioProtocolException ex) when (ex is { Kind: AioErrorKind.PayloadInvalid or AioErrorKind.ConfigurationInvalid, IsShallow: true })
            {
                // Refused before sending (larger than the broker's Maximum Packet Size, or text the broker would call malformed):
                // the invoker gets a 500 saying so instead of waiting for its timeout.
                ProtocolLog.ResponsePublishFailed(logger, ex, commandName, responseTopic);
                var error = ErrorResponse(CommandStatusCode.InternalServerError, $"The response could not be sent: {ex.Message}", null, null);
                try
                {
                    await mqttClient.PublishAsync(
                        BuildResponseMessage(responseTopic, correlationData, error, (uint)Math.Min(remainingSeconds, uint.MaxValue)), CancellationToken.None)
                        .ConfigureAwait(false);
                }
                catch (Exception inner)
                {
                    ProtocolLog.ResponsePublishFailed(logger, inner, commandName, responseTopic);
                }
            }
            catch (Exception ex)
            {
                ProtocolLog.ResponsePublishFailed(logger, ex, commandName, responseTopic);
            }
        }
        finally
        {
            await args.AcknowledgeAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private MqttApplicationMessage BuildResponseMessage(string responseTopic, byte[]? correlationData, CachedCommandResponse response, uint expirySeconds)
    {
        var message = new MqttApplicationMessage
        {
            Topic = responseTopic,
            QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            CorrelationData = correlationData,
            MessageExpiryInterval = expirySeconds,
            Payload = new ReadOnlySequence<byte>(response.Payload),
            ContentType = response.ContentType,
            PayloadFormatIndicator = response.PayloadFormatIndicator,
            UserProperties = [],
        };

        // Wire order as the public SDK sends it: __stat (and error fields), __protVer, __ts, user data, $high_priority.
        var properties = response.UserProperties;
        var statusFields = properties.TakeWhile(p => p.Key.StartsWith(AioUserProperties.ReservedPrefix, StringComparison.Ordinal)).Count();
        foreach (var (name, value) in properties.Take(statusFields))
        {
            message.AddUserProperty(name, value);
        }

        message.AddUserProperty(AioUserProperties.ProtocolVersion, ProtocolVersion.Rpc.ToString());
        if (response.Version is { } version)
        {
            message.AddUserProperty(AioUserProperties.Timestamp, version.ToString());
        }
        else if (StampsResponsesWithApplicationClock)
        {
            message.AddUserProperty(AioUserProperties.Timestamp, context.ApplicationHlc.UpdateNow(context.MaxClockDrift));
        }

        foreach (var (name, value) in properties.Skip(statusFields))
        {
            message.AddUserProperty(name, value);
        }

        if (PropagateTraceContext)
        {
            EnvoyGuard.AddTraceContext(message, Activity.Current);
        }

        message.AddUserProperty(AioUserProperties.HighPriority, string.Empty);
        return message;
    }
}
