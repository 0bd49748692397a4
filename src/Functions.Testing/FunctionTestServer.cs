using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Pipeline.Functions.Hosting;

namespace Pipeline.Functions.Testing;

/// <summary>
/// Hosts <typeparamref name="TFunction"/> exactly as <see cref="FunctionHost"/> does in production, on an in-memory
/// server, with the test's startups in place of the production ones and its logs kept in memory
/// (Google.Cloud.Functions.Testing.FunctionTestServer&lt;TFunction&gt;).
/// </summary>
/// <typeparam name="TFunction">The function class.</typeparam>
public sealed class FunctionTestServer<TFunction> : IAsyncDisposable where TFunction : class
{
    private readonly WebApplication _app;
    private readonly FakeLogCollector _logs;

    private FunctionTestServer(WebApplication app, FakeLogCollector logs)
    {
        _app = app;
        _logs = logs;
    }

    /// <summary>The function's container.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Starts a server whose services are the ones <paramref name="configureServices"/> adds.</summary>
    /// <param name="configureServices">Adds the function's dependencies (fakes, an embedded warehouse).</param>
    public static Task<FunctionTestServer<TFunction>> StartAsync(Action<IServiceCollection> configureServices) =>
        StartAsync(new DelegateStartup(configureServices));

    /// <summary>Starts a server with <paramref name="startups"/> in place of the function's production startups.</summary>
    /// <param name="startups">The startups to run, in order.</param>
    public static async Task<FunctionTestServer<TFunction>> StartAsync(params FunctionsStartup[] startups)
    {
        var logs = new FakeLogCollector();
        var builder = FunctionHost.CreateBuilder<TFunction>([], [new MemoryLoggingStartup(logs), .. startups]);
        builder.WebHost.UseTestServer();
        var app = builder.Build();
        FunctionHost.MapFunction<TFunction>(app, startups);
        await app.StartAsync();
        return new FunctionTestServer<TFunction>(app, logs);
    }

    /// <summary>A client whose requests reach the function.</summary>
    public HttpClient CreateClient() => _app.GetTestClient();

    /// <summary>Sends <paramref name="request"/> and returns the function's answer.</summary>
    /// <param name="request">The request (a CloudEvent, say).</param>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        using var client = CreateClient();
        return await client.SendAsync(request);
    }

    /// <summary>What the function logged, in order.</summary>
    public IReadOnlyList<FakeLogRecord> GetFunctionLogEntries() =>
        [.. _logs.GetSnapshot().Where(r => r.Category == typeof(TFunction).FullName)];

    /// <summary>What every category logged, in order.</summary>
    public IReadOnlyList<FakeLogRecord> GetLogEntries() => _logs.GetSnapshot();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Runs first: the console gives way to memory, and the test's own startups may add more providers.</summary>
    private sealed class MemoryLoggingStartup(FakeLogCollector logs) : FunctionsStartup
    {
        public override void ConfigureLogging(WebHostBuilderContext context, ILoggingBuilder logging) =>
            logging.ClearProviders().AddProvider(new FakeLoggerProvider(logs));
    }

    private sealed class DelegateStartup(Action<IServiceCollection> configureServices) : FunctionsStartup
    {
        public override void ConfigureServices(WebHostBuilderContext context, IServiceCollection services) =>
            configureServices(services);
    }
}
