using System.Net.Sockets;
using MQTTnet;
using MQTTnet.Exceptions;

namespace OrleansAio.Protocol.Session;

/// <summary>
/// Which CONNACK and server DISCONNECT reason codes and which exceptions end the session instead of triggering a reconnect
/// (services.md section 5.5, taken from the SDK code where its testing document disagrees).
/// </summary>
public static class MqttReasonCodes
{
    private static readonly HashSet<int> FatalConnackCodes =
    [
        0x81, 0x82, 0x83, 0x84, // malformed, protocol error, implementation specific, unsupported protocol version
        0x85, 0x86, 0x87, 0x8A, 0x8C, // client id not valid, bad user/password, not authorized, banned, bad auth method
        0x90, 0x95, 0x99, // topic name invalid, packet too large, payload format invalid
        0x9A, 0x9B, 0x9C, 0x9D, // retain not supported, QoS not supported, use another server, server moved
    ];

    private static readonly HashSet<int> FatalDisconnectCodes =
    [
        0x81, 0x82, 0x87, 0x8E, 0x8F, 0x90, 0x94, 0x95, 0x99, 0x9A, 0x9B, 0x9D, 0x9E, 0xA1, 0xA2,
    ];

    /// <summary>Whether a CONNACK with <paramref name="code"/> ends the session (0x80, 0x88, 0x89, 0x97, 0x9F and the rest are retried).</summary>
    /// <param name="code">The CONNACK reason code.</param>
    /// <returns><see langword="true"/> when no further attempt is made.</returns>
    public static bool IsFatal(MqttClientConnectResultCode code) => FatalConnackCodes.Contains((int)code);

    /// <summary>
    /// Whether a server DISCONNECT with <paramref name="reason"/> ends the session (for example 0x8E session taken over); every
    /// other reason, such as 0x89 server busy, 0x8B server shutting down or a lost socket, triggers a reconnect.
    /// </summary>
    /// <param name="reason">The DISCONNECT reason code.</param>
    /// <returns><see langword="true"/> when the client does not reconnect.</returns>
    public static bool IsFatal(MqttClientDisconnectReason reason) => FatalDisconnectCodes.Contains((int)reason);

    /// <summary>
    /// Whether an exception from a connect attempt or an operation is fatal: a <see cref="SocketException"/> thrown as such,
    /// an MQTT protocol violation, an argument or not-supported error. Communication errors and timeouts are retried.
    /// </summary>
    /// <param name="exception">The exception.</param>
    /// <returns><see langword="true"/> when retrying cannot help.</returns>
    public static bool IsFatal(Exception exception) =>
        exception is SocketException or MqttProtocolViolationException or ArgumentException or NotSupportedException;
}
