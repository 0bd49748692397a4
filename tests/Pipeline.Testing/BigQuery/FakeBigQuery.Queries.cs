using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;

namespace Pipeline.Tests.Fixtures;

/// <summary>
/// A query result <see cref="FakeBigQuery.ScriptQuery"/> serves for the next <c>jobs.query</c>, in the shape the
/// documented API gives for that request.
/// </summary>
/// <param name="Fields">The result's schema fields as JSON, e.g. <c>[{"name":"reads","type":"INTEGER"}]</c>.</param>
/// <param name="Pages">The rows page by page, each a JSON array of <c>{"f":[{"v":…}]}</c>; more than one page is a result too large for one answer.</param>
/// <param name="RunningPolls">How many answers find the query still running (<c>jobComplete: false</c>) before it completes: it outlasts the request's timeoutMs.</param>
/// <param name="CreatesJob">A <c>jobCreationReason</c> code for BigQuery creating a job although the result would fit (<c>OTHER</c>); null to let the result decide.</param>
public sealed record QueryScript(string Fields, IReadOnlyList<string> Pages, int RunningPolls = 0, string? CreatesJob = null);

// jobs.query and jobs.getQueryResults as documented (REST reference, QueryRequest.jobCreationMode, QueryResponse,
// JobCreationReason):
// - jobCreationMode JOB_CREATION_REQUIRED, the default, always creates a job; JOB_CREATION_OPTIONAL lets BigQuery
//   decide. It creates one anyway when the query runs past timeoutMs (reason LONG_RUNNING), when the result does not
//   fit in the response (LARGE_RESULTS), or when it decides to (OTHER); the answer then carries jobReference and
//   jobCreationReason, and is polled and paged with getQueryResults as any job.
// - Without a job, the answer is complete: jobComplete true, a queryId, every row inline, no jobReference ("If
//   jobCreationMode was set to JOB_CREATION_OPTIONAL and the query completes without creating a job, this field will be
//   empty"), no jobCreationReason ("If jobReference is not present it will always be unset").
// - getQueryResults names a job (projects/{p}/queries/{jobId}); a queryId is not a job id, so asking for one is
//   refused as BigQuery refuses any unknown job: 404 notFound.
public sealed partial class FakeBigQuery
{
    private const string JobCreationOptional = "JOB_CREATION_OPTIONAL";
    private static readonly QueryScript s_emptyResult = new("[]", ["[]"]);
    private readonly ConcurrentQueue<QueryScript> _queryScripts = new();
    private readonly ConcurrentDictionary<string, QueryJob> _queryJobs = new();
    private readonly ConcurrentDictionary<string, string> _joblessQueries = new();

    /// <summary>
    /// Serves <paramref name="script"/> for the next jobs.query (once), as BigQuery would: without a job when the request
    /// allows it and the result is short (one page, done at once, no forced job), else as a job created for the reason
    /// that applies, which getQueryResults then polls (<see cref="QueryScript.RunningPolls"/>) and pages (page tokens
    /// <c>page-1</c>, <c>page-2</c>, …).
    /// </summary>
    public void ScriptQuery(QueryScript script) => _queryScripts.Enqueue(script);

    /// <summary>The queryIds of the queries this fake answered without a job.</summary>
    public IReadOnlyCollection<string> JoblessQueries => _joblessQueries.Keys.ToList();

    /// <summary>The query jobs this fake created for <see cref="ScriptQuery"/> answers, by job id, with their jobCreationReason code (null: REQUIRED mode).</summary>
    public IReadOnlyDictionary<string, string?> QueryJobs => _queryJobs.ToDictionary(j => j.Key, j => j.Value.Reason);

    /// <summary>A scripted query's first answer, or a getQueryResults call on a query this file answered; else null.</summary>
    private (int, string)? Query(RecordedRequest request)
    {
        if (request.Method == "POST" && QueriesPath().Match(request.Path) is { Success: true } post && _queryScripts.TryDequeue(out var script))
        {
            return StartQuery(post.Groups[1].Value, request, script);
        }
        if (request.Method == "GET" && QueryResultsPath().Match(request.Path) is { Success: true } get)
        {
            var (project, id) = (get.Groups[1].Value, get.Groups[2].Value);
            if (_joblessQueries.TryGetValue(id, out var location))
            {
                return ZetaSqlBigQuery.Error(404, "notFound",
                    $"Not found: Job {project}:{location}.{id} (FakeBigQuery: {id} is the queryId of a query answered without a job; "
                    + "jobs.getQueryResults reads a job's results, and that query has no job).");
            }
            if (_queryJobs.TryGetValue(id, out var job))
            {
                return job.Results(QueryHelpers.ParseQuery(request.Query).TryGetValue("pageToken", out var token) ? token.ToString() : null);
            }
        }
        return null;
    }

