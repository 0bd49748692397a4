using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.TestHost;
using Pipeline.Domain.Rows;
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
    private readonly bool _ownsDataDir;

    private LocalStackHost(WebApplication app, LocalOptions options, HttpClient client, Uri root, bool ownsDataDir)
    {
        App = app;
        Options = options;
        Client = client;
        Root = root;
        _ownsDataDir = ownsDataDir;
    }

    /// <summary>The project the test stacks play (<see cref="LocalOptions.Project"/>): the product topics exist in it.</summary>
    public const string Project = "demo";

    public WebApplication App { get; }

    public LocalOptions Options { get; }

    public HttpClient Client { get; }

    /// <summary>Where the stack answers: <c>http://127.0.0.1:&lt;port&gt;</c> on a socket, the test server's root otherwise.</summary>
    public Uri Root { get; }

    public IServiceProvider Services => App.Services;

    /// <summary>
    /// The stack on Kestrel, both ports 0 (free ones): <see cref="Client"/> talks to the main port,
    /// <see cref="PubSubEmulatorHost"/> is the Pub/Sub port.
    /// </summary>
    public static Task<LocalStackHost> StartOnLoopbackAsync(Action<IServiceCollection>? services = null) =>
        StartAsync(services, onSocket: true);

    /// <summary>What PUBSUB_EMULATOR_HOST is for a stack on loopback: 127.0.0.1:&lt;pubsub port&gt;.</summary>
    public string PubSubEmulatorHost => Services.GetRequiredService<PubSubListener>().EmulatorHost;

    /// <param name="services">Replaces services after the stack registered its own (last registration wins).</param>
    /// <param name="prepare">Runs on the data directory before the stack starts (files already in the bucket, say).</param>
    /// <param name="dataDir">A data directory the caller owns and keeps (a restart reuses it); a fresh one, deleted at the end, when null.</param>
    /// <param name="onSocket">Serve on loopback sockets (both ports 0), for clients outside the process, instead of in memory.</param>
    public static async Task<LocalStackHost> StartAsync(
        Action<IServiceCollection>? services = null, Action<LocalOptions>? prepare = null, string? dataDir = null, bool onSocket = false)
    {
        var options = new LocalOptions(Port: 0, DataDir: dataDir ?? Path.Combine(Path.GetTempPath(), "pipeline-tests", Guid.NewGuid().ToString("N"))) { PubSubPort = 0, Project = Project };
        Directory.CreateDirectory(options.DataDir);
        prepare?.Invoke(options);
        var builder = LocalStack.CreateBuilder(options);
        if (!onSocket)
        {
            builder.WebHost.UseTestServer();
        }
        services?.Invoke(builder.Services);
        var app = LocalStack.Build(builder);
        await app.StartAsync();
        if (!onSocket)
        {
            var client = app.GetTestClient();
            return new LocalStackHost(app, options, client, client.BaseAddress!, ownsDataDir: dataDir is null);
        }
        var root = new Uri(LocalAddresses.Root(app.Services));
        return new LocalStackHost(app, options, new HttpClient { BaseAddress = root }, root, ownsDataDir: dataDir is null);
    }

    /// <summary>Runs a test-written query on the stack's warehouse.</summary>
    public Task<IReadOnlyList<object?[]>> QueryAsync(string sql) => TempWarehouse.QueryAsync(Services.GetRequiredService<DuckDbDatabase>(), sql);

    /// <summary>Every row of user_interaction on the stack's warehouse, as records.</summary>
    public Task<IReadOnlyList<Stored<Interaction>>> InteractionsAsync() => StoredRows.InteractionsAsync(table => QueryAsync($"SELECT * FROM {table}"));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        if (_ownsDataDir)
        {
            Directory.Delete(Options.DataDir, recursive: true);
        }
    }
}
