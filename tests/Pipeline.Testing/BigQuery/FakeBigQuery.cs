using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Pipeline.Domain.Backfill;
using Pipeline.Domain.Rows;
using Pipeline.Tests.Fixtures.Discovery;
using Pipeline.Tests.GoogleSql;

namespace Pipeline.Tests.Fixtures;

/// <summary>
/// One request the fake BigQuery received; <see cref="Body"/> is set when the body is JSON, <see cref="Text"/> always
/// (the body decoded as UTF-8, for JSON and text: an upload chunk may split a character, so count its bytes with
/// <see cref="BodyBytes"/> or <see cref="Length"/>).
/// </summary>
public sealed record RecordedRequest(string Method, string Path, string Query, JsonNode? Body, string? Authorization, string Text = "", string? ContentRange = null)
{
    /// <summary>The body exactly as received.</summary>
    public byte[] BodyBytes { get; init; } = [];

    /// <summary>The body's length in bytes.</summary>
    public long Length => BodyBytes.LongLength;

    /// <summary>The job the body names (<c>jobReference.jobId</c>: a job's insert, an upload's first request), or null.</summary>
    public string? JobId => (Body as JsonObject)?["jobReference"]?["jobId"]?.GetValue<string>();

    /// <summary>The SQL sent: a jobs.query request's <c>query</c>, or a query job's <c>configuration.query.query</c>; or null.</summary>
    public string? Sql => Body is JsonObject body
        ? (body["query"] is JsonValue query ? query.GetValue<string>() : body["configuration"]?["query"]?["query"]?.GetValue<string>())
        : null;

    /// <summary>The value sent for the named query parameter (of a jobs.query request or a query job); throws when there is none.</summary>
    public string? Parameter(string name)
    {
        var body = Body as JsonObject ?? throw new InvalidOperationException($"{Method} {Path} has no JSON body.");
        var parameters = (body["queryParameters"] ?? body["configuration"]?["query"]?["queryParameters"])?.AsArray()
            ?? throw new InvalidOperationException($"{Method} {Path} sends no query parameters.");
        return Assert.Single(parameters, p => p!["name"]!.GetValue<string>() == name)!["parameterValue"]!["value"]?.GetValue<string>();
    }

    /// <summary>An insertAll request's rows, in order: each one's insertId and its row as JSON.</summary>
    public IReadOnlyList<InsertedRow> InsertedRows =>
        ((Body as JsonObject)?["rows"] as JsonArray ?? throw new InvalidOperationException($"{Method} {Path} is not an insertAll request."))
            .Select(r => new InsertedRow(r!["insertId"]!.GetValue<string>(), r["json"]!.AsObject())).ToList();
}

/// <summary>One row of an insertAll request: its de-duplication id, and the row as the client serialized it.</summary>
public sealed record InsertedRow(string InsertId, JsonObject Json)
{
    /// <summary>A string column of the row.</summary>
    public string? String(string column) => Json[column]?.GetValue<string>();
}

