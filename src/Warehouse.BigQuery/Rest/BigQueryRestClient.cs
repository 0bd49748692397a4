using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Pipeline.Warehouse.BigQuery.Rest;

/// <summary>
/// A typed client for the BigQuery REST v2 calls this product needs. Transport concerns (auth, retries, time
/// budget) live in the handlers of the named client <see cref="HttpClientName"/>; this class knows paths, bodies,
/// polling and paging.
/// </summary>
/// <param name="httpClients">Gives the named client <see cref="HttpClientName"/>.</param>
/// <param name="clock">Times the wait between polls of a running job; <see cref="TimeProvider.System"/> when not given.</param>
public sealed class BigQueryRestClient(IHttpClientFactory httpClients, TimeProvider? clock = null)
{
    /// <summary>The <see cref="IHttpClientFactory"/> client every call goes through, configured with its base address and handlers.</summary>
    public const string HttpClientName = "bigquery";

    /// <summary>How long one jobs.query / getQueryResults call asks the server to wait for the job.</summary>
    public const int ServerWaitMs = 2000;

    /// <summary>Resumable upload chunks (but the last) are multiples of 256 KiB.</summary>
    public const int UploadChunkQuantum = 256 * 1024;

    /// <summary>What the uploaded load data is: newline-delimited JSON.</summary>
    public const string UploadContentType = "application/x-ndjson";
    private static readonly TimeSpan s_jobPollInterval = TimeSpan.FromSeconds(1);

    /// <summary><c>tabledata.insertAll</c>. Row-level problems come back in <see cref="InsertAllResponse.InsertErrors"/>.</summary>
    public Task<InsertAllResponse> InsertAllAsync(TableReference table, InsertAllRequest request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, $"{TablePath(table)}/insertAll", request, BigQueryJson.Default.InsertAllRequest,
            BigQueryJson.Default.InsertAllResponse, cancellationToken);

    /// <summary>
    /// <c>jobs.query</c>, then <c>jobs.getQueryResults</c> while the job is not complete and while pages remain.
    /// Returns every row. An answer without a job (the short-query mode, <see cref="QueryRequest.JobCreationOptional"/>)
    /// is complete and holds every row; one that is not, or that names a next page, has nothing to poll or page with
    /// and fails with a <see cref="BigQueryException"/> naming its <c>queryId</c>.
    /// </summary>
    public async Task<QueryResult> QueryAsync(string projectId, QueryRequest request, CancellationToken cancellationToken)
    {
        var response = await SendAsync(HttpMethod.Post, $"projects/{Escape(projectId)}/queries", request,
            BigQueryJson.Default.QueryRequest, BigQueryJson.Default.QueryResponse, cancellationToken);
        var rows = new List<TableRow>();
        var job = response.JobReference;
        while (true)
        {
            ThrowOnErrors(response);
            if (response.JobComplete)
            {
                rows.AddRange(response.Rows ?? []);
                if (string.IsNullOrEmpty(response.PageToken))
                {
                    return new QueryResult(response.Schema ?? new TableSchema([]), rows);
                }
            }
            job = response.JobReference ?? job ?? throw NoJobToFollow(response);
            response = await GetQueryResultsAsync(job, response.JobComplete ? response.PageToken : null, cancellationToken);
        }
    }

    /// <summary>
    /// An answer without a job that is not the whole result: getQueryResults takes a job id, and there is none. BigQuery
    /// documents a job-less answer as complete and whole (a long run or a large result makes it create a job).
    /// </summary>
    private static BigQueryException NoJobToFollow(QueryResponse response)
    {
        var what = response.JobComplete ? $"names a next page ({response.PageToken})" : "is not complete";
        return new BigQueryException(null, [],
            $"The query {response.QueryId ?? "(no queryId)"} was answered without a job, and the answer {what}: "
            + "there is no job to poll or page with jobs.getQueryResults.");
    }

    /// <summary><c>jobs.getQueryResults</c>: one page, waiting server-side up to a few seconds for completion.</summary>
    public Task<QueryResponse> GetQueryResultsAsync(JobReference job, string? pageToken, CancellationToken cancellationToken)
    {
        // The server waits at most this long per call, well inside the per-attempt timeout; the caller polls on.
        var query = $"{JobsPath(job, "queries")}?timeoutMs={ServerWaitMs}&formatOptions.useInt64Timestamp=true"
            + (job.Location is null ? "" : "&location=" + Escape(job.Location))
            + (pageToken is null ? "" : "&pageToken=" + Escape(pageToken));
        return GetAsync(query, BigQueryJson.Default.QueryResponse, cancellationToken);
    }

    /// <summary>
    /// <c>jobs.insert</c> with a client-chosen job id. A 409 means the job exists (an earlier delivery made it):
    /// the existing job is returned so the caller polls it instead of starting a second one.
    /// </summary>
    public async Task<Job> InsertJobAsync(Job job, CancellationToken cancellationToken)
    {
        try
        {
            return await SendAsync(HttpMethod.Post, $"projects/{Escape(job.JobReference.ProjectId)}/jobs", job,
                BigQueryJson.Default.Job, BigQueryJson.Default.Job, cancellationToken);
        }
        catch (BigQueryException e) when (e.IsDuplicate)
        {
            return await GetJobAsync(job.JobReference, cancellationToken);
        }
    }

