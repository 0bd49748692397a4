using System.Net;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Pipeline.Local.PubSub;

/// <summary>
/// The Pub/Sub port: a Kestrel listener on 127.0.0.1 that speaks HTTP/2 without TLS only (h2c with prior
/// knowledge, as every official client does with <c>PUBSUB_EMULATOR_HOST</c>). It marks its connections, and
/// <see cref="GateAsync"/> keeps the two ports apart: gRPC is served there and nowhere else, and the main port's
/// endpoints are not served there.
/// </summary>
public sealed class PubSubListener
{
    private ListenOptions? _listen;

    /// <summary>The port it listens on once the server started (the free one Kestrel picked for port 0).</summary>
    public int Port => (_listen?.EndPoint as IPEndPoint)?.Port
        ?? throw new InvalidOperationException("The Pub/Sub listener is not bound: the stack has not started on Kestrel.");

    /// <summary>What <c>PUBSUB_EMULATOR_HOST</c> is set to for this stack: <c>127.0.0.1:&lt;port&gt;</c>.</summary>
    public string EmulatorHost => $"127.0.0.1:{Port}";

    /// <summary>Adds the listener on 127.0.0.1:<paramref name="port"/> (0: a free port) to <paramref name="kestrel"/>.</summary>
    public void Listen(KestrelServerOptions kestrel, int port) => kestrel.Listen(IPAddress.Loopback, port, listen =>
    {
        listen.Protocols = HttpProtocols.Http2;
        listen.Use(next => connection =>
        {
            connection.Features.Set(this);
            return next(connection);
        });
        _listen = listen;
    });

    /// <summary>
    /// Middleware, after routing: a gRPC method on the main port answers 404 as any unknown path; anything but a
    /// gRPC method on the Pub/Sub port answers gRPC UNIMPLEMENTED (which is what an unknown service or method is).
    /// </summary>
    public Task GateAsync(HttpContext context, RequestDelegate next)
    {
        var onPubSubPort = ReferenceEquals(context.Features.Get<PubSubListener>(), this);
        var isGrpcMethod = context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>() is not null;
        if (onPubSubPort == isGrpcMethod)
        {
            return next(context);
        }
        if (onPubSubPort)
        {
            // A trailers-only gRPC answer: HTTP 200, the status in the headers, no body.
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = ((int)Grpc.Core.StatusCode.Unimplemented).ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.Headers["grpc-message"] = GrpcMessage($"Method not found: {context.Request.Path}");
            return Task.CompletedTask;
        }
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    /// <summary>The grpc-message header's encoding: UTF-8, with '%' and every byte outside printable ASCII percent-encoded.</summary>
    private static string GrpcMessage(string message) => string.Concat(System.Text.Encoding.UTF8.GetBytes(message)
        .Select(b => b is >= 0x20 and <= 0x7E and not (byte)'%' ? ((char)b).ToString() : $"%{b:X2}"));
}
