using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Google.Apis.Auth.OAuth2;
using Microsoft.Extensions.Logging.Testing;
using Pipeline.Domain.Backfill;
using Pipeline.EventarcRequests;
using Pipeline.Events.Protobuf.Cloud.PubSub.V1;
using Pipeline.Events.Protobuf.Cloud.Storage.V1;
using Pipeline.Functions.BackfillCsv;
using Pipeline.Functions.IngestInteraction;
using Pipeline.Functions.Testing;
using Pipeline.Functions.UserContent;
using Pipeline.Tests.Fixtures;
using Pipeline.Warehouse.BigQuery;

namespace Pipeline.Tests.BigQuery;

/// <summary>
/// The functions wired to BigQuery, against a fake BigQuery REST server on loopback: the exact requests they make
/// and how they read the answers.
/// </summary>
public sealed class BigQueryContractTest : IAsyncLifetime
{
    private FakeBigQuery _bigQuery = null!;

    public async Task InitializeAsync() => _bigQuery = await FakeBigQuery.StartAsync();

    public async Task DisposeAsync() => await _bigQuery.DisposeAsync();

    // Upload chunks of 256 KiB, so that a gzip staging file of a few hundred KB is sent in several.
    private BigQueryOptions Options() => BigQueryFunctions.Options(_bigQuery) with { UploadChunkBytes = 256 * 1024 };