    /// <summary><c>jobs.get</c>.</summary>
    public Task<Job> GetJobAsync(JobReference job, CancellationToken cancellationToken) =>
        GetAsync(JobsPath(job, "jobs") + (job.Location is null ? "" : "?location=" + Escape(job.Location)),
            BigQueryJson.Default.Job, cancellationToken);

    /// <summary><c>jobs.get</c>; null when no job has this id.</summary>
    public async Task<Job?> FindJobAsync(JobReference job, CancellationToken cancellationToken)
    {
        try
        {
            return await GetJobAsync(job, cancellationToken);
        }
        catch (BigQueryException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// Starts a resumable upload of a load job's data (<c>jobs.insert</c> with <c>uploadType=resumable</c>, the job
    /// resource as metadata). Returns the session URI the data is then sent to with <see cref="UploadChunkAsync"/>.
    /// </summary>
    public async Task<Uri> StartUploadAsync(Uri uploadRoot, Job job, CancellationToken cancellationToken)
    {
        var uri = new Uri(uploadRoot, $"projects/{Escape(job.JobReference.ProjectId)}/jobs?uploadType=resumable&prettyPrint=false");
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = JsonContent.Create(job, BigQueryJson.Default.Job) };
        request.Headers.Add("X-Upload-Content-Type", UploadContentType);
        using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorOf(response, cancellationToken);
        }
        return response.Headers.Location is { } session
            ? session.IsAbsoluteUri ? session : new Uri(uploadRoot, session)
            : throw new BigQueryException(response.StatusCode, [], "The resumable upload answer has no Location header.");
    }

    /// <summary>
    /// Sends bytes of a resumable upload, starting at <paramref name="offset"/> (what the server has persisted). A
    /// chunk before the last is a multiple of <see cref="UploadChunkQuantum"/> bytes; the last names the
    /// <paramref name="total"/> size (an empty last chunk is <c>bytes */total</c>). The answer is how many bytes the
    /// server has persisted (from its 308's <c>Range</c>, which may be fewer than were sent), or, once the last
    /// chunk is taken, the job the upload created. Not retried by the transport: after a failure the caller asks
    /// <see cref="UploadStatusAsync"/> where to resume, as Google's resumable protocol says.
    /// </summary>
    public async Task<UploadProgress> UploadChunkAsync(Uri session, ReadOnlyMemory<byte> chunk, long offset, long? total, CancellationToken cancellationToken)
    {
        var size = total is { } known ? known.ToString(CultureInfo.InvariantCulture) : "*";
        var range = chunk.Length == 0 ? "*" : $"{offset}-{offset + chunk.Length - 1}";
        return await PutUploadAsync(session, chunk, $"bytes {range}/{size}", cancellationToken);
    }

    /// <summary>Asks a resumable upload how many bytes it has persisted (<c>Content-Range: bytes */*</c>).</summary>
    public Task<UploadProgress> UploadStatusAsync(Uri session, CancellationToken cancellationToken) =>
        PutUploadAsync(session, ReadOnlyMemory<byte>.Empty, "bytes */*", cancellationToken);

