using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Pipeline.Tests.GoogleSql;

namespace Pipeline.Tests.Fixtures;

/// <summary>One request the fake BigQuery received; <see cref="Body"/> is set when the body is JSON, <see cref="Text"/> always.</summary>
public sealed record RecordedRequest(string Method, string Path, string Query, JsonNode? Body, string? Authorization, string Text = "", string? ContentRange = null);

/// <summary>
/// A stand-in for the BigQuery REST API on a real loopback socket, so clients go through their whole HTTP stack
/// (auth, retries, time budget). It records every request and answers from scripted responses, falling back to
/// plain successful answers: jobs it was given exist (DONE), others are 404; a resumable upload
/// (<c>/upload/bigquery/v2/projects/{p}/jobs?uploadType=resumable</c>, then PUTs with <c>Content-Range</c>) collects
/// the bytes, answers 308 until the last chunk, then creates its load job.
/// <para>
/// Started with <see cref="StartAsync(ZetaSqlEngine, string, string, CancellationToken)"/> it is stateful instead: the
/// defaults run on in-memory tables — deploy/bigquery.sql's, as <c>project.dataset.table</c> — whose SQL ZetaSQL,
/// GoogleSQL's reference engine, executes (insertAll appends, jobs.query and query jobs run scripts, uploads load,
/// tables.insert/get). Scripted answers still come first. See <see cref="ZetaSqlBigQuery"/>.
/// </para>
/// </summary>
public sealed class FakeBigQuery : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Func<RecordedRequest, (int Status, string Body)?>> _scripts = new();
    private readonly ConcurrentDictionary<string, JsonNode> _jobs = new();
    private readonly ConcurrentQueue<(Func<string, bool> JobId, string Reason, string Message)> _failures = new();
    private readonly ConcurrentDictionary<string, (JsonNode Job, MemoryStream Bytes)> _uploads = new();
    private ZetaSqlBigQuery? _zetaSql;

    private FakeBigQuery(WebApplication app) => _app = app;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public Uri Root => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");

    public static Task<FakeBigQuery> StartAsync() => StartAsync(null);

    /// <summary>
    /// The stateful fake: the tables of deploy/bigquery.sql, empty, as <c>`project.dataset.table`</c>, and every
    /// query executed by ZetaSQL. Point the product at it with <c>GOOGLE_CLOUD_PROJECT = project</c>,
    /// <c>BIGQUERY_DATASET = dataset</c> and <c>BIGQUERY_EMULATOR_HOST = </c><see cref="Root"/>.
    /// </summary>
    public static Task<FakeBigQuery> StartAsync(ZetaSqlEngine engine, string project, string dataset, CancellationToken cancellationToken = default) =>
        StartAsync(jobs => ZetaSqlBigQuery.CreateAsync(engine, project, dataset, jobs, cancellationToken));

    private static async Task<FakeBigQuery> StartAsync(Func<ConcurrentDictionary<string, JsonNode>, Task<ZetaSqlBigQuery>>? stateful)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeBigQuery(app);
        if (stateful is not null)
        {
            fake._zetaSql = await stateful(fake._jobs);
        }
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        return fake;
    }

    /// <summary>Whether this fake is the stateful one (ZetaSQL mode).</summary>
    public bool IsStateful => _zetaSql is not null;

    /// <summary>
    /// ZetaSQL mode: the rows of a table — <c>project.dataset.</c><paramref name="tableId"/>, or a full id with dots —
    /// in column order as long, double, string, bool, DateTime (UTC), DateOnly or null. Throws for an unknown table.
    /// </summary>
    public Task<IReadOnlyList<object?[]>> RowsAsync(string tableId) => Stateful.RowsAsync(tableId);

    /// <summary>ZetaSQL mode: appends rows (C# values in column order, as <see cref="RowsAsync"/> gives them) to a table.</summary>
    public Task AddRowsAsync(string tableId, IEnumerable<object?[]> rows) => Stateful.AddRowsAsync(tableId, rows);

    /// <summary>ZetaSQL mode: a table's columns (name, type, NOT NULL).</summary>
    public Task<IReadOnlyList<ZetaSqlColumn>> ColumnsAsync(string tableId) => Stateful.ColumnsAsync(tableId);

    /// <summary>ZetaSQL mode: the tables as they are now, as a catalog (full names).</summary>
    public Task<BigQueryCatalog> CatalogAsync() => Stateful.CatalogAsync();

    /// <summary>ZetaSQL mode: every statement it executed, in order, with the request's parameter types and the catalog then.</summary>
    public IReadOnlyList<ExecutedStatement> Statements => Stateful.Statements;

    private ZetaSqlBigQuery Stateful => _zetaSql
        ?? throw new InvalidOperationException("This FakeBigQuery has canned answers; start it with StartAsync(engine, project, dataset) to hold tables.");

    /// <summary>Answers the next request that <paramref name="answer"/> returns a response for (once).</summary>
    public void Script(Func<RecordedRequest, (int Status, string Body)?> answer) => _scripts.Enqueue(answer);

    /// <summary>Answers the next request whose path ends with <paramref name="pathEnd"/> (and method matches).</summary>
    public void Script(string method, string pathEnd, int status, string body) =>
        Script(r => r.Method == method && r.Path.EndsWith(pathEnd, StringComparison.Ordinal) ? (status, body) : null);

    /// <summary>Jobs created from now on whose id matches finish with this error (as a failed load or query job does).</summary>
    public void FailJobs(Func<string, bool> jobId, string reason, string message) => _failures.Enqueue((jobId, reason, message));

    /// <summary>The data of each completed upload, by the job id it created.</summary>
    public ConcurrentDictionary<string, string> Uploaded { get; } = new();

    /// <summary>The job resources it holds, by job id.</summary>
    public IReadOnlyDictionary<string, JsonNode> Jobs => _jobs;

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
        var json = context.Request.ContentType?.Contains("json", StringComparison.Ordinal) == true && !context.Request.ContentType.Contains("ndjson", StringComparison.Ordinal);
        var request = new RecordedRequest(context.Request.Method, context.Request.Path.Value!, context.Request.QueryString.Value ?? "",
            json && text.Length > 0 ? JsonNode.Parse(text) : null, context.Request.Headers.Authorization.FirstOrDefault(), text,
            context.Request.Headers.ContentRange.FirstOrDefault());
        Requests.Enqueue(request);
        var (status, body) = Scripted(request) ?? await DefaultAsync(request, context);
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

    private async Task<(int, string)> DefaultAsync(RecordedRequest request, HttpContext context)
    {
        if (_zetaSql is not null && await _zetaSql.HandleAsync(request) is { } stateful)
        {
            return stateful;
        }
        var path = request.Path;
        switch (request.Method)
        {
            case "POST" when path.EndsWith("/insertAll"):
                return (200, """{"kind":"bigquery#tableDataInsertAllResponse"}""");
            case "POST" when path.EndsWith("/queries"):
                return (200, """{"kind":"bigquery#queryResponse","jobComplete":true,"jobReference":{"projectId":"p","jobId":"q1","location":"EU"},"schema":{"fields":[]},"rows":[],"totalRows":"0"}""");
            case "POST" when path.StartsWith("/upload/") && request.Query.Contains("uploadType=resumable"):
                var id = Guid.NewGuid().ToString("N");
                _uploads[id] = (request.Body!, new MemoryStream());
                context.Response.Headers.Location = $"{Root.ToString().TrimEnd('/')}{path}?uploadType=resumable&upload_id={id}";
                return (200, "");
            case "PUT" when path.StartsWith("/upload/") && UploadId(request.Query) is { } upload && _uploads.TryGetValue(upload, out var pending):
                pending.Bytes.Write(System.Text.Encoding.UTF8.GetBytes(request.Text));
                if (request.ContentRange?.EndsWith("/*", StringComparison.Ordinal) == true)
                {
                    context.Response.Headers["Range"] = $"bytes=0-{pending.Bytes.Length - 1}";
                    return (308, "");
                }
                var data = System.Text.Encoding.UTF8.GetString(pending.Bytes.ToArray());
                var job = Done(pending.Job, new JsonObject { ["load"] = new JsonObject { ["outputRows"] = data.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ToString() } });
                var jobId = job["jobReference"]!["jobId"]!.GetValue<string>();
                if (_zetaSql is not null && !_jobs.ContainsKey(jobId) && job["status"]!["errorResult"] is null)
                {
                    await _zetaSql.LoadAsync(job.AsObject(), data); // a failed job loads nothing
                }
                if (!_jobs.TryAdd(jobId, job))
                {
                    return (409, """{"error":{"code":409,"message":"Already Exists: Job","errors":[{"reason":"duplicate"}]}}""");
                }
                Uploaded[jobId] = data;
                return (200, job.ToJsonString());
            case "POST" when path.EndsWith("/jobs"):
                var inserted = Done(request.Body!, null);
                if (_zetaSql is not null && !_jobs.ContainsKey(inserted["jobReference"]!["jobId"]!.GetValue<string>())
                    && inserted["status"]!["errorResult"] is null && await _zetaSql.RunJobAsync(inserted.AsObject()) is { } refused)
                {
                    return ZetaSqlBigQuery.Error(400, "invalid", refused);
                }
                return _jobs.TryAdd(inserted["jobReference"]!["jobId"]!.GetValue<string>(), inserted)
                    ? (200, inserted.ToJsonString())
                    : (409, """{"error":{"code":409,"message":"Already Exists: Job","errors":[{"reason":"duplicate"}]}}""");
            case "GET" when path.Contains("/jobs/") && _jobs.TryGetValue(path[(path.LastIndexOf('/') + 1)..], out var known):
                return (200, known.ToJsonString());
            case "POST" when path.EndsWith("/tables"):
                return (200, request.Body!.ToJsonString());
            default:
                return (404, """{"error":{"code":404,"message":"Not found","errors":[{"reason":"notFound","message":"Not found"}]}}""");
        }
    }

    private static string? UploadId(string query) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query).TryGetValue("upload_id", out var id) ? id.ToString() : null;

    /// <summary>A job as BigQuery answers it once finished: the request's reference and configuration, state DONE.</summary>
    private JsonNode Done(JsonNode request, JsonObject? statistics)
    {
        var id = request["jobReference"]!["jobId"]!.GetValue<string>();
        var status = new JsonObject { ["state"] = "DONE" };
        if (_failures.FirstOrDefault(f => f.JobId(id)) is { JobId: not null } failure)
        {
            status["errorResult"] = new JsonObject { ["reason"] = failure.Reason, ["message"] = failure.Message };
        }
        return new JsonObject
        {
            ["kind"] = "bigquery#job",
            ["jobReference"] = request["jobReference"]!.DeepClone(),
            ["configuration"] = request["configuration"]?.DeepClone(),
            ["status"] = status,
            ["statistics"] = statistics,
        };
    }
}
