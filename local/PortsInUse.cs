using System.Net;
using System.Net.Sockets;

namespace Pipeline.Local;

/// <summary>
/// Which of the stack's ports another program already holds, found before anything starts, so that a second stack
/// says so in one line (naming the option that moves it) instead of failing half-started.
/// </summary>
public static class PortsInUse
{
    /// <summary>The first of <c>--port</c> and <c>--pubsub-port</c> (0, a free port, is never in use) that cannot be bound on loopback; null when both can.</summary>
    public static (string Option, int Port)? Find(LocalOptions options) =>
        new[] { ("--port", options.Port), ("--pubsub-port", options.PubSubPort) }
            .Where(p => p.Item2 != 0 && !CanBind(p.Item2))
            .Select(p => ((string, int)?)p)
            .FirstOrDefault();

    /// <summary>The one line that says <paramref name="port"/> is taken and how to move off it.</summary>
    public static string Problem(string option, int port) =>
        $"port {port} is in use (another local stack?); stop it, or pick another port: {option} {port + 10}.";

    private static bool CanBind(int port)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
            listener.Listen();
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            return false;
        }
    }
}