    private async Task<UploadProgress> PutUploadAsync(Uri session, ReadOnlyMemory<byte> chunk, string contentRange, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, session) { Content = new ReadOnlyMemoryContent(chunk) };
        request.Content.Headers.TryAddWithoutValidation("Content-Range", contentRange);
        request.Options.Set(BigQueryRetry.NotRetried, true);
        using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
        if ((int)response.StatusCode == 308)
        {
            // "Range: bytes=0-N" when N+1 bytes are persisted; no Range when none are.
            var persisted = response.Headers.TryGetValues("Range", out var values) && values.FirstOrDefault() is { } value
                && value.LastIndexOf('-') is var dash and > 0 && long.TryParse(value[(dash + 1)..], CultureInfo.InvariantCulture, out var last)
                ? last + 1 : 0;
            return new UploadProgress(persisted, null);
        }
        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorOf(response, cancellationToken);
        }
        var job = await response.Content.ReadFromJsonAsync(BigQueryJson.Default.Job, cancellationToken)
            ?? throw new BigQueryException(response.StatusCode, [], "The completed upload answered no job.");
        return new UploadProgress(null, job);
    }

    /// <summary>Polls <c>jobs.get</c>, once a second, until the job is DONE (it may then carry an error result).</summary>
    public async Task<Job> WaitForJobAsync(Job job, CancellationToken cancellationToken)
    {
        while (job.Status?.State != "DONE")
        {
            await Task.Delay(s_jobPollInterval, clock ?? TimeProvider.System, cancellationToken);
            job = await GetJobAsync(job.JobReference, cancellationToken);
        }
        return job;
    }

    /// <summary><c>tables.get</c>; null when the table does not exist.</summary>
    public async Task<Table?> GetTableAsync(TableReference table, CancellationToken cancellationToken)
    {
        try
        {
            return await GetAsync(TablePath(table) + "?view=BASIC", BigQueryJson.Default.Table, cancellationToken);
        }
        catch (BigQueryException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    /// <summary><c>datasets.get</c>: the dataset's id and location; throws <see cref="BigQueryException"/> with BigQuery's answer when it fails.</summary>
    public Task<Dataset> GetDatasetAsync(DatasetReference dataset, CancellationToken cancellationToken) =>
        GetAsync($"projects/{Escape(dataset.ProjectId)}/datasets/{Escape(dataset.DatasetId)}", BigQueryJson.Default.Dataset, cancellationToken);

    /// <summary><c>tables.insert</c>; a table that already exists (409) is fine.</summary>
    public async Task InsertTableAsync(Table table, CancellationToken cancellationToken)
    {
        try
        {
            var reference = table.TableReference;
            await SendAsync(HttpMethod.Post, $"projects/{Escape(reference.ProjectId)}/datasets/{Escape(reference.DatasetId)}/tables",
                table, BigQueryJson.Default.Table, BigQueryJson.Default.Table, cancellationToken);
        }
        catch (BigQueryException e) when (e.IsDuplicate)
        {
        }
    }

    private Task<TResponse> GetAsync<TResponse>(string path, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken) =>
        SendAsync<object, TResponse>(HttpMethod.Get, path, null, null, responseType, cancellationToken);

    private async Task<TResponse> SendAsync<TRequest, TResponse>(
        HttpMethod method, string path, TRequest? body, JsonTypeInfo<TRequest>? requestType, JsonTypeInfo<TResponse> responseType,
        CancellationToken cancellationToken)
    {
        var separator = path.Contains('?') ? '&' : '?';
        using var request = new HttpRequestMessage(method, $"{path}{separator}prettyPrint=false");
        if (body is not null && requestType is not null)
        {
            request.Content = JsonContent.Create(body, requestType);
        }
        using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorOf(response, cancellationToken);
        }
        return await response.Content.ReadFromJsonAsync(responseType, cancellationToken)
            ?? throw new BigQueryException(response.StatusCode, [], $"Empty response from {method} {path}.");
    }

    private static async Task<BigQueryException> ErrorOf(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        ErrorEnvelope? envelope = null;
        try
        {
            envelope = JsonSerializer.Deserialize(text, BigQueryJson.Default.ErrorEnvelope);
        }
        catch (JsonException)
        {
            // A proxy's body, not BigQuery's: keep the status only.
        }
        var reasons = envelope?.Error?.Errors?.Select(e => e.Reason ?? "").ToList() ?? [];
        var message = envelope?.Error?.Message ?? $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
        return new BigQueryException(response.StatusCode, reasons,
            $"BigQuery {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath}: {message}");
    }

    private static void ThrowOnErrors(QueryResponse response)
    {
        // A completed query's errors are warnings unless there are no rows to show for them; fatal errors come as HTTP errors.
        if (!response.JobComplete && response.Errors is { Count: > 0 } errors && response.JobReference is null)
        {
            throw new BigQueryException(null, errors.Select(e => e.Reason ?? "").ToList(), errors[0].Message ?? "query failed");
        }
    }

    private static string TablePath(TableReference t) =>
        $"projects/{Escape(t.ProjectId)}/datasets/{Escape(t.DatasetId)}/tables/{Escape(t.TableId)}";

    private static string JobsPath(JobReference job, string collection) =>
        $"projects/{Escape(job.ProjectId)}/{collection}/{Escape(job.JobId)}";

    private static string Escape(string segment) => Uri.EscapeDataString(segment);
}

/// <summary>A resumable upload's state: the bytes the server persisted, or the job it created once complete.</summary>
/// <param name="Persisted">Bytes the server holds, where the next chunk starts; null once the upload is complete.</param>
/// <param name="Job">The load job the completed upload created; null while bytes remain to send.</param>
public sealed record UploadProgress(long? Persisted, Job? Job);

/// <summary>All rows of a finished query, with its schema.</summary>
/// <param name="Schema">The result's columns.</param>
/// <param name="Rows">Every row, from every page, in the order BigQuery returned them.</param>
public sealed record QueryResult(TableSchema Schema, IReadOnlyList<TableRow> Rows)
{
    /// <summary>A scalar cell's text as BigQuery sends it (every scalar is a JSON string); null for SQL NULL.</summary>
    public string? String(TableRow row, int column) =>
        row.F[column].V.ValueKind == JsonValueKind.Null ? null : row.F[column].V.GetString();

    /// <summary>An INT64 cell's value; the cell must not be NULL.</summary>
    public long Int64(TableRow row, int column) => long.Parse(String(row, column)!, CultureInfo.InvariantCulture);
}
