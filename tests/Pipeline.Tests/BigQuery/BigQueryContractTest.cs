using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Google.Apis.Auth.OAuth2;
using Pipeline.Functions.BackfillCsv;
using Pipeline.Functions.IngestInteraction;
using Pipeline.Functions.UserContent;
using Pipeline.Hosting.Eventarc;
using Pipeline.Hosting.Events;
using Pipeline.Hosting.Testing;
using Pipeline.Ingestion;
using Pipeline.Tests.Fixtures;
using Pipeline.Warehouse.BigQuery;

namespace Pipeline.Tests.BigQuery;

/// <summary>
/// The functions wired to BigQuery, against a fake BigQuery REST server on loopback: the exact requests they make
/// and how they read the answers.
/// </summary>
public sealed class BigQueryContractTest : IAsyncLifetime
{
    private static readonly DateTimeOffset s_now = new(2024, 5, 14, 9, 21, 7, 512, TimeSpan.Zero);
    private FakeBigQuery _bigQuery = null!;

    public async Task InitializeAsync() => _bigQuery = await FakeBigQuery.StartAsync();

    public async Task DisposeAsync() => await _bigQuery.DisposeAsync();

    private BigQueryOptions Options() => BigQueryOptions.FromConfiguration(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["GOOGLE_CLOUD_PROJECT"] = "proj",
        ["BIGQUERY_DATASET"] = "ds",
        ["BIGQUERY_LOCATION"] = "EU",
        ["BIGQUERY_EMULATOR_HOST"] = _bigQuery.Root.ToString(),
        ["BIGQUERY_RETRY_BUDGET_SECONDS"] = "5",
    }).Build());

    private Task<FunctionTestServer<T>> StartAsync<T>(BigQueryOptions? options = null, Action<IServiceCollection>? more = null) where T : class =>
        FunctionTestServer<T>.StartAsync(services =>
        {
            services.AddSingleton<TimeProvider>(new FixedClock(s_now));
            more?.Invoke(services);
            services.AddPubSubIngestion().AddBigQueryWarehouse(options ?? Options());
        });

    [Fact]
    public async Task IngestInteraction_MakesOneExactInsertAll()
    {
        await using var server = await StartAsync<IngestInteractionFunction>();

        var response = await server.SendAsync(Messages.PubSub("""{"user_id": 6504233704206137123, "content_id": 12345, "read_percent": 92.5, "updated_at": "2022-03-27T01:30:00+05:30"}""", "4711"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var call = Assert.Single(_bigQuery.Requests);
        Assert.Equal(("POST", "/bigquery/v2/projects/proj/datasets/ds/tables/user_interaction/insertAll", "?prettyPrint=false"), (call.Method, call.Path, call.Query));
        Assert.Null(call.Authorization);
        AssertJson("""
            {"rows":[{"insertId":"4711","json":{"event_id":"4711","user_id":"6504233704206137123","content_id":"12345","read_percent":92.5,
              "updated_at":"2022-03-26T20:00:00.000000Z","ingested_at":"2024-05-14T09:21:07.512000Z"}}],
             "skipInvalidRows":false,"ignoreUnknownValues":false}
            """, call.Body);
    }

    [Fact]
    public async Task InsertErrors_StoppedRowsAreResentAndInvalidRowsDeadLettered()
    {
        _bigQuery.Script("POST", "/user_interaction/insertAll", 200, """
            {"insertErrors":[{"index":0,"errors":[{"reason":"stopped","message":""}]},
                             {"index":1,"errors":[{"reason":"invalid","location":"read_percent","message":"Cannot convert value"}]}]}
            """);
        await using var server = await StartAsync<IngestInteractionFunction>();
        var body = """[{"user_id":1,"content_id":2,"read_percent":95,"updated_at":"2022-03-27"},{"user_id":1,"content_id":3,"read_percent":96,"updated_at":"2022-03-27"}]""";

        var response = await server.SendAsync(Messages.PubSub(body, "m"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var inserts = _bigQuery.Calls("POST", "/user_interaction/insertAll");
        Assert.Equal(2, inserts.Count);
        Assert.Equal(["m:0"], inserts[1].Body!["rows"]!.AsArray().Select(r => r!["insertId"]!.GetValue<string>()));
        var deadLetter = Assert.Single(_bigQuery.Calls("POST", "/ingest_errors/insertAll")).Body!["rows"]![0]!;
        Assert.Equal("insertAll:user_interaction:m:1", deadLetter["insertId"]!.GetValue<string>());
        Assert.Equal("user_interaction refused the row: read_percent Cannot convert value", deadLetter["json"]!["error"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(503, """{"error":{"code":503,"message":"unavailable","errors":[{"reason":"backendError"}]}}""", 2)]
    [InlineData(500, "<html>proxy</html>", 2)]
    [InlineData(429, "", 2)]
    [InlineData(403, """{"error":{"code":403,"message":"slow down","errors":[{"reason":"rateLimitExceeded"}]}}""", 2)]
    [InlineData(403, """{"error":{"code":403,"message":"quota","errors":[{"reason":"quotaExceeded"}]}}""", 1)]
    [InlineData(403, """{"error":{"code":403,"message":"no","errors":[{"reason":"accessDenied"}]}}""", 1)]
    [InlineData(400, """{"error":{"code":400,"message":"bad","errors":[{"reason":"invalid"}]}}""", 1)]
    [InlineData(404, """{"error":{"code":404,"message":"Not found: Table proj:ds.user_interaction","errors":[{"reason":"notFound"}]}}""", 1)]
    public async Task Errors_AreRetriedOnlyWhenTransient(int status, string body, int expectedCalls)
    {
        _bigQuery.Script("POST", "/insertAll", status, body);
        await using var server = await StartAsync<IngestInteractionFunction>();

        var response = await server.SendAsync(Messages.PubSub(Messages.SeedInteraction, "r1"));

        Assert.Equal(expectedCalls, _bigQuery.Calls("POST", "/user_interaction/insertAll").Count);
        Assert.Equal(expectedCalls == 2 ? HttpStatusCode.OK : HttpStatusCode.InternalServerError, response.StatusCode);
    }

    [Fact]
    public async Task InsertAll_SendsAtMost500RowsARequest()
    {
        await using var server = await StartAsync<IngestInteractionFunction>();
        var body = "[" + string.Join(",", Enumerable.Range(0, 1200).Select(i => $$"""{"user_id":{{i}},"content_id":2,"read_percent":95,"updated_at":"2022-03-27"}""")) + "]";

        var response = await server.SendAsync(Messages.PubSub(body, "big"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sizes = _bigQuery.Calls("POST", "/user_interaction/insertAll").Select(c => c.Body!["rows"]!.AsArray().Count).ToList();
        Assert.Equal([500, 500, 200], sizes);
        var ids = _bigQuery.Calls("POST", "/user_interaction/insertAll").SelectMany(c => c.Body!["rows"]!.AsArray().Select(r => r!["insertId"]!.GetValue<string>()));
        Assert.Equal(Enumerable.Range(0, 1200).Select(i => $"big:{i}"), ids);
    }

    [Fact]
    public async Task MissingTable_Answers500AndLogsTheDdlToApply()
    {
        _bigQuery.Script("POST", "/insertAll", 404, """{"error":{"code":404,"message":"Not found: Table proj:ds.user_interaction","errors":[{"reason":"notFound"}]}}""");
        var logs = new LogCapture();
        await using var server = await StartAsync<IngestInteractionFunction>(more: services => services.AddSingleton<ILoggerProvider>(logs));

        var response = await server.SendAsync(Messages.PubSub(Messages.SeedInteraction, "nt-1"));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("Not found: Table proj:ds.user_interaction") && e.Message.Contains("deploy/bigquery.sql"));
    }

    [Fact]
    public async Task OutsideEmulatorMode_EveryRequestCarriesABearerToken()
    {
        var options = Options() with { EmulatorRoot = null, ApiRoot = _bigQuery.Root };
        await using var server = await StartAsync<IngestInteractionFunction>(options, services => services.AddSingleton<ITokenAccess>(new StaticToken("t0k3n")));

        await server.SendAsync(Messages.PubSub(Messages.SeedInteraction, "a1"));

        Assert.Equal("Bearer t0k3n", Assert.Single(_bigQuery.Requests).Authorization);
    }

    [Fact]
    public async Task UserContent_SendsOneParameterisedQueryWhoseTextHoldsNoValue()
    {
        _bigQuery.Script("POST", "/queries", 200, """
            {"jobComplete":true,"jobReference":{"projectId":"proj","jobId":"q1","location":"EU"},
             "schema":{"fields":[{"name":"category_name","type":"STRING"},{"name":"reads","type":"INTEGER"}]},
             "rows":[{"f":[{"v":"romance"},{"v":"3"}]},{"f":[{"v":"drama"},{"v":"1"}]}],"totalRows":"2"}
            """);
        await using var server = await StartAsync<UserContentFunction>();
        using var client = server.CreateClient();

        var shares = await client.GetFromJsonAsync<Dictionary<string, double>>("/user_content/?user_id=6504233704206137123&query_date=2022-03-27");

        Assert.Equal(new Dictionary<string, double> { ["romance"] = 0.75, ["drama"] = 0.25 }, shares);
        var call = Assert.Single(_bigQuery.Requests);
        Assert.Equal("/bigquery/v2/projects/proj/queries", call.Path);
        var sql = call.Body!["query"]!.GetValue<string>();
        Assert.DoesNotContain("6504233704206137123", sql);
        Assert.DoesNotContain("2022", sql);
        Assert.Contains("FROM `proj.ds.user_interaction`", sql);
        Assert.Contains("updated_at >= @from_ts AND updated_at < @until_ts", sql);
        Assert.False(call.Body["useLegacySql"]!.GetValue<bool>());
        Assert.Equal("NAMED", call.Body["parameterMode"]!.GetValue<string>());
        Assert.Equal("EU", call.Body["location"]!.GetValue<string>());
        Assert.True(call.Body["formatOptions"]!["useInt64Timestamp"]!.GetValue<bool>());
        Assert.True(Guid.TryParse(call.Body["requestId"]!.GetValue<string>(), out _));
        AssertJson("""
            [{"name":"user_id","parameterType":{"type":"INT64"},"parameterValue":{"value":"6504233704206137123"}},
             {"name":"from_ts","parameterType":{"type":"TIMESTAMP"},"parameterValue":{"value":"2022-03-13 00:00:00.000000+00:00"}},
             {"name":"until_ts","parameterType":{"type":"TIMESTAMP"},"parameterValue":{"value":"2022-03-28 00:00:00.000000+00:00"}},
             {"name":"finished_above","parameterType":{"type":"FLOAT64"},"parameterValue":{"value":"90"}}]
            """, call.Body["queryParameters"]);
    }

    [Fact]
    public async Task Query_PollsUntilCompleteAndReadsEveryPage()
    {
        _bigQuery.Script("POST", "/queries", 200, """{"jobComplete":false,"jobReference":{"projectId":"proj","jobId":"slow","location":"EU"}}""");
        _bigQuery.Script(r => r.Method == "GET" && r.Path.EndsWith("/queries/slow") && !r.Query.Contains("pageToken")
            ? (200, """{"jobComplete":true,"jobReference":{"projectId":"proj","jobId":"slow","location":"EU"},"rows":[{"f":[{"v":"a"},{"v":"1"}]}],"pageToken":"p2","totalRows":"2"}""") : null);
        _bigQuery.Script(r => r.Method == "GET" && r.Query.Contains("pageToken=p2")
            ? (200, """{"jobComplete":true,"jobReference":{"projectId":"proj","jobId":"slow","location":"EU"},"rows":[{"f":[{"v":"b"},{"v":"3"}]}],"totalRows":"2"}""") : null);
        await using var server = await StartAsync<UserContentFunction>();
        using var client = server.CreateClient();

        var shares = await client.GetFromJsonAsync<Dictionary<string, double>>("/user_content/?user_id=1&query_date=2022-03-27");

        Assert.Equal(new Dictionary<string, double> { ["b"] = 0.75, ["a"] = 0.25 }, shares);
        var polls = _bigQuery.Calls("GET", "/queries/slow");
        Assert.Equal(2, polls.Count);
        Assert.All(polls, p => Assert.Contains("location=EU", p.Query));
    }

    [Fact]
    public async Task Backfill_RedeliveredEventReusesTheSameLoadJob()
    {
        _bigQuery.Script("POST", "/jobs", 200, """{"jobReference":{"projectId":"proj","jobId":"x","location":"EU"},"status":{"state":"RUNNING"}}""");
        _bigQuery.Script("POST", "/jobs", 409, """{"error":{"code":409,"message":"Already Exists: Job","errors":[{"reason":"duplicate"}]}}""");
        foreach (var _ in Enumerable.Range(0, 2))
        {
            _bigQuery.Script(r => r.Method == "POST" && r.Path.EndsWith("/queries") && r.Body!["query"]!.GetValue<string>().Contains("CREATE TEMP TABLE checked")
                ? (200, """{"jobComplete":true,"rows":[{"f":[{"v":"loaded"},{"v":"2"},{"v":"0"},{"v":null}]}],"totalRows":"1"}""") : null);
        }
        await using var server = await StartAsync<BackfillCsvFunction>(more: services => services
            .AddSingleton(new BackfillOptions())
            .AddSingleton<IObjectHeaderReader>(new StaticHeader("user_id", "pratilipi_id", "read_percent", "updated_at")));
        var request = EventarcRequest.ForFinalizedObject(
            new StorageObjectData { Bucket = "dumps", Name = "user_interaction/a.csv", Generation = 1587627537231057 }, "dumps/user_interaction/a.csv/1587627537231057");

        var first = await server.SendAsync(request);
        var second = await server.SendAsync(request);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, second.StatusCode));
        var jobs = _bigQuery.Calls("POST", "/bigquery/v2/projects/proj/jobs");
        Assert.Equal(2, jobs.Count);
        var jobId = jobs[0].Body!["jobReference"]!["jobId"]!.GetValue<string>();
        Assert.Equal(jobId, jobs[1].Body!["jobReference"]!["jobId"]!.GetValue<string>());
        Assert.Matches("^backfill_[0-9a-f]{40}$", jobId);
        var load = jobs[0].Body!["configuration"]!["load"]!;
        Assert.Equal("gs://dumps/user_interaction/a.csv", load["sourceUris"]![0]!.GetValue<string>());
        Assert.Equal(1, load["skipLeadingRows"]!.GetValue<int>());
        Assert.True(load["allowQuotedNewlines"]!.GetValue<bool>());
        Assert.Equal(["c0", "c1", "c2", "c3"], load["schema"]!["fields"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()));
        Assert.All(load["schema"]!["fields"]!.AsArray(), f => Assert.Equal("STRING", f!["type"]!.GetValue<string>()));
        Assert.Equal("_backfill_stage_" + jobId["backfill_".Length..], load["destinationTable"]!["tableId"]!.GetValue<string>());
        Assert.Single(_bigQuery.Calls("GET", "/jobs/" + jobId));
        var script = _bigQuery.Calls("POST", "/queries").Last().Body!;
        Assert.DoesNotContain("gs://dumps", script["query"]!.GetValue<string>());
        Assert.Contains(script["queryParameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "event_prefix"
            && p["parameterValue"]!["value"]!.GetValue<string>() == "gs://dumps/user_interaction/a.csv#1587627537231057:");
    }

    [Fact]
    public async Task Backfill_LoadJobFailingTransiently_IsStartedAgainUnderTheNextId()
    {
        _bigQuery.Script(r => r.Method == "GET" && r.Path.Contains("/jobs/backfill_") && !r.Path.Contains("_r1")
            ? (200, """{"jobReference":{"projectId":"proj","jobId":"x","location":"EU"},"status":{"state":"DONE","errorResult":{"reason":"backendError","message":"try again"}}}""") : null);
        _bigQuery.Script(r => r.Method == "POST" && r.Path.EndsWith("/queries") && r.Body!["query"]!.GetValue<string>().Contains("CREATE TEMP TABLE checked")
            ? (200, """{"jobComplete":true,"rows":[{"f":[{"v":"loaded"},{"v":"1"},{"v":"0"},{"v":null}]}],"totalRows":"1"}""") : null);
        await using var server = await StartAsync<BackfillCsvFunction>(more: services => services
            .AddSingleton(new BackfillOptions()).AddSingleton<IObjectHeaderReader>(new StaticHeader("content_id", "category_name")));

        var response = await server.SendAsync(EventarcRequest.ForFinalizedObject(
            new StorageObjectData { Bucket = "dumps", Name = "content_meta/c.csv", Generation = 9 }, "e"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var ids = _bigQuery.Calls("POST", "/projects/proj/jobs").Select(j => j.Body!["jobReference"]!["jobId"]!.GetValue<string>()).ToList();
        Assert.Equal(2, ids.Count);
        Assert.Equal(ids[0] + "_r1", ids[1]);
    }

    [Fact]
    public async Task Backfill_GenerationThatAlreadyFailed_IsSkippedWithoutALoadJob()
    {
        _bigQuery.Script(r => r.Method == "POST" && r.Path.EndsWith("/queries") && r.Body!["query"]!.GetValue<string>().Contains("status IN ('loaded', 'failed')")
            ? (200, """{"jobComplete":true,"rows":[{"f":[{"v":"failed"},{"v":"9"},{"v":"more than 1000 bad rows"}]}],"totalRows":"1"}""") : null);
        await using var server = await StartAsync<BackfillCsvFunction>(more: services => services
            .AddSingleton(new BackfillOptions()).AddSingleton<IObjectHeaderReader>(new StaticHeader("content_id", "category_name")));

        var response = await server.SendAsync(EventarcRequest.ForFinalizedObject(
            new StorageObjectData { Bucket = "dumps", Name = "content_meta/c.csv", Generation = 9 }, "e"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(_bigQuery.Calls("POST", "/projects/proj/jobs"));
        var recorded = _bigQuery.Calls("POST", "/queries").Last().Body!;
        Assert.StartsWith("INSERT INTO `proj.ds.load_log`", recorded["query"]!.GetValue<string>().Trim());
        Assert.Contains(recorded["queryParameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "status" && p["parameterValue"]!["value"]!.GetValue<string>() == "skipped");
    }

    [Theory]
    [InlineData("GOOGLE_CLOUD_PROJECT")]
    [InlineData("BIGQUERY_DATASET")]
    [InlineData("BIGQUERY_LOCATION")]
    public void MissingConfiguration_StopsStartNamingTheVariable(string missing)
    {
        var values = new Dictionary<string, string?> { ["GOOGLE_CLOUD_PROJECT"] = "p", ["BIGQUERY_DATASET"] = "d", ["BIGQUERY_LOCATION"] = "EU" };
        values.Remove(missing);

        var error = Assert.Throws<InvalidOperationException>(() => BigQueryOptions.FromConfiguration(new ConfigurationBuilder().AddInMemoryCollection(values).Build()));

        Assert.StartsWith(missing + " is not set", error.Message);
    }

    [Fact]
    public void FullTableIds_PointAtExistingTables()
    {
        var options = BigQueryOptions.FromConfiguration(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["GOOGLE_CLOUD_PROJECT"] = "p", ["BIGQUERY_DATASET"] = "d", ["BIGQUERY_LOCATION"] = "US",
            ["BIGQUERY_TABLE_USER_INTERACTION"] = "pratilipi-de-assignment.user_interaction.user_interaction_partitioned",
            ["BIGQUERY_TABLE_CONTENT_META"] = "pratilipi-de-assignment.content_data.content_meta",
        }).Build());

        Assert.Equal("`pratilipi-de-assignment.user_interaction.user_interaction_partitioned`", BigQueryOptions.Sql(options.Interactions));
        Assert.Equal("`pratilipi-de-assignment.content_data.content_meta`", BigQueryOptions.Sql(options.ContentMeta));
        Assert.Equal("`p.d.ingest_errors`", BigQueryOptions.Sql(options.IngestErrors));
    }

    [Fact]
    public void TableIdWithSqlInIt_IsRefused()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["GOOGLE_CLOUD_PROJECT"] = "p", ["BIGQUERY_DATASET"] = "d", ["BIGQUERY_LOCATION"] = "US",
            ["BIGQUERY_TABLE_CONTENT_META"] = "p.d.t` WHERE 1=1; DROP TABLE x; --",
        }).Build();

        Assert.Throws<InvalidOperationException>(() => BigQueryOptions.FromConfiguration(configuration));
    }

    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {JsonNode.Parse(expected)!.ToJsonString()}\n  actual {actual?.ToJsonString()}");

    private sealed class StaticToken(string token) : ITokenAccess
    {
        public Task<string> GetAccessTokenForRequestAsync(string? authUri = null, CancellationToken cancellationToken = default) => Task.FromResult(token);
    }

    private sealed class StaticHeader(params string[] columns) : IObjectHeaderReader
    {
        public Task<IReadOnlyList<string>> ReadHeaderAsync(string bucket, string objectName, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<string>>(columns);
    }
}
