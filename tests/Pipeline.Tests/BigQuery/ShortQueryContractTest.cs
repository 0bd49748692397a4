using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Pipeline.Domain.Backfill;
using Pipeline.EventarcRequests;
using Pipeline.Events.Protobuf.Cloud.Storage.V1;
using Pipeline.Functions.BackfillCsv;
using Pipeline.Functions.UserContent;
using Pipeline.Tests.Fixtures;
using Pipeline.Warehouse.BigQuery;
using Pipeline.Warehouse.BigQuery.Rest;

namespace Pipeline.Tests.BigQuery;

/// <summary>
/// UserContent in BigQuery's short-query mode (<c>jobs.query</c> with <c>jobCreationMode: JOB_CREATION_OPTIONAL</c>)
/// against the recording fake, which answers as the documented API does: without a job (a <c>queryId</c>, rows
/// inline) when the result is short, else with a job created anyway, polled and paged with getQueryResults.
/// </summary>
public sealed class ShortQueryContractTest : IAsyncLifetime
{
    private const string Fields = """[{"name":"category_name","type":"STRING","mode":"NULLABLE"},{"name":"reads","type":"INTEGER","mode":"NULLABLE"}]""";
    private const string Romance3Drama1 = """[{"f":[{"v":"romance"},{"v":"3"}]},{"f":[{"v":"drama"},{"v":"1"}]}]""";
    private const string Horror4 = """[{"f":[{"v":"horror"},{"v":"4"}]}]""";
    private FakeBigQuery _bigQuery = null!;

    public async Task InitializeAsync() => _bigQuery = await FakeBigQuery.StartAsync();

    public async Task DisposeAsync() => await _bigQuery.DisposeAsync();

    [Fact]
    public async Task ShortQueryAnsweredWithoutAJob_ReadsTheRowsInlineAndNeverPolls()
    {
        _bigQuery.ScriptQuery(new QueryScript(Fields, [Romance3Drama1]));

        var shares = await UserContentAsync();

        Assert.Equal(new Dictionary<string, double> { ["romance"] = 0.75, ["drama"] = 0.25 }, shares);
        var call = Assert.Single(_bigQuery.Requests);
        Assert.Equal(("POST", "/bigquery/v2/projects/proj/queries"), (call.Method, call.Path));
        Assert.Equal("JOB_CREATION_OPTIONAL", call.Body!["jobCreationMode"]?.GetValue<string>());
        Assert.True(Guid.TryParse(call.Body["requestId"]!.GetValue<string>(), out _));
        Assert.Equal(BigQueryRestClient.ServerWaitMs, call.Body["timeoutMs"]!.GetValue<int>());
        Assert.Single(_bigQuery.JoblessQueries);
        Assert.Empty(_bigQuery.QueryJobs);
    }

    [Theory]
    [InlineData(1, 2, null, "LONG_RUNNING", 3)]   // still running after timeoutMs: poll once, then page twice
    [InlineData(0, 2, null, "LARGE_RESULTS", 1)]  // done, but more than one answer holds: page once more
    [InlineData(0, 1, "OTHER", "OTHER", 0)]       // BigQuery chose a job, complete in the first answer
    public async Task BigQueryCreatesAJobAnyway_ItIsPolledAndPagedToTheLastRow(int runningPolls, int pages, string? forced, string reason, int getCalls)
    {
        _bigQuery.ScriptQuery(new QueryScript(Fields, pages == 2 ? [Romance3Drama1, Horror4] : [Romance3Drama1], runningPolls, forced));

        var shares = await UserContentAsync();

        Assert.Equal(pages == 2
            ? new Dictionary<string, double> { ["romance"] = 3 / 8.0, ["drama"] = 1 / 8.0, ["horror"] = 4 / 8.0 }
            : new Dictionary<string, double> { ["romance"] = 0.75, ["drama"] = 0.25 }, shares);
        var post = Assert.Single(_bigQuery.Requests, r => r.Method == "POST");
        Assert.Equal("JOB_CREATION_OPTIONAL", post.Body!["jobCreationMode"]?.GetValue<string>());
        var (jobId, created) = Assert.Single(_bigQuery.QueryJobs);
        Assert.Equal(reason, created);
        Assert.Empty(_bigQuery.JoblessQueries);
        var polls = _bigQuery.Calls("GET", $"/queries/{jobId}");
        Assert.Equal(getCalls, polls.Count);
        Assert.All(polls, p => Assert.Contains("location=EU", p.Query));
        if (pages == 2)
        {
            Assert.Contains("pageToken=page-1", polls[^1].Query);
            Assert.All(polls.Take(polls.Count - 1), p => Assert.DoesNotContain("pageToken", p.Query));
        }
    }

