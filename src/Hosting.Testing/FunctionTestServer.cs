using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Hosting.Eventarc;

namespace Pipeline.Hosting.Testing;

/// <summary>
/// Hosts <typeparamref name="TFunction"/> exactly as <see cref="FunctionHost"/> does in production, on an
/// in-memory server: requests go through Kestrel-equivalent HTTP handling and the real CloudEvent binding.
/// </summary>
public sealed class FunctionTestServer<TFunction> : IAsyncDisposable where TFunction : class
{
    private readonly WebApplication _app;

    private FunctionTestServer(WebApplication app) => _app = app;

    public IServiceProvider Services => _app.Services;

    public static async Task<FunctionTestServer<TFunction>> StartAsync(Action<IServiceCollection> configureServices)
    {
        var builder = FunctionHost.CreateBuilder<TFunction>([], (services, _) => configureServices(services));
        builder.WebHost.UseTestServer();
        var app = builder.Build();
        FunctionHost.MapFunction<TFunction>(app);
        await app.StartAsync();
        return new FunctionTestServer<TFunction>(app);
    }

    public HttpClient CreateClient() => _app.GetTestClient();

    /// <summary>Delivers an Eventarc-style request and returns the function's answer.</summary>
    public async Task<HttpResponseMessage> SendAsync(EventarcRequest request, string path = "/")
    {
        using var client = CreateClient();
        return await client.SendAsync(request.ToHttpRequestMessage(path));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
