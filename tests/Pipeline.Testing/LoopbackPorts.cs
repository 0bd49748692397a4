using System.Net;
using System.Net.Sockets;

namespace Pipeline.Tests.Fixtures;

/// <summary>Ports on 127.0.0.1 for processes a test starts.</summary>
public static class LoopbackPorts
{
    /// <summary>A port free on 127.0.0.1 now (the system's choice; another process may take it before it is used).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
