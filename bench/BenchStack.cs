using System.Net;
using System.Net.Sockets;
using Pipeline.Local;

namespace Pipeline.Bench;

/// <summary>The local stack, exactly as <c>dotnet run --project local</c> builds it, on a free loopback port and a fresh data directory.</summary>
public sealed class BenchStack : IAsyncDisposable
{
    private BenchStack(WebApplication app, LocalOptions options, HttpClient client)
    {
        App = app;
        Options = options;
        Client = client;
    }

    public WebApplication App { get; }

    public LocalOptions Options { get; }

    public HttpClient Client { get; }

    public static async Task<BenchStack> StartAsync(string dataDir)
    {
        if (Directory.Exists(dataDir))
        {
            Directory.Delete(dataDir, recursive: true);
        }
        var options = new LocalOptions(Port: FreePort(), DataDir: dataDir);
        var builder = LocalStack.CreateBuilder(options);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = LocalStack.Build(builder);
        // The bare endpoint the ingest scenario compares with: same host, same pipeline, no work.
        app.MapPost("/bench/bare", () => Results.Ok());
        await app.StartAsync();
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{options.Port}/"),
        };
        return new BenchStack(app, options, client);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
