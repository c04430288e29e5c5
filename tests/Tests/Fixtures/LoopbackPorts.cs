using System.Net;
using System.Net.Sockets;

namespace OrleansAio.Tests.Fixtures;

/// <summary>Free loopback TCP ports for servers that cannot report a port bound with 0.</summary>
public static class LoopbackPorts
{
    /// <summary>Returns a TCP port that was free on 127.0.0.1 a moment ago.</summary>
    public static int GetFree()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
