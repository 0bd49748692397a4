using System.Text;
using System.Text.Json.Nodes;
using Pipeline.Tests.Fixtures.Discovery;

namespace Pipeline.Tests.Fixtures.CloudApis;

/// <summary>
/// BigQuery v2 as <c>bq</c> calls it: the discovery document (the SDK's own file), datasets (get, insert, IAM), and
/// query jobs, done at once; the SQL of each query job is kept (<see cref="CloudState"/> "bigquery jobs/…"). Every
/// request is first judged by that same discovery document (<see cref="BigQueryDiscovery"/>), as the other fakes of
/// BigQuery judge theirs: one BigQuery would refuse gets Google's answer and is marked <see cref="CloudApiFake.BigQueryRefused"/>.
/// </summary>
internal sealed class BigQueryApi(string? discoveryPath) : ICloudApi
{
    // Read once: bq fetches it at every command.
    private readonly string? _discovery = discoveryPath is null ? null : File.ReadAllText(discoveryPath);

    public string Name => "bigquery";

    public ApiAnswer? Handle(ApiRoute r)
    {
        if (r.Call.Method == "GET" && (r.Path.EndsWith("$discovery/rest", StringComparison.Ordinal) || r.Path.EndsWith("/rest", StringComparison.Ordinal)))
        {
            r.Enter("bigquery.discovery");
            return _discovery is null ? ApiAnswer.NotFound("discovery") : new ApiAnswer(200, null, _discovery);
        }
        if (Judged(r.Call) is { } refusal)
        {
            r.Call.Operation = CloudApiFake.BigQueryRefused;
            return refusal;
        }
        const string Project = "(/bigquery)?/v2/projects/(?<p>[^/]+)";
        if (r.Is("GET", Project + "/datasets/(?<d>[^/:]+)"))
        {
            return r.Enter("bigquery.datasets.get") ??
                (r.State.Get(Name, $"datasets/{r["d"]}") is { } found ? ApiAnswer.Ok(found) : ApiAnswer.Error(404, "NOT_FOUND", $"Not found: Dataset {r["p"]}:{r["d"]}"));
        }
        if (r.Is("POST", Project + "/datasets"))
        {
            r.Enter("bigquery.datasets.insert");
            var dataset = (JsonObject)r.Call.Json.DeepClone();
            var id = dataset["datasetReference"]?["datasetId"]?.GetValue<string>() ?? "";
            dataset["id"] = $"{r["p"]}:{id}";
            dataset["kind"] = "bigquery#dataset";
            dataset["creationTime"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
            return r.State.Create(Name, $"datasets/{id}", dataset)
                ? ApiAnswer.Ok(dataset)
                : ApiAnswer.Error(409, "ALREADY_EXISTS", $"Already Exists: Dataset {r["p"]}:{id}");
        }
        if (r.Is("POST", Project + "/datasets/(?<d>[^/:]+):(?<verb>getIamPolicy|setIamPolicy)"))
        {
            r.Call.Operation = "bigquery.datasets." + r["verb"];
            return r.Iam(Name, "v2", $"datasets/{r["d"]}", r["verb"], "bigquery.datasets");
        }
        if (r.Is("POST", Project + "/jobs"))
        {
            r.Enter("bigquery.jobs.insert");
            var job = (JsonObject)r.Call.Json.DeepClone();
            var jobId = job["jobReference"]?["jobId"]?.GetValue<string>() ?? $"job_{r.State.Next()}";
            job["jobReference"] = new JsonObject { ["projectId"] = r["p"], ["jobId"] = jobId, ["location"] = "EU" };
            job["id"] = $"{r["p"]}:EU.{jobId}";
            job["status"] = new JsonObject { ["state"] = "DONE" };
            job["statistics"] = new JsonObject { ["creationTime"] = "1", ["startTime"] = "1", ["endTime"] = "2", ["query"] = new JsonObject { ["statementType"] = "SCRIPT" } };
            r.State.Create(Name, $"jobs/{jobId}", job);
            return ApiAnswer.Ok(job);
        }
        if (r.Is("GET", Project + "/jobs"))
        {
            return r.Enter("bigquery.jobs.list") ?? ApiAnswer.Ok(new JsonObject { ["kind"] = "bigquery#jobList", ["jobs"] = new JsonArray() });
        }
        if (r.Is("GET", Project + "/jobs/(?<j>[^/]+)"))
        {
            return r.Enter("bigquery.jobs.get") ?? (r.State.Get(Name, $"jobs/{r["j"]}") is { } job ? ApiAnswer.Ok(job) : ApiAnswer.NotFound(r["j"]));
        }
        if (r.Is("GET", Project + "/queries/(?<j>[^/]+)"))
        {
            return r.Enter("bigquery.jobs.getQueryResults") ?? ApiAnswer.Ok(new JsonObject
            {
                ["kind"] = "bigquery#getQueryResultsResponse", ["jobComplete"] = true, ["totalRows"] = "0",
                ["jobReference"] = new JsonObject { ["projectId"] = r["p"], ["jobId"] = r["j"], ["location"] = "EU" },
                ["schema"] = new JsonObject { ["fields"] = new JsonArray() }, ["rows"] = new JsonArray(),
            });
        }
        if (r.Is("GET", Project + "/datasets/(?<d>[^/]+)/tables"))
        {
            return r.Enter("bigquery.tables.list") ?? ApiAnswer.Ok(new JsonObject { ["tables"] = new JsonArray() });
        }
        return null;
    }

    /// <summary>Google's answer to a request BigQuery's API description refuses; null for one it takes (or without the SDK).</summary>
    private static ApiAnswer? Judged(ApiCall call)
    {
        var query = string.Join("&", call.Query.Select(q => Uri.EscapeDataString(q.Key) + "=" + Uri.EscapeDataString(q.Value)));
        // The fake serves each API under its name (/bigquery/…); BigQuery's own path starts at its service path.
        var start = call.Path.IndexOf("/bigquery/v2/", StringComparison.Ordinal);
        var path = start < 0 ? call.Path : call.Path[start..];
        var body = Encoding.UTF8.GetBytes(call.RawBody);
        var verdict = BigQueryDiscovery.Sdk?.Check(call.Method, path, query, "application/json", body);
        // bq adds a dataset's IAM methods from its second document.
        if (verdict is { Accepted: false, MethodId: null } && BigQueryDiscovery.SdkIamPolicy is { } iam)
        {
            verdict = iam.Check(call.Method, path.TrimStart('/'), query, "application/json", body);
        }
        return verdict is { Accepted: false } ? new ApiAnswer(verdict.Status, null, verdict.ErrorBody) : null;
    }
}
