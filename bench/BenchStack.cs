using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Pipeline.Local;

namespace Pipeline.Bench;

/// <summary>The local stack, exactly as <c>dotnet run --project local</c> builds it, on a loopback port Kestrel picks (port 0) and a fresh data directory.</summary>
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
        var options = new LocalOptions(Port: 0, DataDir: dataDir);
        var builder = LocalStack.CreateBuilder(options);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = LocalStack.Build(builder);
        // The bare endpoint the ingest scenario compares with: same host, same pipeline, no work.
        app.MapPost("/bench/bare", () => Results.Ok());
        await app.StartAsync();
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 })
        {
            BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/"),
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
