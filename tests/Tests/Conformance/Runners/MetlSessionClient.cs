using OrleansAio.Protocol.Connection;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Protocol.Session;
using OrleansAio.Tests.Conformance.Infrastructure;

namespace OrleansAio.Tests.Conformance.Runners;

/// <summary>
/// The one place that puts the stub MQTT client underneath the session client (<see cref="MqttSessionClient"/>), for the cases that
/// require <c>reconnection</c>: automatic reconnection with session present and retransmission of unacknowledged PUBLISHes.
/// </summary>
/// <remarks>
/// The session client reconnects on the real clock with no back-off ("the client reconnects at once", protocol.md §2.5): its
/// reconnection is infrastructure, not envoy time, and must not stall while a case holds the test clock frozen.
/// </remarks>
internal static class MetlSessionClient
{
    /// <summary>Connects a session client over a <see cref="StubMqttClient"/> on <paramref name="broker"/>.</summary>
    /// <param name="broker">The stub broker.</param>
    /// <param name="clientId">The MQTT client ID.</param>
    /// <param name="logs">Log sink.</param>
    /// <param name="cancellationToken">Cancels connecting.</param>
    /// <returns>The connected client; disposing it closes the session.</returns>
    public static async Task<IMqttPubSubClient> ConnectAsync(
        StubMqttBroker broker, string clientId, TestOutputLoggerFactory logs, CancellationToken cancellationToken)
    {
        var options = new MqttSessionClientOptions { ReconnectPolicy = new ImmediateReconnectPolicy() };
        var session = new MqttSessionClient(options, logs, TimeProvider.System, broker.CreateClient);
        try
        {
            await session.ConnectAsync(
                new MqttConnectionSettings
                {
                    HostName = "metl-stub-broker",
                    TcpPort = 1883,
                    UseTls = false,
                    ClientId = clientId,
                    CleanStart = false,
                    SessionExpiry = TimeSpan.FromHours(1),
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return session;
    }

    private sealed class ImmediateReconnectPolicy : IReconnectPolicy
    {
        public bool ShouldRetry(uint attempt, Exception? lastException, out TimeSpan delay)
        {
            delay = TimeSpan.Zero;
            return attempt < 100;
        }
    }
}
