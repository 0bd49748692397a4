using Microsoft.AspNetCore.TestHost;
using Pipeline.Local;
using Pipeline.Local.PubSub;
using Pipeline.Warehouse.DuckDb;

namespace Pipeline.Tests.Fixtures;

/// <summary>
/// The local stack as <c>dotnet run --project local</c> builds it, on a fresh data directory: on an in-memory server, or
/// (<see cref="StartOnLoopbackAsync"/>) on Kestrel at free loopback ports, for clients that need real sockets.
/// </summary>
public sealed class LocalStackHost : IAsyncDisposable
{
    private LocalStackHost(WebApplication app, LocalOptions options, HttpClient client)
    {
        App = app;
        Options = options;
        Client = client;
    }

    public WebApplication App { get; }

    public LocalOptions Options { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => App.Services;

    /// <param name="services">Replaces services after the stack registered its own (last registration wins).</param>
    /// <param name="prepare">Runs on the data directory before the stack starts (files already in the bucket, say).</param>
    public static Task<LocalStackHost> StartAsync(Action<IServiceCollection>? services = null, Action<LocalOptions>? prepare = null) =>
        StartAsync(loopback: false, services, prepare);

    /// <summary>
    /// The stack on Kestrel, both ports 0 (free ones): <see cref="Client"/> talks to the main port,
    /// <see cref="PubSubEmulatorHost"/> is the Pub/Sub port.
    /// </summary>
    public static Task<LocalStackHost> StartOnLoopbackAsync(Action<IServiceCollection>? services = null) =>
        StartAsync(loopback: true, services, prepare: null);

    /// <summary>What PUBSUB_EMULATOR_HOST is for a stack on loopback: 127.0.0.1:&lt;pubsub port&gt;.</summary>
    public string PubSubEmulatorHost => Services.GetRequiredService<PubSubListener>().EmulatorHost;

    private static async Task<LocalStackHost> StartAsync(bool loopback, Action<IServiceCollection>? services, Action<LocalOptions>? prepare)
    {
        var options = new LocalOptions(Port: 0, DataDir: Path.Combine(Path.GetTempPath(), "pipeline-tests", Guid.NewGuid().ToString("N"))) { PubSubPort = 0 };
        Directory.CreateDirectory(options.DataDir);
        prepare?.Invoke(options);
        var builder = LocalStack.CreateBuilder(options);
        if (!loopback)
        {
            builder.WebHost.UseTestServer();
        }
        services?.Invoke(builder.Services);
        var app = LocalStack.Build(builder);
        await app.StartAsync();
        var client = loopback ? new HttpClient { BaseAddress = new Uri(LocalAddresses.Root(app.Services)) } : app.GetTestClient();
        return new LocalStackHost(app, options, client);
    }

    /// <summary>Runs a test-written query on the stack's warehouse.</summary>
    public Task<IReadOnlyList<object?[]>> QueryAsync(string sql) => TempWarehouse.QueryAsync(Services.GetRequiredService<DuckDbWarehouse>(), sql);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        Directory.Delete(Options.DataDir, recursive: true);
    }
}
