using Microsoft.AspNetCore.TestHost;
using Pipeline.Local;
using Pipeline.Warehouse.DuckDb;

namespace Pipeline.Tests.Fixtures;

/// <summary>The local stack as <c>dotnet run --project local</c> builds it, on an in-memory server and a fresh data directory.</summary>
public sealed class LocalStackHost : IAsyncDisposable
{
    private LocalStackHost(WebApplication app, LocalOptions options)
    {
        App = app;
        Options = options;
        Client = app.GetTestClient();
    }

    public WebApplication App { get; }

    public LocalOptions Options { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => App.Services;

    /// <param name="services">Replaces services after the stack registered its own (last registration wins).</param>
    /// <param name="prepare">Runs on the data directory before the stack starts (files already in the bucket, say).</param>
    public static async Task<LocalStackHost> StartAsync(Action<IServiceCollection>? services = null, Action<LocalOptions>? prepare = null)
    {
        var options = new LocalOptions(DataDir: Path.Combine(Path.GetTempPath(), "pipeline-tests", Guid.NewGuid().ToString("N")));
        Directory.CreateDirectory(options.DataDir);
        prepare?.Invoke(options);
        var builder = LocalStack.CreateBuilder(options);
        builder.WebHost.UseTestServer();
        services?.Invoke(builder.Services);
        var app = LocalStack.Build(builder);
        await app.StartAsync();
        return new LocalStackHost(app, options);
    }

    /// <summary>Runs a test-written query on the stack's warehouse.</summary>
    public Task<IReadOnlyList<object?[]>> QueryAsync(string sql) => TempWarehouse.QueryAsync(Services.GetRequiredService<DuckDbWarehouse>(), sql);

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        Directory.Delete(Options.DataDir, recursive: true);
    }
}