/// <summary>
/// A stand-in for the BigQuery REST API on a real loopback socket, so clients go through their whole HTTP stack
/// (auth, retries, time budget). It records every request and answers from scripted responses, falling back to
/// plain successful answers: jobs it was given exist (DONE), others are 404; a resumable upload
/// (<c>/upload/bigquery/v2/projects/{p}/jobs?uploadType=resumable</c>, then PUTs with <c>Content-Range</c>) keeps
/// the bytes it persisted, answers 308 with their <c>Range</c> until the last chunk, then creates its load job. It
/// answers jobs.query in the shape the request asks for — without a job when its <c>jobCreationMode</c> is
/// <c>JOB_CREATION_OPTIONAL</c> and the result is short, else as a job (<see cref="ScriptQuery"/> serves a result
/// either way, and getQueryResults on a job-less query's id is refused, as there is no job). It
/// holds clients to the protocol as the service does (the rules, and where they come from, are spelled out above
/// <c>StartUpload</c>; <see cref="Uploads"/> shows what each session persisted): a chunk that does not
/// start where the persisted bytes end, an intermediate chunk that is not a multiple of 256 KiB, a last chunk that
/// does not end at its total — each is refused with 400 and changes nothing. Tests can make it persist less than it
/// received (<see cref="PersistOnly"/>) or fail a chunk after persisting part of it (<see cref="FailUploadChunk"/>).
/// <para>
/// Started with <see cref="StartAsync(ZetaSqlEngine, string, string, CancellationToken)"/> it is stateful instead: the
/// defaults run on in-memory tables — deploy/bigquery.sql's, as <c>project.dataset.table</c> — whose SQL ZetaSQL,
/// GoogleSQL's reference engine, executes (insertAll appends, jobs.query and query jobs run scripts, uploads load,
/// tables.insert/get). Scripted answers still come first. See <see cref="ZetaSqlBigQuery"/>.
/// </para>
/// </summary>
public sealed partial class FakeBigQuery : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Func<RecordedRequest, (int Status, string Body)?>> _scripts = new();
    private readonly ConcurrentDictionary<string, JsonNode> _jobs = new();
    private readonly ConcurrentQueue<(Func<string, bool> JobId, string Reason, string Message)> _failures = new();
    private readonly ConcurrentDictionary<string, UploadSession> _uploads = new();
    private readonly ConcurrentQueue<ChunkScript> _chunkScripts = new();
    private readonly SemaphoreSlim _uploadGate = new(1, 1);
    private ZetaSqlBigQuery? _zetaSql;

    private FakeBigQuery(WebApplication app, BigQueryDiscovery? discovery)
    {
        _app = app;
        _discovery = discovery;
    }

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
        var discovery = BigQueryDiscovery.Sdk; // throws where CI requires the SDK and it is missing
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeBigQuery(app, discovery);
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

    /// <summary>ZetaSQL mode: every row of user_interaction, as records.</summary>
    public Task<IReadOnlyList<Stored<Interaction>>> InteractionsAsync() => StoredRows.InteractionsAsync(RowsAsync);

    /// <summary>ZetaSQL mode: every row of content_meta, as records.</summary>
    public Task<IReadOnlyList<Stored<ContentMeta>>> ContentMetaAsync() => StoredRows.ContentMetaAsync(RowsAsync);

    /// <summary>ZetaSQL mode: every row of ingest_errors, as records.</summary>
    public Task<IReadOnlyList<Stored<DeadLetter>>> IngestErrorsAsync() => StoredRows.IngestErrorsAsync(RowsAsync);

    /// <summary>ZetaSQL mode: every row of load_log, as records.</summary>
    public Task<IReadOnlyList<LoadLogEntry>> LoadLogAsync() => StoredRows.LoadLogAsync(RowsAsync);

    /// <summary>ZetaSQL mode: appends rows (C# values in column order, as <see cref="RowsAsync"/> gives them) to a table.</summary>
    public Task AddRowsAsync(string tableId, IEnumerable<object?[]> rows) => Stateful.AddRowsAsync(tableId, rows);

    /// <summary>ZetaSQL mode: a table's columns (name, type, NOT NULL).</summary>
    public Task<IReadOnlyList<ZetaSqlColumn>> ColumnsAsync(string tableId) => Stateful.ColumnsAsync(tableId);

    /// <summary>ZetaSQL mode: the tables as they are now, as a catalog (full names).</summary>
    public Task<BigQueryCatalog> CatalogAsync() => Stateful.CatalogAsync();

    /// <summary>ZetaSQL mode: every statement it executed, in order, with the request's parameter types and the catalog then.</summary>
    public IReadOnlyList<ExecutedStatement> Statements => Stateful.Statements;

    /// <summary>
    /// ZetaSQL mode: runs before each statement of every script, outside the fake's lock, with the job id and the
    /// statement about to run (a test holds a script there, e.g. before COMMIT TRANSACTION, to make commits overlap).
    /// </summary>
    public Func<string, ExecutedStatement, Task>? BeforeStatement
    {
        get => Stateful.BeforeStatement;
        set => Stateful.BeforeStatement = value;
    }

    private ZetaSqlBigQuery Stateful => _zetaSql
        ?? throw new InvalidOperationException("This FakeBigQuery has canned answers; start it with StartAsync(engine, project, dataset) to hold tables.");

    /// <summary>Answers the next request that <paramref name="answer"/> returns a response for (once).</summary>
    public void Script(Func<RecordedRequest, (int Status, string Body)?> answer) => _scripts.Enqueue(answer);

    /// <summary>Answers the next request whose path ends with <paramref name="pathEnd"/> (and method matches).</summary>
    public void Script(string method, string pathEnd, int status, string body) =>
        Script(r => r.Method == method && r.Path.EndsWith(pathEnd, StringComparison.Ordinal) ? (status, body) : null);

    /// <summary>Jobs created from now on whose id matches finish with this error (as a failed load or query job does).</summary>
    public void FailJobs(Func<string, bool> jobId, string reason, string message) => _failures.Enqueue((jobId, reason, message));

    /// <summary>
    /// The next upload chunk (a PUT carrying bytes, valid as the protocol goes) for which <paramref name="bytes"/>
    /// returns a count persists only that many of its first bytes (0 to all; once): the answer is then 308 with the
    /// shorter <c>Range</c>, also for a last chunk, whose upload is then not complete. A client that ignores
    /// <c>Range</c> then sends a chunk that does not start where the persisted bytes end, and is refused.
    /// </summary>
    public void PersistOnly(Func<RecordedRequest, long?> bytes) => _chunkScripts.Enqueue(new ChunkScript(bytes, Fail: false));

    /// <summary>
    /// The next upload chunk for which <paramref name="persisted"/> returns a count persists that many of its first
    /// bytes (once), then answers 503 (<c>backendError</c>), as an interrupted upload does: the client must ask for
    /// the upload's status (<c>Content-Range: bytes */*</c>) and resume from its <c>Range</c>.
    /// </summary>
    public void FailUploadChunk(Func<RecordedRequest, long?> persisted) => _chunkScripts.Enqueue(new ChunkScript(persisted, Fail: true));

    /// <summary>The data of each completed upload, by the job id it created (gunzipped when gzip, decoded as UTF-8).</summary>
    public ConcurrentDictionary<string, string> Uploaded { get; } = new();

    /// <summary>The bytes of each completed upload, by the job id it created.</summary>
    public ConcurrentDictionary<string, byte[]> UploadedBytes { get; } = new();

    /// <summary>The resumable upload sessions started, by upload id: the bytes each has persisted so far.</summary>
    public IReadOnlyDictionary<string, long> Uploads => _uploads.ToDictionary(u => u.Key, u => u.Value.Persisted);

    /// <summary>The job resources it holds, by job id.</summary>
    public IReadOnlyDictionary<string, JsonNode> Jobs => _jobs;

    public IReadOnlyList<RecordedRequest> Calls(string method, string pathEnd) =>
        Requests.Where(r => r.Method == method && r.Path.EndsWith(pathEnd, StringComparison.Ordinal)).ToList();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _uploadGate.Dispose();
        ThrowOnUnexpectedRefusals();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var bytes = buffer.ToArray();
        var text = System.Text.Encoding.UTF8.GetString(bytes);
        var json = context.Request.ContentType?.Contains("json", StringComparison.Ordinal) == true && !context.Request.ContentType.Contains("ndjson", StringComparison.Ordinal);
        var request = new RecordedRequest(context.Request.Method, context.Request.Path.Value!, context.Request.QueryString.Value ?? "",
            json && text.Length > 0 ? JsonNode.Parse(text) : null, context.Request.Headers.Authorization.FirstOrDefault(), text,
            context.Request.Headers.ContentRange.FirstOrDefault()) { BodyBytes = bytes };
        Requests.Enqueue(request);
        var (status, body) = Judged(request, context.Request.ContentType) ?? Scripted(request) ?? Query(request) ?? await DefaultAsync(request, context);
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
            case "POST" when path.EndsWith("/queries") && DefaultQuery(request) is { } shortQuery:
                return shortQuery;
            case "POST" when path.EndsWith("/queries"):
                return (200, """{"kind":"bigquery#queryResponse","jobComplete":true,"jobReference":{"projectId":"p","jobId":"q1","location":"EU"},"schema":{"fields":[]},"rows":[],"totalRows":"0"}""");
            case "POST" when path.StartsWith("/upload/") && request.Query.Contains("uploadType=resumable"):
                return StartUpload(request, context);
            case "PUT" when path.StartsWith("/upload/") && UploadId(request.Query) is { } upload && _uploads.TryGetValue(upload, out var session):
                return await PutChunkAsync(session, request, context);
            case "POST" when path.EndsWith("/jobs"):
                var inserted = Done(request.Body!, null);
                var insertedId = inserted["jobReference"]!["jobId"]!.GetValue<string>();
                if (_zetaSql is not null && inserted["status"]!["errorResult"] is null)
                {
                    // The id is taken first (the job RUNNING meanwhile), so two inserts of one id never both run it.
                    var running = inserted.DeepClone();
                    running["status"] = new JsonObject { ["state"] = "RUNNING" };
                    if (!_jobs.TryAdd(insertedId, running))
                    {
                        return (409, """{"error":{"code":409,"message":"Already Exists: Job","errors":[{"reason":"duplicate"}]}}""");
                    }
                    if (await _zetaSql.RunJobAsync(inserted.AsObject()) is { } refused)
                    {
                        _jobs.TryRemove(insertedId, out _);
                        return ZetaSqlBigQuery.Error(400, "invalid", refused);
                    }
                    _jobs[insertedId] = inserted;
                    return (200, inserted.ToJsonString());
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

    // The resumable upload protocol, as Google documents it for its APIs' media uploads — BigQuery's "API uploads"
    // (cloud.google.com/bigquery/docs/reference/api-uploads) and, in most detail, Cloud Storage's "Perform resumable
    // uploads" (cloud.google.com/storage/docs/performing-resumable-uploads), which this follows:
    // - POST …?uploadType=resumable with the metadata (here the job) starts a session; its answer's Location is the
    //   session URI (X-Upload-Content-Length, when sent, declares the total size);
    // - each PUT to it carries "Content-Range: bytes FIRST-LAST/TOTAL", TOTAL "*" while the size is not known yet;
    //   every chunk but the last is a multiple of 256 KiB (262,144 bytes) long;
    // - an incomplete upload answers "308 Resume Incomplete" with "Range: bytes=0-LAST", the bytes the server
    //   persisted — and no Range header at all while it persisted none (the cases fixed in
    //   googleapis/google-cloud-cpp#1829 and googleapis/google-api-python-client#312). It may persist fewer bytes than
    //   were sent: "use the Range header in the response to determine where to start the next chunk; do not assume
    //   that the server received all bytes sent in the previous request" (the Drive upload guide, as quoted in
    //   googleapis/google-api-dotnet-client#311);
    // - after an interruption (a 5xx, a lost connection) the client asks for the status with an empty PUT,
    //   "Content-Range: bytes */*" (or "bytes */TOTAL" once the size is known), and resumes from the 308's Range;
    // - the last chunk, or an empty PUT "bytes */TOTAL" once all TOTAL bytes are persisted, completes the upload:
    //   200 with the resource (here the load job); asking again after that answers the same.
    // What the documentation leaves open is answered strictly, with BigQuery's error envelope (400, invalid), and
    // changes nothing: a chunk must start exactly where the persisted bytes end, carry exactly the bytes its range
    // names, and a chunk naming the total must end at byte TOTAL-1.
    private const long ChunkQuantum = 256 * 1024;

    private (int, string) StartUpload(RecordedRequest request, HttpContext context)
    {
        if (request.Body?["jobReference"]?["jobId"] is null)
        {
            return Refused("FakeBigQuery: a resumable upload's metadata must be the job resource (JSON with jobReference.jobId).");
        }
        long? total = null;
        if (context.Request.Headers["X-Upload-Content-Length"].FirstOrDefault() is { } declared)
        {
            if (!long.TryParse(declared, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var size))
            {
                return Refused($"Invalid X-Upload-Content-Length: '{declared}'.");
            }
            total = size;
        }
        var id = Guid.NewGuid().ToString("N");
        _uploads[id] = new UploadSession(request.Body, total);
        context.Response.Headers.Location = $"{Root.ToString().TrimEnd('/')}{request.Path}?uploadType=resumable&upload_id={id}";
        return (200, "");
    }

    private async Task<(int, string)> PutChunkAsync(UploadSession session, RecordedRequest request, HttpContext context)
    {
        await _uploadGate.WaitAsync();
        try
        {
            return await ChunkAsync(session, request, context);
        }
        finally
        {
            _uploadGate.Release();
        }
    }

    private async Task<(int, string)> ChunkAsync(UploadSession session, RecordedRequest request, HttpContext context)
    {
        var persisted = session.Persisted;
        var header = request.ContentRange;
        var named = header is null ? "(no Content-Range: the whole upload)" : $"'{header}'";
        if (ParseContentRange(header, request.Length) is not { } range)
        {
            return Refused($"Invalid Content-Range header {named}: expected 'bytes FIRST-LAST/TOTAL', 'bytes FIRST-LAST/*', 'bytes */TOTAL' or 'bytes */*'.");
        }
        if (session.Completed is { } done)
        {
            // Asking for the status (or completing again) after the upload completed answers its outcome again.
            return range.First is null && request.Length == 0 && (range.Total is null || range.Total == persisted)
                ? done
                : Refused($"The upload is already complete ({persisted} bytes); Content-Range {named} sends more.");
        }
        if (range is { First: { } first, Last: { } last })
        {
            if (last < first)
            {
                return Refused($"Content-Range {named}: the last byte is before the first.");
            }
            if (last - first + 1 != request.Length)
            {
                return Refused($"Content-Range {named} names {last - first + 1} bytes, but the request carries {request.Length}.");
            }
        }
        else if (request.Length > 0)
        {
            return Refused($"Content-Range {named} names no bytes, but the request carries {request.Length}.");
        }
        if (range.Total is { } total)
        {
            if (session.Total is { } known && known != total)
            {
                return Refused($"Content-Range {named} names a total of {total} bytes; this upload's total is {known}.");
            }
            if (total < persisted)
            {
                return Refused($"Content-Range {named} names a total of {total} bytes, but {persisted} are already persisted.");
            }
        }
        if (range.First is null)
        {
            // "bytes */TOTAL" with every byte persisted completes the upload; otherwise it, like "bytes */*", asks for the status.
            return range.Total == persisted ? await CompleteAsync(session) : Incomplete(session, context);
        }
        if (range.First != persisted)
        {
            return Refused(persisted == 0
                ? $"The chunk must start at byte 0: nothing is persisted yet (no Range); Content-Range {named} starts at byte {range.First}."
                : $"The chunk must start at byte {persisted}, the first not persisted (Range: bytes=0-{persisted - 1}); Content-Range {named} starts at byte {range.First}.");
        }
        if (range.Total is null)
        {
            if (request.Length % ChunkQuantum != 0)
            {
                return Refused($"An intermediate chunk (total '*') must be a multiple of 256 KiB ({ChunkQuantum} bytes) long; Content-Range {named} sends {request.Length} bytes.");
            }
            if (session.Total is { } known && range.Last >= known)
            {
                return Refused($"Content-Range {named} goes past the upload's total of {known} bytes.");
            }
        }
        else if (range.Last != range.Total - 1)
        {
            return Refused($"The chunk naming the total of {range.Total} bytes must end at byte {range.Total - 1}; Content-Range {named} ends at byte {range.Last}.");
        }

        var script = NextChunkScript(request);
        var kept = script is { } scripted ? Math.Clamp(scripted.Bytes, 0, request.Length) : request.Length;
        session.Bytes.Write(request.BodyBytes, 0, (int)kept);
        session.Total ??= range.Total;
        if (script is { Fail: true })
        {
            return ZetaSqlBigQuery.Error(503, "backendError",
                $"FakeBigQuery: the upload was interrupted after persisting {kept} of the chunk's {request.Length} bytes; ask for its status (Content-Range: bytes */*) and resume from its Range.");
        }
        return range.Total is { } final && session.Persisted == final ? await CompleteAsync(session) : Incomplete(session, context);
    }

    /// <summary>308 Resume Incomplete, with the Range of the bytes persisted (none while nothing is).</summary>
    private static (int, string) Incomplete(UploadSession session, HttpContext context)
    {
        if (session.Persisted > 0)
        {
            context.Response.Headers["Range"] = $"bytes=0-{session.Persisted - 1}";
        }
        return (308, "");
    }

    /// <summary>Creates the upload's load job from every byte persisted (and, in ZetaSQL mode, loads them).</summary>
    private async Task<(int, string)> CompleteAsync(UploadSession session)
    {
        var bytes = session.Bytes.ToArray();
        var data = LoadData.Text(bytes); // gunzipped when the upload is gzip
        var load = session.Job["configuration"]?["load"] as JsonObject;
        var lines = load?["sourceFormat"]?.GetValue<string>() is null or "CSV"
            ? LoadData.Csv(data, load ?? []).Count()
            : data.Split('\n').Count(line => !string.IsNullOrWhiteSpace(line));
        var job = Done(session.Job, new JsonObject { ["load"] = new JsonObject { ["outputRows"] = lines.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
        var jobId = job["jobReference"]!["jobId"]!.GetValue<string>();
        if (_zetaSql is not null && !_jobs.ContainsKey(jobId) && job["status"]!["errorResult"] is null)
        {
            await _zetaSql.LoadAsync(job.AsObject(), data); // a failed job loads nothing
        }
        (int, string) answer;
        if (_jobs.TryAdd(jobId, job))
        {
            Uploaded[jobId] = data;
            UploadedBytes[jobId] = bytes;
            answer = (200, job.ToJsonString());
        }
        else
        {
            answer = (409, """{"error":{"code":409,"message":"Already Exists: Job","errors":[{"reason":"duplicate"}]}}""");
        }
        session.Completed = answer;
        return answer;
    }

    private (long Bytes, bool Fail)? NextChunkScript(RecordedRequest request)
    {
        lock (_chunkScripts)
        {
            var pending = _chunkScripts.ToArray();
            for (var i = 0; i < pending.Length; i++)
            {
                if (pending[i].Bytes(request) is { } bytes)
                {
                    _chunkScripts.Clear();
                    foreach (var script in pending.Where((_, j) => j != i))
                    {
                        _chunkScripts.Enqueue(script);
                    }
                    return (bytes, pending[i].Fail);
                }
            }
            return null;
        }
    }

    /// <summary>
    /// <c>bytes FIRST-LAST/TOTAL</c>, <c>bytes FIRST-LAST/*</c>, <c>bytes */TOTAL</c> or <c>bytes */*</c>; no header
    /// is the whole upload in this one request. Null when malformed.
    /// </summary>
    private static ContentRange? ParseContentRange(string? header, long length)
    {
        if (header is null)
        {
            return length == 0 ? new ContentRange(null, null, 0) : new ContentRange(0, length - 1, length);
        }
        var match = System.Text.RegularExpressions.Regex.Match(header.Trim(), @"^bytes (?:(?<first>\d+)-(?<last>\d+)|\*)/(?:(?<total>\d+)|\*)$");
        if (!match.Success)
        {
            return null;
        }
        long? Number(string group)
        {
            var g = match.Groups[group];
            return !g.Success ? null : long.TryParse(g.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : -1;
        }
        var (first, last, total) = (Number("first"), Number("last"), Number("total"));
        return first < 0 || last < 0 || total < 0 ? null : new ContentRange(first, last, total);
    }

    private static (int, string) Refused(string message) => ZetaSqlBigQuery.Error(400, "invalid", message);

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

    /// <summary>A resumable upload: its job, the bytes it persisted, its total once declared, and its answer once complete.</summary>
    private sealed class UploadSession(JsonNode job, long? total)
    {
        public JsonNode Job => job;

        public MemoryStream Bytes { get; } = new();

        public long Persisted => Bytes.Length;

        public long? Total { get; set; } = total;

        public (int, string)? Completed { get; set; }
    }

    /// <summary>A scripted chunk: how many of its bytes to persist, and whether it then fails with 503.</summary>
    private sealed record ChunkScript(Func<RecordedRequest, long?> Bytes, bool Fail);

    private sealed record ContentRange(long? First, long? Last, long? Total);
}
