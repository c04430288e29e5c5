using System.Net;
using System.Net.Sockets;

namespace OrleansAio.Tests.Fixtures;

/// <summary>Free loopback TCP ports for servers that cannot report a port bound with 0.</summary>
/// <remarks>
/// Ports come from below the kernel's ephemeral range (32768 and up on Linux): a port bound with 0 is an ephemeral port, and
/// between handing it out and the server binding it, any outgoing connection of the test run (to a broker, Redis, a silo) may be
/// given the same port as its local port, and the server's bind then fails with "address already in use". Each port is handed
/// out once per test process.
/// </remarks>
public static class FreePort
{
    private const int First = 20000;
    private const int Last = 32000;
    private static readonly Lock Gate = new();
    private static readonly HashSet<int> HandedOut = [];
    private static int next = First + (Environment.ProcessId % 1000 * 11);

    /// <summary>Returns a TCP port that was free on 127.0.0.1 a moment ago and that this process has not handed out before.</summary>
    /// <returns>The port.</returns>
    public static int Get()
    {
        lock (Gate)
        {
            for (var attempt = 0; attempt < Last - First; attempt++)
            {
                var port = next;
                next = next >= Last ? First : next + 1;
                if (HandedOut.Contains(port) || !IsFree(port))
                {
                    continue;
                }

                HandedOut.Add(port);
                return port;
            }
        }

        throw new InvalidOperationException($"no free loopback TCP port between {First} and {Last}");
    }

    private static bool IsFree(int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