    private Task<FunctionTestServer<T>> StartAsync<T>(BigQueryOptions? options = null, Action<IServiceCollection>? more = null) where T : class =>
        BigQueryFunctions.StartAsync<T>(options ?? Options(), more);

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
        Assert.Equal(["m:0"], inserts[1].InsertedRows.Select(r => r.InsertId));
        var deadLetter = Assert.Single(_bigQuery.Calls("POST", "/ingest_errors/insertAll")).InsertedRows[0];
        Assert.Equal("insertAll:user_interaction:m:1", deadLetter.InsertId);
        Assert.Equal("user_interaction refused the row: read_percent Cannot convert value", deadLetter.String("error"));
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
        var sizes = _bigQuery.Calls("POST", "/user_interaction/insertAll").Select(c => c.InsertedRows.Count).ToList();
        Assert.Equal([500, 500, 200], sizes);
        var ids = _bigQuery.Calls("POST", "/user_interaction/insertAll").SelectMany(c => c.InsertedRows.Select(r => r.InsertId));
        Assert.Equal(Enumerable.Range(0, 1200).Select(i => $"big:{i}"), ids);
    }

    [Fact]
    public async Task MissingTable_Answers500AndLogsTheDdlToApply()
    {
        _bigQuery.Script("POST", "/insertAll", 404, """{"error":{"code":404,"message":"Not found: Table proj:ds.user_interaction","errors":[{"reason":"notFound"}]}}""");
        using var logs = new FakeLoggerProvider();
        await using var server = await StartAsync<IngestInteractionFunction>(more: services => services.AddSingleton<ILoggerProvider>(logs));

        var response = await server.SendAsync(Messages.PubSub(Messages.SeedInteraction, "nt-1"));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains(logs.Collector.GetSnapshot(), e => e.Level == LogLevel.Error
            && $"{e.Message} {e.Exception}" is var text && text.Contains("Not found: Table proj:ds.user_interaction") && text.Contains("deploy/bigquery.sql"));
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
        var sql = call.Sql!;
        Assert.DoesNotContain("6504233704206137123", sql);
        Assert.DoesNotContain("2022", sql);
        Assert.Contains("FROM `proj.ds.user_interaction`", sql);
        Assert.Contains("updated_at >= @from_ts AND updated_at < @until_ts", sql);
        Assert.False(call.Body!["useLegacySql"]!.GetValue<bool>());
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

    private const string Dump = "gs://dumps/user_interaction/a.csv";
    private const long Generation = 1587627537231057;

    private async Task<FunctionTestServer<BackfillCsvFunction>> BackfillServerAsync(IObjectSource objects) =>
        await StartAsync<BackfillCsvFunction>(more: services => services.AddSingleton(new BackfillOptions()).AddSingleton<IObjectSource>(objects));

    private static EventarcRequest Finalized(string name = "user_interaction/a.csv", long generation = Generation) =>
        EventarcRequest.ForFinalizedObject(new StorageObjectData { Bucket = "dumps", Name = name, Generation = generation }, $"dumps/{name}/{generation}");

    private static MemoryObjects Objects(string csv, string uri = Dump, long generation = Generation)
    {
        var objects = new MemoryObjects();
        objects.Put(uri, generation, System.Text.Encoding.UTF8.GetBytes(csv));
        return objects;
    }

    private string CommitScript() => CommitJob().Sql!;

    private RecordedRequest CommitJob() => Assert.Single(_bigQuery.Calls("POST", "/bigquery/v2/projects/proj/jobs"),
        j => j.JobId!.Contains("_commit"));

    [Fact]
    public async Task Backfill_UploadsOnlyValidatedRowsKeyedByLine_ThenCommitsThemInOneTransaction()
    {
        var objects = Objects("Pratilipi_ID, extra ,USER_ID,read_percent,updated_at\r\n12,x,7,95.5,2022-03-27\r\n13,y,7,250,2022-03-27\r\n\"14\",z,6504233704206137123,91,2022-03-27T10:00:00Z\r\n");
        await using var server = await BackfillServerAsync(objects);

        var response = await server.SendAsync(Finalized());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upload = Assert.Single(_bigQuery.Calls("POST", "/upload/bigquery/v2/projects/proj/jobs"));
        var load = upload.Body!["configuration"]!["load"]!;
        Assert.Equal(("CSV", ",", true, 0), (load["sourceFormat"]!.GetValue<string>(), load["fieldDelimiter"]!.GetValue<string>(),
            load["allowQuotedNewlines"]!.GetValue<bool>(), load["skipLeadingRows"]!.GetValue<int>()));
        Assert.Equal(["line", "user_id", "content_id", "read_percent", "updated_at", "payload", "error"],
            load["schema"]!["fields"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()));
        Assert.Equal("INT64", load["schema"]!["fields"]![4]!["type"]!.GetValue<string>());
        var loadJobId = upload.JobId!;
        Assert.Matches("^backfill_[0-9a-f]{40}_load0$", loadJobId);
        Assert.Equal([0x1f, 0x8b], _bigQuery.UploadedBytes[loadJobId][..2]);
        Assert.Equal("""
            2,7,12,95.5,1648339200000000,,
            4,6504233704206137123,14,91,1648375200000000,,
            3,,,,,"13,y,7,250,2022-03-27","line 3: read_percent: must be between 0 and 100, got '250'"

            """.ReplaceLineEndings("\n"), _bigQuery.Uploaded[loadJobId]);
        Assert.DoesNotContain("gs://", _bigQuery.Uploaded[loadJobId]);
        Assert.Equal($"{Dump}#{Generation}:", CommitJob().Parameter("event_id_prefix"));
        Assert.Contains("CONCAT(@event_id_prefix, CAST(line AS STRING))", CommitScript());
        var script = CommitScript();
        // The claim row exists, then BEGIN, the claim, the basis check, and the rows, in this order.
        Assert.StartsWith("INSERT INTO `proj.ds.backfill_lock`", script);
        var order = new[] { "BEGIN TRANSACTION;", "UPDATE `proj.ds.backfill_lock` SET claims = claims + 1 WHERE target = @target", "backfill-basis-changed", "WHERE error IS NULL", "COMMIT TRANSACTION;" }
            .Select(s => script.IndexOf(s, StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(-1, order);
        Assert.Equal(order.Order(), order);
        Assert.DoesNotContain("DELETE", script);
        Assert.Contains("FROM `proj.ds._backfill_stage_" + loadJobId["backfill_".Length..^"_load0".Length] + "_0` WHERE error IS NULL", script);
        Assert.DoesNotContain("gs://dumps", script);
        Assert.Equal(("2", "1", "loaded"), (CommitJob().Parameter("rows_loaded"), CommitJob().Parameter("rows_rejected"), CommitJob().Parameter("status")));
    }

    [Fact]
    public async Task Backfill_LargeObject_IsUploadedInChunksOfWhole256KiBUnits()
    {
        await using var server = await BackfillServerAsync(Objects(LargeDump(90_000)));

        var response = await server.SendAsync(Finalized());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var puts = _bigQuery.Requests.Where(r => r.Method == "PUT").ToList();
        Assert.True(puts.Count >= 2, $"{puts.Count} PUTs");
        Assert.All(puts[..^1], p => Assert.Matches(@"^bytes \d+-\d+/\*$", p.ContentRange));
        Assert.All(puts[..^1], p => Assert.Equal(0, p.Length % (256 * 1024)));
        var total = puts.Sum(p => p.Length);
        Assert.EndsWith($"/{total}", puts[^1].ContentRange);
        Assert.Equal(90_000, _bigQuery.Uploaded.Single().Value.Count(c => c == '\n'));
    }

    /// <summary>A dump whose staging gzip is about 1.5 MB for 90,000 rows: values vary as real ones do (a fixed seed).</summary>
    private static string LargeDump(int rows)
    {
        var random = new Random(19);
        var csv = new System.Text.StringBuilder("user_id,content_id,read_percent,updated_at\n");
        for (var i = 0; i < rows; i++)
        {
            csv.Append(random.Next(2_000_000)).Append(',').Append(random.Next(5_000_000)).Append(',').Append(random.Next(101))
                .Append(",2022-03-").Append(10 + random.Next(18)).Append(' ').Append(10 + random.Next(14)).Append(':').Append(10 + random.Next(50)).Append(":00\n");
        }
        return csv.ToString();
    }

    [Fact]
    public async Task Backfill_RedeliveredWhileTheFirstDeliveryStillUploads_LoadsOnceAndBothAnswer200()
    {
        // Pub/Sub gives up on a push after its 600 s ack deadline and delivers the event again, maybe to another
        // instance, while the first delivery still works. Here the first is paused halfway through the object; the
        // redelivery (another process) loads it whole; then the first goes on: its upload's completion finds the load
        // job (the same deterministic id) taken, so it waits for that job, and its commit finds the commit job done.
        var csv = System.Text.Encoding.UTF8.GetBytes(LargeDump(90_000));
        var paused = new PausedObject(csv, pauseAt: csv.Length / 2);
        await using var first = await BackfillServerAsync(paused);
        await using var second = await BackfillServerAsync(Objects(LargeDump(90_000)));

        var firstDelivery = first.SendAsync(Finalized());
        await paused.Reached.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var redelivery = await second.SendAsync(Finalized());
        paused.Resume();
        var firstAnswer = await firstDelivery;

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (firstAnswer.StatusCode, redelivery.StatusCode));
        var loadJob = Assert.Single(_bigQuery.Uploaded.Keys);
        Assert.EndsWith("_load0", loadJob);
        Assert.Equal(90_000, _bigQuery.Uploaded[loadJob].Count(c => c == '\n'));
        Assert.EndsWith("_commit0", CommitJob().JobId);
        Assert.DoesNotContain(_bigQuery.Requests, r => r.JobId?.EndsWith("1", StringComparison.Ordinal) == true);
    }

    /// <summary>One object whose read stops at <c>pauseAt</c> bytes until <see cref="Resume"/>: a delivery still working.</summary>
    private sealed class PausedObject(byte[] bytes, int pauseAt) : IObjectSource
    {
        private readonly ManualResetEventSlim _resume = new();

        public byte[] Bytes => bytes;

        public int PauseAt => pauseAt;

        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Resume() => _resume.Set();

        public Task<Stream> OpenReadAsync(CsvLoad load, CancellationToken cancellationToken) => Task.FromResult<Stream>(new Reader(this));

        private sealed class Reader(PausedObject source) : MemoryStream(source.Bytes, writable: false)
        {
            public override int Read(byte[] buffer, int offset, int count)
            {
                if (Position >= source.PauseAt && !source._resume.IsSet)
                {
                    source.Reached.TrySetResult();
                    source._resume.Wait(TimeSpan.FromSeconds(60));
                }
                var limit = Position < source.PauseAt ? (int)Math.Min(count, source.PauseAt - Position) : count;
                return base.Read(buffer, offset, limit);
            }

            public override int Read(Span<byte> buffer)
            {
                var bytes = new byte[buffer.Length];
                var read = Read(bytes, 0, bytes.Length);
                bytes.AsSpan(0, read).CopyTo(buffer);
                return read;
            }

            public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
                Task.FromResult(Read(buffer, offset, count));

            public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
                ValueTask.FromResult(Read(buffer.Span));
        }
    }

    [Fact]
    public async Task Backfill_ServerKeepingLessThanAChunk_IsResumedFromTheRangeItAnswers()
    {
        _bigQuery.PersistOnly(r => r.ContentRange?.StartsWith("bytes 0-", StringComparison.Ordinal) == true ? 100_000 : null);
        await using var server = await BackfillServerAsync(Objects(LargeDump(90_000)));

        var response = await server.SendAsync(Finalized());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = _bigQuery.Uploaded.Single().Value.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Enumerable.Range(2, 90_000).Select(line => $"{line}"), lines.Select(l => l[..l.IndexOf(',')]));
        Assert.Contains(_bigQuery.Requests, r => r.ContentRange?.StartsWith($"bytes {100_000}-", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task Backfill_ServerTakingNothing_FailsTheDeliveryInsteadOfLooping()
    {
        foreach (var _ in Enumerable.Range(0, 20))
        {
            _bigQuery.PersistOnly(_ => 0);
        }
        await using var server = await BackfillServerAsync(Objects(LargeDump(90_000)));

        var response = await server.SendAsync(Finalized());

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.InRange(_bigQuery.Requests.Count(r => r.Method == "PUT"), 2, 10);
    }

    [Fact]
    public async Task Backfill_ChunkFailingHalfway_AsksWhereTheUploadStandsAndResumes()
    {
        _bigQuery.FailUploadChunk(r => r.ContentRange?.StartsWith("bytes 0-", StringComparison.Ordinal) == true ? 70_000 : null);
        await using var server = await BackfillServerAsync(Objects(LargeDump(90_000)));

        var response = await server.SendAsync(Finalized());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(_bigQuery.Requests, r => r is { Method: "PUT", ContentRange: "bytes */*" });
        Assert.Equal(90_000, _bigQuery.Uploaded.Single().Value.Count(c => c == '\n'));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Backfill_RedeliveredAfterTheLoadJobSucceeded_UsesItsStagingUnlessItExpired(bool stagingExists)
    {
        _bigQuery.Script(r => r.Method == "POST" && r.Path == "/bigquery/v2/projects/proj/jobs" && r.JobId!.EndsWith("_commit0")
            ? (400, """{"error":{"code":400,"message":"bad","errors":[{"reason":"invalid"}]}}""") : null);
        if (stagingExists)
        {
            _bigQuery.Script(r => r.Method == "GET" && r.Path.Contains("/tables/_backfill_stage_") && r.Path.EndsWith("_0")
                ? (200, """{"tableReference":{"projectId":"proj","datasetId":"ds","tableId":"t"},"numRows":"1"}""") : null);
        }
        await using var server = await BackfillServerAsync(Objects("user_id,content_id,read_percent,updated_at\n1,2,95,2022-03-27\n"));

        var first = await server.SendAsync(Finalized());
        var second = await server.SendAsync(Finalized());

        Assert.Equal((HttpStatusCode.InternalServerError, HttpStatusCode.OK), (first.StatusCode, second.StatusCode));
        var uploads = _bigQuery.Calls("POST", "/upload/bigquery/v2/projects/proj/jobs").Select(u => u.JobId!).ToList();
        Assert.Equal(stagingExists ? 1 : 2, uploads.Count);
        Assert.EndsWith(stagingExists ? "_load0" : "_load1", uploads[^1]);
        var commits = _bigQuery.Requests.Where(r => r is { Method: "POST", Path: "/bigquery/v2/projects/proj/jobs" }).ToList();
        Assert.Equal(2, commits.Count);
        Assert.All(commits, c => Assert.EndsWith("_commit0", c.JobId!));
        Assert.Contains(stagingExists ? "_0` WHERE error IS NULL" : "_1` WHERE error IS NULL", commits[^1].Sql!);
    }

    [Fact]
    public async Task Backfill_LoadJobThatFailed_IsStartedAgainUnderTheNextAttempt()
    {
        _bigQuery.FailJobs(id => id.EndsWith("_load0"), "backendError", "try again");
        await using var server = await BackfillServerAsync(Objects("content_id,category_name\n12,romance\n", "gs://dumps/content_meta/c.csv", 9));

        var first = await server.SendAsync(Finalized("content_meta/c.csv", 9));
        var second = await server.SendAsync(Finalized("content_meta/c.csv", 9));

        Assert.Equal((HttpStatusCode.InternalServerError, HttpStatusCode.OK), (first.StatusCode, second.StatusCode));
        var uploads = _bigQuery.Calls("POST", "/upload/bigquery/v2/projects/proj/jobs").Select(u => u.JobId!).ToList();
        Assert.Equal(2, uploads.Count);
        Assert.EndsWith("_load1", uploads[1]);
        Assert.Contains("_1` WHERE error IS NULL", CommitScript());
    }

    [Fact]
    public async Task Backfill_EveryLoadAttemptFailing_RecordsTheGenerationFailedInsteadOfRetryingForever()
    {
        _bigQuery.FailJobs(id => id.Contains("_load"), "invalid", "Error while reading data");
        await using var server = await BackfillServerAsync(Objects("user_id,content_id,read_percent,updated_at\n1,2,95,2022-03-27\n"));

        var answers = new List<HttpStatusCode>();
        for (var delivery = 0; delivery <= BigQueryBackfill.MaxJobAttempts; delivery++)
        {
            answers.Add((await server.SendAsync(Finalized())).StatusCode);
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.InternalServerError, BigQueryBackfill.MaxJobAttempts), HttpStatusCode.OK], answers);
        var recorded = _bigQuery.Calls("POST", "/queries").Last();
        Assert.StartsWith("INSERT INTO `proj.ds.load_log`", recorded.Sql!.Trim());
        Assert.Equal("failed", recorded.Parameter("status"));
        Assert.Contains("gave up after 10 failed load jobs", recorded.Parameter("error"));
    }

    [Fact]
    public async Task Backfill_GenerationThatAlreadyFailed_IsSkippedWithoutAJob()
    {
        _bigQuery.Script(r => r.Method == "POST" && r.Path.EndsWith("/queries") && r.Sql!.Contains("WHERE object = @object AND target = @target")
            ? (200, """{"jobComplete":true,"rows":[{"f":[{"v":"gs://dumps/content_meta/c.csv"},{"v":"9"},{"v":"content_meta"},{"v":"failed"},{"v":"0"},{"v":"1001"},{"v":"more than 1000 bad rows"},{"v":"1700000000000000"},{"v":"1700000000000000"}]}],"totalRows":"1"}""") : null);
        await using var server = await BackfillServerAsync(Objects("content_id,category_name\n12,romance\n", "gs://dumps/content_meta/c.csv", 9));

        var response = await server.SendAsync(Finalized("content_meta/c.csv", 9));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(_bigQuery.Calls("POST", "/projects/proj/jobs"));
        var recorded = _bigQuery.Calls("POST", "/queries").Last();
        Assert.StartsWith("INSERT INTO `proj.ds.load_log`", recorded.Sql!.Trim());
        Assert.Contains(recorded.Body!["queryParameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "status" && p["parameterValue"]!["value"]!.GetValue<string>() == "skipped");
    }

    [Fact]
    public async Task Backfill_NewerGeneration_DeletesTheOlderGenerationsRowsInTheSameTransaction()
    {
        _bigQuery.Script(r => r.Method == "POST" && r.Path.EndsWith("/queries") && r.Sql!.Contains("WHERE object = @object AND target = @target")
            ? (200, $$"""{"jobComplete":true,"rows":[{"f":[{"v":"{{Dump}}"},{"v":"5"},{"v":"user_interaction"},{"v":"loaded"},{"v":"1"},{"v":"0"},{"v":null},{"v":"1700000000000000"},{"v":"1700000000000000"}]}],"totalRows":"1"}""") : null);
        await using var server = await BackfillServerAsync(Objects("user_id,content_id,read_percent,updated_at\n1,2,95,2022-03-27\n"));

        var response = await server.SendAsync(Finalized());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var script = CommitScript();
        Assert.True(script.IndexOf("DELETE FROM `proj.ds.user_interaction`", StringComparison.Ordinal) is var delete && delete > 0
            && delete < script.IndexOf("INSERT INTO `proj.ds.user_interaction`", StringComparison.Ordinal), script);
        Assert.Equal(Dump + "#", CommitJob().Parameter("object_prefix"));
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

        Assert.Contains("not set: " + missing + ".", error.Message);
    }

    [Fact]
    public void NoConfiguration_NamesEveryMissingVariableInOneLine()
    {
        var error = Assert.Throws<InvalidOperationException>(() => BigQueryOptions.FromConfiguration(new ConfigurationBuilder().Build()));

        Assert.Contains("not set: GOOGLE_CLOUD_PROJECT, BIGQUERY_DATASET, BIGQUERY_LOCATION.", error.Message);
        Assert.DoesNotContain('\n', error.Message);
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
}
