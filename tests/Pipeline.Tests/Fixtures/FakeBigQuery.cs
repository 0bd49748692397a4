using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Pipeline.Tests.Fixtures;

/// <summary>One request the fake BigQuery received.</summary>
public sealed record RecordedRequest(string Method, string Path, string Query, JsonNode? Body, string? Authorization);

/// <summary>
/// A stand-in for the BigQuery REST API on a real loopback socket, so clients go through their whole HTTP stack
/// (auth, retries, time budget). It records every request and answers from scripted responses, falling back to
/// plain successful answers.
/// </summary>
public sealed class FakeBigQuery : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Func<RecordedRequest, (int Status, string Body)?>> _scripts = new();

    private FakeBigQuery(WebApplication app) => _app = app;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public Uri Root => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");

    public static async Task<FakeBigQuery> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeBigQuery(app);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        return fake;
    }

    /// <summary>Answers the next request that <paramref name="answer"/> returns a response for (once).</summary>
    public void Script(Func<RecordedRequest, (int Status, string Body)?> answer) => _scripts.Enqueue(answer);

    /// <summary>Answers the next request whose path ends with <paramref name="pathEnd"/> (and method matches).</summary>
    public void Script(string method, string pathEnd, int status, string body) =>
        Script(r => r.Method == method && r.Path.EndsWith(pathEnd, StringComparison.Ordinal) ? (status, body) : null);

    public IReadOnlyList<RecordedRequest> Calls(string method, string pathEnd) =>
        Requests.Where(r => r.Method == method && r.Path.EndsWith(pathEnd, StringComparison.Ordinal)).ToList();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var text = await new StreamReader(context.Request.Body).ReadToEndAsync();
        var request = new RecordedRequest(context.Request.Method, context.Request.Path.Value!, context.Request.QueryString.Value ?? "",
            text.Length == 0 ? null : JsonNode.Parse(text), context.Request.Headers.Authorization.FirstOrDefault());
        Requests.Enqueue(request);
        var (status, body) = Scripted(request) ?? Default(request);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body);
    }

    private (int, string)? Scripted(RecordedRequest request)
    {
        lock (_scripts)
        {
            var pending = _scripts.ToArray();
            for (var i = 0; i < pending.Length; i++)
            {
                if (pending[i](request) is { } answer)
                {
                    var rest = pending.Where((_, j) => j != i).ToArray();
                    _scripts.Clear();
                    foreach (var script in rest)
                    {
                        _scripts.Enqueue(script);
                    }
                    return answer;
                }
            }
            return null;
        }
    }

    private static (int, string) Default(RecordedRequest request) => request switch
    {
        { Method: "POST", Path: var p } when p.EndsWith("/insertAll") => (200, """{"kind":"bigquery#tableDataInsertAllResponse"}"""),
        { Method: "POST", Path: var p } when p.EndsWith("/queries") =>
            (200, """{"kind":"bigquery#queryResponse","jobComplete":true,"jobReference":{"projectId":"p","jobId":"q1","location":"EU"},"schema":{"fields":[]},"rows":[],"totalRows":"0"}"""),
        { Method: "POST", Path: var p } when p.EndsWith("/jobs") =>
            (200, JsonSerializer.Serialize(new { jobReference = request.Body!["jobReference"], configuration = request.Body["configuration"], status = new { state = "RUNNING" } })),
        { Method: "GET", Path: var p } when p.Contains("/jobs/") =>
            (200, JsonSerializer.Serialize(new { jobReference = new { projectId = "p", jobId = p[(p.LastIndexOf('/') + 1)..], location = "EU" }, status = new { state = "DONE" } })),
        { Method: "POST", Path: var p } when p.EndsWith("/tables") => (200, request.Body!.ToJsonString()),
        _ => (404, """{"error":{"code":404,"message":"Not found","errors":[{"reason":"notFound","message":"Not found"}]}}"""),
    };
}