    /// <summary>The default jobs.query answer: an empty result, without a job when the request allows one (else the old q1 job).</summary>
    private (int, string)? DefaultQuery(RecordedRequest request) =>
        request.Body?["jobCreationMode"]?.GetValue<string>() == JobCreationOptional && QueriesPath().Match(request.Path) is { Success: true } post
            ? StartQuery(post.Groups[1].Value, request, s_emptyResult)
            : null;

    private (int, string) StartQuery(string project, RecordedRequest request, QueryScript script)
    {
        var body = request.Body!;
        var location = body["location"]?.GetValue<string>() ?? "US";
        var optional = body["jobCreationMode"]?.GetValue<string>() == JobCreationOptional;
        var reason = script.CreatesJob
            ?? (script.RunningPolls > 0 ? "LONG_RUNNING" : script.Pages.Count > 1 ? "LARGE_RESULTS" : null);
        if (optional && reason is null)
        {
            var queryId = "query_" + Guid.NewGuid().ToString("N");
            _joblessQueries[queryId] = location;
            var answer = Page("bigquery#queryResponse", script, 0);
            answer["queryId"] = queryId;
            answer["location"] = location;
            return (200, answer.ToJsonString());
        }
        var jobId = "job_" + Guid.NewGuid().ToString("N");
        var job = new QueryJob(new JsonObject { ["projectId"] = project, ["jobId"] = jobId, ["location"] = location },
            script, optional ? reason ?? "OTHER" : null);
        _queryJobs[jobId] = job;
        return job.First();
    }

    /// <summary>One complete page of a script's result, with the next page's token when there is one.</summary>
    private static JsonObject Page(string kind, QueryScript script, int index)
    {
        var rows = script.Pages.Sum(p => JsonNode.Parse(p)!.AsArray().Count);
        var page = new JsonObject
        {
            ["kind"] = kind,
            ["jobComplete"] = true,
            ["schema"] = new JsonObject { ["fields"] = JsonNode.Parse(script.Fields) },
            ["rows"] = JsonNode.Parse(script.Pages[index]),
            ["totalRows"] = rows.ToString(CultureInfo.InvariantCulture),
            ["totalBytesProcessed"] = "0",
            ["cacheHit"] = false,
        };
        if (index + 1 < script.Pages.Count)
        {
            page["pageToken"] = $"page-{index + 1}";
        }
        return page;
    }

    [GeneratedRegex(@"^(?:/bigquery/v2)?/projects/([^/]+)/queries$")]
    private static partial Regex QueriesPath();

    [GeneratedRegex(@"^(?:/bigquery/v2)?/projects/([^/]+)/queries/([^/]+)$")]
    private static partial Regex QueryResultsPath();

    /// <summary>A query job: still running for a number of polls, then its pages by token.</summary>
    private sealed class QueryJob(JsonObject reference, QueryScript script, string? reason)
    {
        private int _runningPolls = script.RunningPolls;

        public string? Reason => reason;

        /// <summary>The jobs.query answer: running, or the first page; with the reason when the job was optional.</summary>
        public (int, string) First()
        {
            var answer = script.RunningPolls > 0
                ? new JsonObject { ["kind"] = "bigquery#queryResponse", ["jobComplete"] = false }
                : Page("bigquery#queryResponse", script, 0);
            answer["jobReference"] = reference.DeepClone();
            if (reason is not null)
            {
                answer["jobCreationReason"] = new JsonObject { ["code"] = reason };
            }
            return (200, answer.ToJsonString());
        }

        /// <summary>A getQueryResults answer: still running while polls remain, else the page the token names.</summary>
        public (int, string) Results(string? pageToken)
        {
            JsonObject answer;
            if (Interlocked.Decrement(ref _runningPolls) >= 0)
            {
                answer = new JsonObject { ["kind"] = "bigquery#getQueryResultsResponse", ["jobComplete"] = false };
            }
            else if ((pageToken is null ? 0 : PageIndex(pageToken)) is var index && index >= 0 && index < script.Pages.Count)
            {
                answer = Page("bigquery#getQueryResultsResponse", script, index);
            }
            else
            {
                return ZetaSqlBigQuery.Error(400, "invalid", $"Invalid page token '{pageToken}' for job {reference["jobId"]}.");
            }
            answer["jobReference"] = reference.DeepClone();
            return (200, answer.ToJsonString());
        }

        private static int PageIndex(string token) =>
            token.StartsWith("page-", StringComparison.Ordinal) && int.TryParse(token[5..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;
    }
}
