using System.Net;
using System.Net.Sockets;

namespace OrleansAio.Tests.Fixtures;

/// <summary>Free loopback TCP ports for servers that cannot report a port bound with 0.</summary>
public static class FreePort
{
    /// <summary>Returns a TCP port that was free on 127.0.0.1 a moment ago (bind port 0, read it, release it).</summary>
    public static int Get()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }
}