    [Theory]
    [InlineData("""{"jobComplete":false,"queryId":"q-lost","location":"EU"}""", "is not complete")]
    [InlineData("""{"jobComplete":true,"queryId":"q-lost","schema":{"fields":[]},"rows":[],"pageToken":"more"}""", "names a next page")]
    public async Task AnswerWithoutAJobThatIsNotTheWholeResult_FailsNamingTheQueryInsteadOfPolling(string answer, string what)
    {
        // Not an answer the documented API gives (a job-less answer is complete and whole): the client must not hang,
        // poll a job it has not got, or dereference one.
        _bigQuery.Script("POST", "/queries", 200, answer);
        var options = BigQueryFunctions.Options(_bigQuery);
        await using var services = new ServiceCollection().AddLogging().AddBigQueryWarehouse(options).BuildServiceProvider();
        var client = services.GetRequiredService<BigQueryRestClient>();

        var error = await Assert.ThrowsAsync<BigQueryException>(() =>
            client.QueryAsync("proj", options.ShortQuery("SELECT 1", []), default).WaitAsync(TimeSpan.FromSeconds(20)));

        Assert.Contains("q-lost", error.Message);
        Assert.Contains("without a job", error.Message);
        Assert.Contains(what, error.Message);
        Assert.Single(_bigQuery.Requests);
    }

    [Fact]
    public async Task ShortQueryRetriedAfterABackendError_SendsTheSameRequestIdAndMode()
    {
        _bigQuery.Script("POST", "/queries", 503, """{"error":{"code":503,"message":"unavailable","errors":[{"reason":"backendError"}]}}""");
        _bigQuery.ScriptQuery(new QueryScript(Fields, [Romance3Drama1]));

        var shares = await UserContentAsync();

        Assert.Equal(new Dictionary<string, double> { ["romance"] = 0.75, ["drama"] = 0.25 }, shares);
        var posts = _bigQuery.Calls("POST", "/queries");
        Assert.Equal(2, posts.Count);
        Assert.Single(posts.Select(p => p.Body!["requestId"]!.GetValue<string>()).Distinct());
        Assert.All(posts, p => Assert.Equal("JOB_CREATION_OPTIONAL", p.Body!["jobCreationMode"]?.GetValue<string>()));
    }

    [Fact]
    public async Task GetQueryResultsOnAJoblessQuery_IsRefusedByTheFake_AsThereIsNoJob()
    {
        // The fake itself keeps to the contract: a queryId is not a job id; with the default mode there is a job.
        using var http = new HttpClient { BaseAddress = _bigQuery.Root };
        async Task<JsonNode> QueryAsync(string? mode) => JsonNode.Parse(await (await http.PostAsync("bigquery/v2/projects/proj/queries",
            new StringContent(new JsonObject { ["query"] = "SELECT 1", ["useLegacySql"] = false, ["location"] = "EU", ["jobCreationMode"] = mode }.ToJsonString(),
                Encoding.UTF8, "application/json"))).Content.ReadAsStringAsync())!;
        _bigQuery.ScriptQuery(new QueryScript(Fields, [Romance3Drama1]));
        _bigQuery.ScriptQuery(new QueryScript(Fields, [Romance3Drama1]));

        var jobless = await QueryAsync("JOB_CREATION_OPTIONAL");
        var required = await QueryAsync(null);
        using var refused = await http.GetAsync($"bigquery/v2/projects/proj/queries/{jobless["queryId"]}?location=EU");
        using var read = await http.GetAsync($"bigquery/v2/projects/proj/queries/{required["jobReference"]!["jobId"]}?location=EU");

        Assert.Null(jobless["jobReference"]);
        Assert.Null(jobless["jobCreationReason"]);
        Assert.True(jobless["jobComplete"]!.GetValue<bool>());
        Assert.Equal(2, jobless["rows"]!.AsArray().Count);
        Assert.Null(required["queryId"]);
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        var refusal = await refused.Content.ReadAsStringAsync();
        Assert.Contains("notFound", refusal);
        Assert.Contains("answered without a job", refusal);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    [Fact]
    public async Task BackfillQueries_KeepCreatingJobs()
    {
        var objects = new MemoryObjects();
        objects.Put("gs://dumps/user_interaction/a.csv", 7, Encoding.UTF8.GetBytes("user_id,content_id,read_percent,updated_at\n1,2,95,2022-03-27\n"));
        await using var server = await BigQueryFunctions.StartAsync<BackfillCsvFunction>(BigQueryFunctions.Options(_bigQuery),
            services => services.AddSingleton(new BackfillOptions()).AddSingleton<IObjectSource>(objects));

        var response = await server.SendAsync(EventarcRequest.ForFinalizedObject(
            new StorageObjectData { Bucket = "dumps", Name = "user_interaction/a.csv", Generation = 7 }, "dumps/user_interaction/a.csv/7"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var queries = _bigQuery.Calls("POST", "/queries");
        Assert.NotEmpty(queries);
        Assert.All(queries, q => Assert.Null(q.Body!["jobCreationMode"]));
    }

    private async Task<Dictionary<string, double>?> UserContentAsync()
    {
        await using var server = await BigQueryFunctions.StartAsync<UserContentFunction>(BigQueryFunctions.Options(_bigQuery));
        using var client = server.CreateClient();
        return await client.GetFromJsonAsync<Dictionary<string, double>>("/user_content/?user_id=7&query_date=2022-03-27");
    }
}
