using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Pipeline.Bench;

/// <summary>
/// The least of BigQuery's REST API that the production paths need, on loopback, doing no work of its own:
/// <c>insertAll</c> accepts every row, queries answer no rows, tables and query jobs are accepted, a resumable upload
/// counts its bytes and creates a finished load job; and Cloud Storage's object <c>get</c> and media download
/// (<c>alt=media</c>) for the objects put in <see cref="Objects"/>, any generation. It measures the client side
/// (parse, validate, serialise, upload, a function's first request), not BigQuery.
/// </summary>
public sealed class UploadSink : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, JsonNode> _jobs = new();
    private readonly ConcurrentDictionary<string, JsonNode> _sessions = new();

    private UploadSink(WebApplication app) => _app = app;

    public long BytesUploaded;

    /// <summary>Cloud Storage objects served by <c>gs://bucket/name</c>, generation 1.</summary>
    public ConcurrentDictionary<string, byte[]> Objects { get; } = new();

    public Uri Root => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");

    public static async Task<UploadSink> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var sink = new UploadSink(app);
        app.Run(sink.HandleAsync);
        await app.StartAsync();
        return sink;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value!;
        if (request.Method == "PUT")
        {
            var buffer = new byte[1 << 16];
            int read;
            while ((read = await request.Body.ReadAsync(buffer)) > 0)
            {
                Interlocked.Add(ref BytesUploaded, read);
            }
            if (request.Headers.ContentRange.ToString().EndsWith("/*", StringComparison.Ordinal))
            {
                // Everything sent so far is kept: "Range: bytes=0-<last byte>".
                context.Response.StatusCode = 308;
                context.Response.Headers["Range"] = $"bytes=0-{Interlocked.Read(ref BytesUploaded) - 1}";
                return;
            }
            await AnswerJobAsync(context, _sessions[request.Query["upload_id"]!]);
            return;
        }
        // Cloud Storage, wherever the client roots it (STORAGE_EMULATOR_HOST is its whole base URI): .../b/{bucket}/o/{object}.
        if (request.Method == "GET" && !path.StartsWith("/bigquery/", StringComparison.Ordinal)
            && path.IndexOf("/b/", StringComparison.Ordinal) is >= 0 and var bucketAt)
        {
            await AnswerObjectAsync(context, path[(bucketAt + "/b/".Length)..], media: request.Query["alt"] == "media");
            return;
        }
        if (request.Method == "POST" && path.EndsWith("/insertAll", StringComparison.Ordinal))
        {
            // Read, not parsed: the sink's own work stays out of the client's figures.
            await request.Body.CopyToAsync(Stream.Null);
            await context.Response.WriteAsync("""{"kind":"bigquery#tableDataInsertAllResponse"}""");
            return;
        }
        var body = request.HasJsonContentType() ? await JsonNode.ParseAsync(request.Body) : null;
        if (request.Method == "POST" && path.StartsWith("/upload/", StringComparison.Ordinal))
        {
            var id = Guid.NewGuid().ToString("N");
            _sessions[id] = body!;
            context.Response.Headers.Location = $"{Root.ToString().TrimEnd('/')}{path}?uploadType=resumable&upload_id={id}";
        }
        else if (request.Method == "POST" && path.EndsWith("/jobs", StringComparison.Ordinal))
        {
            await AnswerJobAsync(context, body!);
        }
        else if (request.Method == "GET" && path.Contains("/jobs/") && _jobs.TryGetValue(path[(path.LastIndexOf('/') + 1)..], out var job))
        {
            await context.Response.WriteAsync(job.ToJsonString());
        }
        else if (request.Method == "POST" && path.EndsWith("/queries", StringComparison.Ordinal))
        {
            await context.Response.WriteAsync("""{"jobComplete":true,"rows":[],"totalRows":"0"}""");
        }
        else if (request.Method == "POST" && path.EndsWith("/tables", StringComparison.Ordinal))
        {
            await context.Response.WriteAsync(body!.ToJsonString());
        }
        else
        {
            context.Response.StatusCode = 404;
            await context.Response.WriteAsync("""{"error":{"code":404,"message":"Not found","errors":[{"reason":"notFound"}]}}""");
        }
    }

    /// <summary><c>objects.get</c> (metadata) or its media download, for <c>{bucket}/o/{object}</c>.</summary>
    private async Task AnswerObjectAsync(HttpContext context, string bucketAndObject, bool media)
    {
        var split = bucketAndObject.IndexOf("/o/", StringComparison.Ordinal);
        var (bucket, name) = split < 0 ? ("", "") : (bucketAndObject[..split], Uri.UnescapeDataString(bucketAndObject[(split + 3)..]));
        if (!Objects.TryGetValue($"gs://{bucket}/{name}", out var bytes))
        {
            context.Response.StatusCode = 404;
            await context.Response.WriteAsync("""{"error":{"code":404,"message":"No such object","errors":[{"reason":"notFound"}]}}""");
            return;
        }
        if (media)
        {
            context.Response.ContentType = "application/octet-stream";
            await context.Response.Body.WriteAsync(bytes);
            return;
        }
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(new JsonObject
        {
            ["kind"] = "storage#object", ["bucket"] = bucket, ["name"] = name, ["generation"] = "1", ["size"] = bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }.ToJsonString());
    }

    private Task AnswerJobAsync(HttpContext context, JsonNode request)
    {
        var job = new JsonObject { ["jobReference"] = request["jobReference"]!.DeepClone(), ["status"] = new JsonObject { ["state"] = "DONE" } };
        _jobs[request["jobReference"]!["jobId"]!.GetValue<string>()] = job;
        return context.Response.WriteAsync(job.ToJsonString());
    }
}
