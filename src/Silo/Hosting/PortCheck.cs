using System.Net;
using System.Net.Sockets;

namespace OrleansAio.Silo.Hosting;

/// <summary>Checks before start that the ports the silo will bind are free, so a clash is reported by its setting name.</summary>
internal static class PortCheck
{
    /// <summary>Throws <see cref="SiloStartupException"/> naming <paramref name="setting"/> when <paramref name="port"/> is taken.</summary>
    /// <param name="setting">The configuration key of the port.</param>
    /// <param name="address">The address the port will be bound on.</param>
    /// <param name="port">The port.</param>
    public static void EnsureFree(string setting, IPAddress address, int port)
    {
        using var listener = new TcpListener(address, port);
        try
        {
            listener.Start();
        }
        catch (SocketException ex)
        {
            var reason = ex.SocketErrorCode == SocketError.AddressAlreadyInUse ? "is in use" : $"cannot be bound ({ex.Message})";
            throw new SiloStartupException(setting, $"port {port} on {address} {reason}", ex);
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>Checks that <paramref name="address"/> belongs to this machine (a listener can bind it).</summary>
    /// <param name="setting">The setting that named the address.</param>
    /// <param name="address">The address.</param>
    /// <exception cref="SiloStartupException">No interface of this machine has the address.</exception>
    public static void EnsureLocal(string setting, IPAddress address)
    {
        using var listener = new TcpListener(address, 0);
        try
        {
            listener.Start();
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressNotAvailable)
        {
            throw new SiloStartupException(setting, $"{address} is not an address of this machine (no network interface has it)", ex);
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>Returns a port that is free on <paramref name="address"/> now.</summary>
    /// <param name="address">The address to bind.</param>
    /// <returns>The port.</returns>
    public static int GetFree(IPAddress address)
    {
        using var listener = new TcpListener(address, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
