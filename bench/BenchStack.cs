using Pipeline.Local;

namespace Pipeline.Bench;

/// <summary>
/// The local stack, exactly as <c>dotnet run --project local</c> builds it, on a loopback port Kestrel picks (port 0):
/// on a fresh data directory (<see cref="StartAsync"/>) or on the one a previous stack left (<see cref="OpenAsync"/>).
/// </summary>
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

    /// <summary>A stack on an empty data directory: whatever <paramref name="dataDir"/> held is deleted first.</summary>
    public static Task<BenchStack> StartAsync(string dataDir)
    {
        if (Directory.Exists(dataDir))
        {
            Directory.Delete(dataDir, recursive: true);
        }
        return OpenAsync(dataDir);
    }

    /// <summary>A stack on <paramref name="dataDir"/> as it is: a restart on the data an earlier stack wrote.</summary>
    public static async Task<BenchStack> OpenAsync(string dataDir)
    {
        var options = new LocalOptions(Port: 0, DataDir: dataDir) { PubSubPort = 0, Project = "bench" };
        var builder = LocalStack.CreateBuilder(options);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = LocalStack.Build(builder);
        // The bare endpoint the ingest (POST) and query (GET) scenarios compare with: same host, same pipeline, no work.
        app.MapMethods("/bench/bare", [HttpMethods.Post, HttpMethods.Get], () => Results.Ok());
        await app.StartAsync();
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 })
        {
            BaseAddress = new Uri(LocalAddresses.Root(app.Services) + "/"),
        };
        return new BenchStack(app, options, client);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
