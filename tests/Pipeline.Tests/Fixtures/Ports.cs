using System.Net;
using System.Net.Sockets;

namespace Pipeline.Tests.Fixtures;

/// <summary>Loopback ports for tests that start real listeners.</summary>
public static class Ports
{
    /// <summary>A port free on 127.0.0.1 at the time of asking.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
