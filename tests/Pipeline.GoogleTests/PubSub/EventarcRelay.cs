using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Pipeline.EventarcRequests;

namespace Pipeline.Tests.PubSub;

/// <summary>
/// Eventarc between Google's Pub/Sub emulator and a function, on 127.0.0.1: the emulator pushes its wrapper
/// (<c>{"message": …, "subscription": …}</c>) to <c>/{project}/{topic}?target=&lt;function url&gt;</c>, and the
/// relay sends that message on as the binary-mode CloudEvent Eventarc delivers in production
/// (<see cref="EventarcRequest.ForPubSubMessage(string, string, string, DateTimeOffset?, string, IEnumerable{KeyValuePair{string, string}}, string, string)"/>),
/// answering the emulator with the function's status, so a non-2xx is redelivered by the emulator itself.
/// </summary>
public sealed class EventarcRelay : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(30) };

    private EventarcRelay(WebApplication app) => _app = app;

    /// <summary>Each delivery: the message id and the function's status, in order.</summary>
    public ConcurrentQueue<(string MessageId, int Status)> Deliveries { get; } = new();

    /// <summary>The push endpoint for a subscription on <paramref name="project"/>/<paramref name="topic"/> to <paramref name="function"/>.</summary>
    public string PushEndpoint(string project, string topic, Uri function) =>
        $"{_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()}/{project}/{topic}?target={Uri.EscapeDataString(function.ToString())}";

    public static async Task<EventarcRelay> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var relay = new EventarcRelay(app);
        app.MapPost("/{project}/{topic}", relay.RelayAsync);
        await app.StartAsync();
        return relay;
    }

    private async Task RelayAsync(string project, string topic, HttpContext context)
    {
        var target = new Uri(context.Request.Query["target"].ToString());
        var push = (await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted))!;
        var message = push["message"]!;
        var messageId = message["messageId"]!.GetValue<string>();
        var attributes = (message["attributes"] as JsonObject)?.ToDictionary(a => a.Key, a => a.Value!.GetValue<string>()) ?? [];
        var eventarc = EventarcRequest.ForPubSubMessage(project, topic, messageId,
            message["publishTime"] is { } time ? DateTimeOffset.Parse(time.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) : null,
            message["data"]?.GetValue<string>() ?? "", attributes, message["orderingKey"]?.GetValue<string>() ?? "",
            push["subscription"]!.GetValue<string>());
        using var request = eventarc.ToHttpRequestMessage(target.ToString());
        using var response = await _client.SendAsync(request, context.RequestAborted);
        Deliveries.Enqueue((messageId, (int)response.StatusCode));
        context.Response.StatusCode = (int)response.StatusCode;
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
