using MQTTnet;
using OrleansAio.Abstractions.Common;
using OrleansAio.Protocol.CloudEvents;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Serialization;

namespace OrleansAio.Protocol.Rpc;

// The request envelope (protocol.md §1.9, §1.11): response topic, expiry, correlation data, protocol version, dedup, then the
// request's headers and payload. Every failure is answered (or skipped) here, before the request takes a dispatch slot.
public partial class CommandExecutor<TReq, TResp>
{
    // Runs in arrival order on the dispatcher: validation and dedup; returns the execution, which then waits for a slot.
    private async Task<Func<Task>?> PrepareAsync(MqttApplicationMessageReceivedEventArgs args, DateTimeOffset receivedAt)
    {
        var message = args.ApplicationMessage;
        var responseTopic = message.ResponseTopic;
        if (string.IsNullOrEmpty(responseTopic) || !TopicPattern.IsValidReplacement(responseTopic))
        {
            ProtocolLog.ResponseSkipped(logger, commandName, message.Topic, $"the response topic '{responseTopic}' is missing or invalid");
            Detach(() => args.AcknowledgeAsync(CancellationToken.None));
            return null;
        }

        if (message.MessageExpiryInterval == 0)
        {
            // Without a request expiry there is no remaining lifetime: the error response lives for the execution timeout (as .NET).
            var response = ErrorResponse(CommandStatusCode.BadRequest, "The request has no Message Expiry", MessageExpiryHeader, null);
            Detach(() => PublishAndAcknowledgeAsync(args, responseTopic, message.CorrelationData, response, null, null));
            return null;
        }

        var expiry = receivedAt + TimeSpan.FromSeconds(message.MessageExpiryInterval);
        var correlationData = message.CorrelationData;
        if (correlationData is null || correlationData.Length == 0)
        {
            var response = ErrorResponse(CommandStatusCode.BadRequest, "The request has no Correlation Data", CorrelationDataHeader, null);
            Detach(() => PublishAndAcknowledgeAsync(args, responseTopic, null, response, expiry, null));
            return null;
        }

        if (correlationData.Length != 16)
        {
            var response = ErrorResponse(CommandStatusCode.BadRequest, $"The request's Correlation Data is {correlationData.Length} bytes, not 16", CorrelationDataHeader, null);
            Detach(() => PublishAndAcknowledgeAsync(args, responseTopic, correlationData, response, expiry, null));
            return null;
        }

        var version = message.GetUserProperty(AioUserProperties.ProtocolVersion);
        if (!ProtocolVersion.IsSupported(version, ProtocolVersion.SupportedRpcMajors))
        {
            var response = ErrorResponse(
                CommandStatusCode.NotSupportedVersion, $"The request's protocol version '{version}' is not supported", null, null);
            var properties = response.UserProperties.ToList();
            properties.Add(new(AioUserProperties.RequestProtocolVersion, version ?? string.Empty));
            properties.Add(new(AioUserProperties.SupportedMajorProtocolVersions, ProtocolVersion.FormatSupportedMajors(ProtocolVersion.SupportedRpcMajors)));
            response = response with { UserProperties = properties };
            Detach(() => PublishAndAcknowledgeAsync(args, responseTopic, correlationData, response, expiry, null));
            return null;
        }

        var key = CommandCacheKey.Create(responseTopic, correlationData);
        var lookup = await cache!.TryAddAsync(key, expiry).ConfigureAwait(false);
        if (!lookup.IsNew)
        {
            ProtocolLog.AnsweredFromCache(logger, commandName, Convert.ToHexString(correlationData));
            Detach(async () =>
            {
                var cached = await lookup.Response.ConfigureAwait(false);
                if (cached is null)
                {
                    await args.AcknowledgeAsync(CancellationToken.None).ConfigureAwait(false);
                    return;
                }

                await PublishAndAcknowledgeAsync(args, responseTopic, correlationData, cached, expiry, null).ConfigureAwait(false);
            });
            return null;
        }

        ExtendedRequest<TReq> request;
        try
        {
            request = ParseRequest(message, correlationData, responseTopic, expiry);
            if (ValidateRequest(request) is { } rejection)
            {
                throw rejection;
            }
        }
        catch (AioProtocolException ex)
        {
            var response = ResponseForParseError(ex);
            Detach(() => PublishAndAcknowledgeAsync(args, responseTopic, correlationData, response, expiry, key));
            return null;
        }

        return () => ExecuteAsync(args, request, responseTopic, correlationData, expiry, key);
    }

    private ExtendedRequest<TReq> ParseRequest(MqttApplicationMessage message, byte[] correlationData, string responseTopic, DateTimeOffset expiry)
    {
        var userData = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, val) in message.EnumerateUserProperties())
        {
            if (!AioUserProperties.StrippedFromRequests.Contains(key))
            {
                userData.TryAdd(key, val);
            }
        }

        var timestamp = ReadRequestTimestamp(message.GetUserProperty(AioUserProperties.Timestamp), userData);
        TReq? value;
        try
        {
            value = serializer.FromBytes<TReq>(message.Payload, message.ContentType, message.PayloadFormatIndicator);
        }
        catch (AioProtocolException)
        {
            throw;
        }
        catch (Exception ex)
        {
            throw AioProtocolException.PayloadInvalid($"The request payload cannot be deserialized: {ex.Message}", innerException: ex);
        }

        if (timestamp is not null)
        {
            context.ApplicationHlc.UpdateWithOther(timestamp, context.MaxClockDrift);
        }

        var metadata = new CommandRequestMetadata
        {
            CorrelationId = new Guid(correlationData),
            InvokerClientId = message.GetUserProperty(AioUserProperties.SourceId),
            UserData = userData,
            TopicTokens = TopicPattern.ExtractTokens(RequestTopicPattern, TopicNamespace, message.Topic),
            Partition = message.GetUserProperty(AioUserProperties.Partition),
            Topic = message.Topic,
            ResponseTopic = responseTopic,
            ExpiresAt = expiry,
            ContentType = message.ContentType,
            PayloadFormatIndicator = message.PayloadFormatIndicator,
            ExtendedCloudEvent = message.GetCloudEvent(),
        };
        metadata.Timestamp = timestamp;
        return new ExtendedRequest<TReq> { Request = value, RequestMetadata = metadata };
    }

    private static CachedCommandResponse ResponseForParseError(AioProtocolException ex) => ex.Kind switch
    {
        AioErrorKind.HeaderInvalid when ex.HeaderName is ContentTypes.ContentTypeHeaderName or ContentTypes.PayloadFormatIndicatorHeaderName =>
            ErrorResponse(CommandStatusCode.UnsupportedMediaType, ex.Message, ex.HeaderName, ex.HeaderValue),
        AioErrorKind.HeaderInvalid => ErrorResponse(CommandStatusCode.BadRequest, ex.Message, ex.HeaderName, ex.HeaderValue),
        AioErrorKind.HeaderMissing => ErrorResponse(CommandStatusCode.BadRequest, ex.Message, ex.HeaderName, null),
        AioErrorKind.PayloadInvalid => ErrorResponse(CommandStatusCode.BadRequest, ex.Message, null, null),
        AioErrorKind.StateInvalid => ErrorResponse(CommandStatusCode.ServiceUnavailable, ex.Message, ex.PropertyName, null),
        AioErrorKind.InternalLogicError => ErrorResponse(CommandStatusCode.InternalServerError, ex.Message, ex.PropertyName, null),
        _ => ErrorResponse(CommandStatusCode.InternalServerError, ex.Message, null, null),
    };
}
