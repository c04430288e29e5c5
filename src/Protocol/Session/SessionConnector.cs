using System.Text;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Packets;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Connection;

namespace OrleansAio.Protocol.Session;

/// <summary>
/// Opens the session client's connections: one CONNECT with the session's settings and CONNECT user properties, or a loop of
/// attempts paced by the reconnect policy with a timeout per attempt. It returns the successful CONNACK and never touches the
/// session's queue or state.
/// </summary>
internal sealed partial class SessionConnector(
    IMqttClient client, MqttSessionClientOptions options, TimeProvider timeProvider, SatReauthenticator sat, ILogger logger)
{
    private readonly ILogger logger = logger;

    /// <summary>One attempt with the settings' Clean Start, bounded by the attempt timeout (<c>RetryOnFirstConnect = false</c>).</summary>
    /// <param name="settings">The session's settings.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns>The successful CONNACK.</returns>
    /// <exception cref="AioProtocolException">The broker refused the connection.</exception>
    public async Task<MqttClientConnectResult> ConnectFirstAttemptAsync(MqttConnectionSettings settings, CancellationToken cancellationToken)
    {
        // A broker that accepts TCP but never answers CONNECT would otherwise hold the caller (a silo's start) forever.
        var result = await ConnectOnceAsync(settings, settings.CleanStart, options.ConnectionAttemptTimeout, cancellationToken).ConfigureAwait(false);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            SessionMetrics.ConnectFailures.Add(1);
            throw ConnackError(result);
        }

        return result;
    }

    /// <summary>
    /// Attempts until one succeeds, a fatal reason code arrives or the reconnect policy gives up. A reconnect always resumes the
    /// session (Clean Start = 0) and waits before its first attempt as the policy says.
    /// </summary>
    /// <param name="settings">The session's settings.</param>
    /// <param name="isReconnect">Whether the session had a connection before.</param>
    /// <param name="lastError">Why the previous connection closed, for the policy.</param>
    /// <param name="cancellationToken">Cancels the loop.</param>
    /// <returns>The successful CONNACK.</returns>
    /// <exception cref="AioProtocolException">A fatal CONNACK reason code, or the policy gave up.</exception>
    public async Task<MqttClientConnectResult> ConnectLoopAsync(
        MqttConnectionSettings settings, bool isReconnect, Exception? lastError, CancellationToken cancellationToken)
    {
        uint attempt = 1;
        while (true)
        {
            var delay = TimeSpan.Zero;
            if ((isReconnect || attempt > 1) && !options.ReconnectPolicy.ShouldRetry(attempt, lastError, out delay))
            {
                throw AioProtocolException.MqttError(
                    $"The reconnect policy gave up after {attempt - 1} failed attempts; last error: {lastError?.Message ?? "none"}", lastError);
            }

            if (delay > TimeSpan.Zero)
            {
                LogWaitingBeforeAttempt(delay, attempt);
                await Task.Delay(delay, timeProvider, cancellationToken).ConfigureAwait(false);
            }

            MqttClientConnectResult result;
            try
            {
                result = await ConnectOnceAsync(
                    settings, isReconnect ? false : settings.CleanStart, options.ConnectionAttemptTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && !MqttReasonCodes.IsFatal(ex))
            {
                SessionMetrics.ConnectFailures.Add(1);
                LogAttemptFailed(attempt, ex.Message);
                lastError = ex;
                attempt++;
                continue;
            }

            if (result.ResultCode == MqttClientConnectResultCode.Success)
            {
                return result;
            }

            SessionMetrics.ConnectFailures.Add(1);
            var error = ConnackError(result);
            if (MqttReasonCodes.IsFatal(result.ResultCode))
            {
                throw error;
            }

            LogAttemptFailed(attempt, error.Message);
            lastError = error;
            attempt++;
        }
    }

    private static AioProtocolException ConnackError(MqttClientConnectResult result) =>
        AioProtocolException.MqttError(
            $"The broker refused the connection: CONNACK reason code 0x{(int)result.ResultCode:X2} ({result.ResultCode})" +
            (string.IsNullOrEmpty(result.ReasonString) ? string.Empty : $": {result.ReasonString}"));

    private async Task<MqttClientConnectResult> ConnectOnceAsync(
        MqttConnectionSettings settings, bool cleanStart, TimeSpan? attemptTimeout, CancellationToken cancellationToken)
    {
        var clientOptions = settings.ToMqttClientOptions(cleanStart, ConnectUserProperties());
        if (settings.SatAuthFile is not null)
        {
            clientOptions.EnhancedAuthenticationHandler = sat.Handler;
        }

        using var timeout = attemptTimeout is { } value ? new CancellationTokenSource(value, timeProvider) : null;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout?.Token ?? CancellationToken.None);
        try
        {
            var result = await client.ConnectAsync(clientOptions, linked.Token).ConfigureAwait(false);
            if (result.ResultCode == MqttClientConnectResultCode.Success && clientOptions.AuthenticationData is { } token)
            {
                sat.TokenSent(token);
            }

            return result;
        }
        catch (Exception ex) when (timeout?.IsCancellationRequested == true && !cancellationToken.IsCancellationRequested)
        {
            throw AioProtocolException.Timeout(
                nameof(MqttSessionClientOptions.ConnectionAttemptTimeout),
                attemptTimeout!.Value,
                $"The connection attempt to {settings.HostName}:{settings.TcpPort} timed out after {attemptTimeout}",
                ex);
        }
    }

    private List<MqttUserProperty> ConnectUserProperties()
    {
        var properties = new List<MqttUserProperty>();
        if (options.EnableAioBrokerFeatures)
        {
            properties.Add(new MqttUserProperty("metriccategory", Encoding.UTF8.GetBytes(options.MetricCategory)));
            if (options.RequestSessionPersistence)
            {
                properties.Add(new MqttUserProperty("aio-persistence", "true"u8.ToArray()));
            }
        }

        properties.AddRange(options.ConnectUserProperties);
        return properties;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Waiting {Delay} before connection attempt {Attempt}")]
    private partial void LogWaitingBeforeAttempt(TimeSpan delay, uint attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connection attempt {Attempt} failed: {Reason}")]
    private partial void LogAttemptFailed(uint attempt, string reason);
}
