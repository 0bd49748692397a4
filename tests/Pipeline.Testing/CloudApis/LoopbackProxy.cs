using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pipeline.Tests.Fixtures.CloudApis;

/// <summary>
/// The HTTP proxy gcloud and bq are given (CLOUDSDK_PROXY_*), on 127.0.0.1: a request with an absolute URL goes to
/// the fake (which refuses and records a host it does not serve); a CONNECT to the fake's own address is a tunnel to
/// it, a CONNECT anywhere else (a TLS tunnel to a real host) is refused and recorded as an escape. Nothing passes beyond loopback.
/// </summary>
public sealed class LoopbackProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CloudApiFake _fake;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public LoopbackProxy(CloudApiFake fake)
    {
        _fake = fake;
        _listener.Start();
        _accepting = AcceptAsync(_stop.Token);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = ServeAsync(client, cancellationToken);
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken cancellationToken)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var head = await ReadHeadAsync(stream, cancellationToken);
                if (head.Length == 0)
                {
                    return;
                }
                var firstLine = Encoding.ASCII.GetString(head).Split("\r\n")[0];
                var tunnel = firstLine.StartsWith("CONNECT ", StringComparison.Ordinal);
                if (tunnel && firstLine.Split(' ')[1] != $"127.0.0.1:{_fake.Port}")
                {
                    _fake.RecordEscape("CONNECT " + firstLine.Split(' ')[1]);
                    await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"), cancellationToken);
                    return;
                }
                using var upstream = new TcpClient();
                await upstream.ConnectAsync(IPAddress.Loopback, _fake.Port, cancellationToken);
                var upstreamStream = upstream.GetStream();
                if (tunnel)
                {
                    // A tunnel to the fake itself (bq's proxy client tunnels even plain HTTP): the fake checks each host.
                    await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 Connection established\r\n\r\n"), cancellationToken);
                    var rest = Encoding.ASCII.GetString(head).IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;
                    await upstreamStream.WriteAsync(head.AsMemory(rest), cancellationToken);
                }
                else
                {
                    await upstreamStream.WriteAsync(head, cancellationToken);
                }
                var toFake = stream.CopyToAsync(upstreamStream, cancellationToken);
                var toClient = upstreamStream.CopyToAsync(stream, cancellationToken);
                await Task.WhenAny(toFake, toClient);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                // The client or the fake closed the connection.
            }
        }
    }

    /// <summary>Bytes up to and including the end of the first request's head (more may follow in the same read).</summary>
    private static async Task<byte[]> ReadHeadAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        while (true)
        {
            var read = await stream.ReadAsync(chunk, cancellationToken);
            if (read == 0)
            {
                return buffer.ToArray();
            }
            buffer.Write(chunk, 0, read);
            if (buffer.Length >= 4 && Encoding.ASCII.GetString(buffer.GetBuffer(), 0, (int)buffer.Length).Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                return buffer.ToArray();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }
}
