using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Pipeline.Domain.Query;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.GoogleSql;

/// <summary>
/// The stateful FakeBigQuery (ZetaSQL mode), driven over HTTP with plain requests shaped as the product sends them:
/// its tables change and its SQL runs as GoogleSQL's reference engine says.
/// </summary>
[Collection(ZetaSqlCollection.Name)]
public sealed class ZetaSqlBigQueryTest(ZetaSqlEngine engine) : IAsyncLifetime
{
    private const string Api = "bigquery/v2/projects/proj/";
    private const int Quantum = 256 * 1024;
    private static readonly DateTime s_day = new(2022, 3, 20, 0, 0, 0, DateTimeKind.Utc);
    private FakeBigQuery _fake = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeBigQuery.StartAsync(engine, "proj", "ds");
        _http = new HttpClient { BaseAddress = _fake.Root };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task InsertAllThenParameterisedQuery_ReturnsTheRows()
    {
        var (inserted, insertAnswer) = await PostAsync("datasets/ds/tables/user_interaction/insertAll", """
            {"rows":[
              {"insertId":"e1","json":{"event_id":"e1","user_id":"6504233704206137123","content_id":"12","read_percent":92.5,
                "updated_at":"2022-03-26T20:00:00.000000Z","ingested_at":"2022-03-27T00:00:00.000000Z"}},
              {"insertId":"e2","json":{"event_id":"e2","user_id":"6504233704206137123","content_id":13,"read_percent":"40",
                "updated_at":"2022-03-12 23:59:59.999999+00:00","ingested_at":"2022-03-27 00:00:00 UTC"}},
              {"insertId":"e3","json":{"event_id":"e3","user_id":"8","content_id":"12","read_percent":99,
                "updated_at":"2022-03-26T20:00:00Z","ingested_at":"2022-03-27T00:00:00Z"}}],
             "skipInvalidRows":false,"ignoreUnknownValues":false}
            """);

        var (status, answer) = await PostAsync("queries", """
            {"query":"SELECT event_id, content_id, read_percent, updated_at, read_percent > @above AS finished FROM `proj.ds.user_interaction` WHERE user_id = @user_id AND updated_at >= @from_ts ORDER BY event_id",
             "useLegacySql":false,"parameterMode":"NAMED","location":"EU","formatOptions":{"useInt64Timestamp":true},
             "queryParameters":[
               {"name":"user_id","parameterType":{"type":"INT64"},"parameterValue":{"value":"6504233704206137123"}},
               {"name":"from_ts","parameterType":{"type":"TIMESTAMP"},"parameterValue":{"value":"2022-03-13 00:00:00.000000+00:00"}},
               {"name":"above","parameterType":{"type":"FLOAT64"},"parameterValue":{"value":"90"}}]}
            """);

        Assert.Equal(HttpStatusCode.OK, inserted);
        Assert.Null(insertAnswer["insertErrors"]);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(answer["jobComplete"]!.GetValue<bool>());
        Assert.Equal("EU", answer["jobReference"]!["location"]!.GetValue<string>());
        Assert.Equal(
            [("event_id", "STRING"), ("content_id", "INTEGER"), ("read_percent", "FLOAT"), ("updated_at", "TIMESTAMP"), ("finished", "BOOLEAN")],
            answer["schema"]!["fields"]!.AsArray().Select(f => (f!["name"]!.GetValue<string>(), f["type"]!.GetValue<string>())));
        AssertJson("""[{"f":[{"v":"e1"},{"v":"12"},{"v":"92.5"},{"v":"1648324800000000"},{"v":"true"}]}]""", answer["rows"]);
        Assert.Equal("1", answer["totalRows"]!.GetValue<string>());
        var rows = await _fake.RowsAsync("user_interaction");
        Assert.Equal(3, rows.Count);
        Assert.Equal(["e2", 6504233704206137123L, 13L, 40.0, s_day.AddDays(-7).AddMicroseconds(-1), new DateTime(2022, 3, 27, 0, 0, 0, DateTimeKind.Utc)], rows[1]);
        Assert.Equal(
            ["SELECT event_id, content_id, read_percent, updated_at, read_percent > @above AS finished FROM `proj.ds.user_interaction` WHERE user_id = @user_id AND updated_at >= @from_ts ORDER BY event_id"],
            _fake.Statements.Select(s => s.Sql));
        Assert.Equal(["TYPE_DOUBLE", "TYPE_TIMESTAMP", "TYPE_INT64"], _fake.Statements[0].ParameterTypes.OrderBy(p => p.Key).Select(p => p.Value.Kind));
    }

    [Fact]
    public async Task ShortQuery_IsAnsweredWithoutAJobWhoseResultsCouldBeRead()
    {
        var (status, answer) = await PostAsync("queries", """
            {"query":"SELECT @n AS n","useLegacySql":false,"parameterMode":"NAMED","location":"EU","jobCreationMode":"JOB_CREATION_OPTIONAL",
             "queryParameters":[{"name":"n","parameterType":{"type":"INT64"},"parameterValue":{"value":"7"}}]}
            """);
        Assert.Null(answer["jobReference"]);
        var queryId = Assert.IsType<string>(answer["queryId"]?.GetValue<string>());
        var (polled, _) = await GetAsync($"queries/{queryId}?location=EU");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(answer["jobComplete"]!.GetValue<bool>());
        AssertJson("""[{"f":[{"v":"7"}]}]""", answer["rows"]);
        Assert.Equal(HttpStatusCode.NotFound, polled);
        Assert.Empty(_fake.Jobs);
    }

    [Fact]
    public async Task ScriptWithAFailingStatementInsideTheTransaction_LeavesTheTablesUnchanged()
    {
        object?[][] before = [["c1", 1L, "romance", null, s_day], ["c2", 2L, "drama", s_day, s_day]];
        await _fake.AddRowsAsync("content_meta", before);

        var (status, job) = await PostAsync("jobs", """
            {"jobReference":{"projectId":"proj","jobId":"commit0","location":"EU"},
             "configuration":{"query":{"useLegacySql":false,"parameterMode":"NAMED",
               "queryParameters":[{"name":"prefix","parameterType":{"type":"STRING"},"parameterValue":{"value":"c"}},
                                  {"name":"error","parameterType":{"type":"STRING"},"parameterValue":{}}],
               "query":"BEGIN TRANSACTION;\nDELETE FROM `proj.ds.content_meta` WHERE STARTS_WITH(event_id, @prefix);\nINSERT INTO `proj.ds.content_meta` (event_id, content_id, category_name, ingested_at) VALUES ('c3', 3, 'crime', CURRENT_TIMESTAMP());\nINSERT INTO `proj.ds.ingest_errors` (source, event_id, payload, error, received_at) VALUES ('s', 'c4', @error, 'bad', CURRENT_TIMESTAMP());\nINSERT INTO `proj.ds.content_meta` (event_id, content_id, category_name, ingested_at) SELECT 'c5', CAST('five' AS INT64), 'x', CURRENT_TIMESTAMP();\nCOMMIT TRANSACTION;\n"}}}
            """);
        var (got, polled) = await GetAsync("jobs/commit0?location=EU");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("DONE", job["status"]!["state"]!.GetValue<string>());
        Assert.Equal("invalidQuery", job["status"]!["errorResult"]!["reason"]!.GetValue<string>());
        Assert.Contains("five", job["status"]!["errorResult"]!["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, got);
        Assert.True(JsonNode.DeepEquals(job, polled));
        Assert.Equal(before, await _fake.RowsAsync("content_meta"));
        Assert.Empty(await _fake.RowsAsync("ingest_errors"));
        Assert.Equal(
            ["RESOLVED_BEGIN_STMT", "RESOLVED_DELETE_STMT", "RESOLVED_INSERT_STMT", "RESOLVED_INSERT_STMT", "RESOLVED_INSERT_STMT"],
            _fake.Statements.Select(s => s.Kind));
        Assert.Equal("TYPE_STRING", _fake.Statements[3].ParameterTypes["error"].Kind);
    }

    [Fact]
    public async Task ScriptThatCommits_AppliesEveryStatement()
    {
        await _fake.AddRowsAsync("content_meta", [["old#1:2", 1L, "romance", null, s_day], ["keep", 2L, "drama", s_day, s_day]]);

        var (status, answer) = await QueryAsync("""
            BEGIN TRANSACTION;
            DELETE FROM `proj.ds.content_meta` WHERE STARTS_WITH(event_id, 'old#');
            INSERT INTO `proj.ds.content_meta` (event_id, content_id, category_name, ingested_at) VALUES ('new#2:2', 1, 'crime', TIMESTAMP '2022-03-20 00:00:00+00');
            UPDATE `proj.ds.content_meta` SET category_name = UPPER(category_name) WHERE content_id = 2;
            COMMIT TRANSACTION;
            SELECT event_id, category_name FROM `proj.ds.content_meta` ORDER BY event_id;
            """);

        Assert.Equal(HttpStatusCode.OK, status);
        AssertJson("""[{"f":[{"v":"keep"},{"v":"DRAMA"}]},{"f":[{"v":"new#2:2"},{"v":"crime"}]}]""", answer["rows"]);
        Assert.Equal([["keep", 2L, "DRAMA", s_day, s_day], ["new#2:2", 1L, "crime", null, s_day]], await _fake.RowsAsync("content_meta"));
    }

    [Fact]
    public async Task Delete_RemovesExactlyTheMatchingRowsDuplicatesIncluded()
    {
        var row = """{"event_id":"gs://b/o.csv#1:2","content_id":"7","category_name":"romance","ingested_at":"2022-03-20T00:00:00Z"}""";
        var other = """{"event_id":"gs://b/p.csv#1:2","content_id":"7","category_name":"romance","ingested_at":"2022-03-20T00:00:00Z"}""";
        await PostAsync("datasets/ds/tables/content_meta/insertAll", $$$"""
            {"rows":[{"insertId":"a","json":{{{row}}}},{"insertId":"a","json":{{{row}}}},{"insertId":"b","json":{{{other}}}},
                     {"insertId":"b","json":{{{other}}}},{"insertId":"c","json":{"event_id":"gs://b/o.csv#1:3","content_id":"8","category_name":"drama","ingested_at":"2022-03-20T00:00:00Z"}},
                     {"insertId":"d","json":{"event_id":"gs://b/o.csv#x","content_id":"8","category_name":"drama","ingested_at":"2022-03-20T00:00:00Z"}}]}
            """);

        var (status, answer) = await QueryAsync(
            "DELETE FROM `proj.ds.content_meta` WHERE STARTS_WITH(event_id, @object_prefix) AND REGEXP_CONTAINS(SUBSTR(event_id, LENGTH(@object_prefix) + 1), r'^[0-9]+:')",
            ("object_prefix", "STRING", "gs://b/o.csv#"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("3", answer["numDmlAffectedRows"]!.GetValue<string>());
        Assert.Equal(["gs://b/p.csv#1:2", "gs://b/p.csv#1:2", "gs://b/o.csv#x"], (await _fake.RowsAsync("content_meta")).Select(r => (string)r[0]!));
    }

    [Fact]
    public async Task UploadThenQuery_SeesTheRows()
    {
        var schema = """{"fields":[{"name":"event_id","type":"STRING"},{"name":"user_id","type":"INT64"},{"name":"content_id","type":"INT64"},{"name":"read_percent","type":"FLOAT64"},{"name":"updated_at","type":"TIMESTAMP"},{"name":"payload","type":"STRING"},{"name":"error","type":"STRING"}]}""";
        var (created, _) = await PostAsync("datasets/ds/tables",
            $$"""{"tableReference":{"projectId":"proj","datasetId":"ds","tableId":"_stage_0"},"schema":{{schema}},"expirationTime":"1700000000000"}""");
        var data = new StringBuilder();
        for (var i = 0; i < 3000; i++)
        {
            data.Append($$"""{"event_id":"o#1:{{i + 2}}","user_id":"{{i % 7}}","content_id":"{{i % 50}}","read_percent":{{i % 101}},"updated_at":"2022-03-27T10:00:00.000000Z"}""").Append('\n');
        }
        data.Append("""{"event_id":"o#1:9999","payload":"x,y","error":"line 9999: bad"}""").Append('\n');
        using var start = new HttpRequestMessage(HttpMethod.Post, "upload/" + Api + "jobs?uploadType=resumable&prettyPrint=false")
        {
            Content = Json("""
                {"jobReference":{"projectId":"proj","jobId":"load0","location":"EU"},
                 "configuration":{"load":{"destinationTable":{"projectId":"proj","datasetId":"ds","tableId":"_stage_0"},"schema":SCHEMA,
                   "sourceFormat":"NEWLINE_DELIMITED_JSON","writeDisposition":"WRITE_TRUNCATE","createDisposition":"CREATE_IF_NEEDED"}}}
                """.Replace("SCHEMA", schema, StringComparison.Ordinal)),
        };
        using var session = await _http.SendAsync(start);
        var bytes = Encoding.UTF8.GetBytes(data.ToString());
        const int half = Quantum; // mid-line: the chunks are one byte stream
        using var first = await PutAsync(session.Headers.Location!, bytes[..half], $"bytes 0-{half - 1}/*");
        using var last = await PutAsync(session.Headers.Location!, bytes[half..], $"bytes {half}-{bytes.Length - 1}/{bytes.Length}");
        var job = JsonNode.Parse(await last.Content.ReadAsStringAsync())!;

        var (status, answer) = await QueryAsync("""
            INSERT INTO `proj.ds.user_interaction` (event_id, user_id, content_id, read_percent, updated_at, ingested_at)
            SELECT event_id, user_id, content_id, read_percent, updated_at, @at FROM `proj.ds._stage_0` WHERE error IS NULL;
            SELECT COUNT(*), SUM(content_id), COUNTIF(read_percent > 90), MAX(ingested_at) FROM `proj.ds.user_interaction`;
            """, ("at", "TIMESTAMP", "2022-03-28T00:00:00Z"));
        var (got, table) = await GetAsync("datasets/ds/tables/_stage_0?view=BASIC");

        Assert.Equal(HttpStatusCode.OK, created);
        Assert.Equal(HttpStatusCode.OK, session.StatusCode);
        Assert.Equal(308, (int)first.StatusCode);
        Assert.Equal($"bytes=0-{half - 1}", RangeOf(first));
        Assert.Equal(HttpStatusCode.OK, last.StatusCode);
        Assert.Equal(("DONE", null, "3001"), (job["status"]!["state"]!.GetValue<string>(), job["status"]!["errorResult"], job["statistics"]!["load"]!["outputRows"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.OK, status);
        var expectedSum = Enumerable.Range(0, 3000).Sum(i => i % 50);
        var expectedFinished = Enumerable.Range(0, 3000).Count(i => i % 101 > 90);
        AssertJson($$"""[{"f":[{"v":"3000"},{"v":"{{expectedSum}}"},{"v":"{{expectedFinished}}"},{"v":"1648425600000000"}]}]""", answer["rows"]);
        Assert.Equal(["f0_", "f1_", "f2_", "f3_"], answer["schema"]!["fields"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.OK, got);
        Assert.Equal("3001", table["numRows"]!.GetValue<string>());
        Assert.Equal("1700000000000", table["expirationTime"]!.GetValue<string>());
        Assert.Equal("INTEGER", table["schema"]!["fields"]![1]!["type"]!.GetValue<string>());
        Assert.Equal(3000, (await _fake.RowsAsync("user_interaction")).Count);
    }

    [Fact]
    public async Task GzipCsvUpload_IsReadPerRfc4180WithTheLoadsOptions()
    {
        using var start = new HttpRequestMessage(HttpMethod.Post, "upload/" + Api + "jobs?uploadType=resumable")
        {
            Content = Json("""
                {"jobReference":{"projectId":"proj","jobId":"csv0"},
                 "configuration":{"load":{"destinationTable":{"projectId":"proj","datasetId":"ds","tableId":"staged_csv"},
                   "schema":{"fields":[{"name":"line","type":"INT64"},{"name":"pct","type":"FLOAT64"},{"name":"payload","type":"STRING"}]},
                   "sourceFormat":"CSV","fieldDelimiter":",","allowQuotedNewlines":true,"writeDisposition":"WRITE_EMPTY"}}}
                """),
        };
        using var session = await _http.SendAsync(start);
        var gzip = new MemoryStream();
        await using (var compress = new System.IO.Compression.GZipStream(gzip, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            await compress.WriteAsync(Encoding.UTF8.GetBytes("2,95.5,\n3,,\"a,\"\"b\"\"\nc\"\n4,,\"\"\n"));
        }
        var bytes = gzip.ToArray();

        using var last = await PutAsync(session.Headers.Location!, bytes, $"bytes 0-{bytes.Length - 1}/{bytes.Length}");

        Assert.Equal(HttpStatusCode.OK, last.StatusCode);
        Assert.Null(_fake.Jobs["csv0"]["status"]!["errorResult"]);
        Assert.Equal("3", _fake.Jobs["csv0"]["statistics"]!["load"]!["outputRows"]!.GetValue<string>());
        var rows = await _fake.RowsAsync("staged_csv");
        Assert.Equal([(object?)2L, 95.5, null], rows[0]);
        Assert.Equal([(object?)3L, null, "a,\"b\"\nc"], rows[1]);
        Assert.Equal([(object?)4L, null, ""], rows[2]);
    }

    [Fact]
    public async Task UploadOfAJobThatFails_LoadsNothing()
    {
        _fake.FailJobs(id => id == "load0", "backendError", "try again");
        using var start = new HttpRequestMessage(HttpMethod.Post, "upload/" + Api + "jobs?uploadType=resumable")
        {
            Content = Json("""
                {"jobReference":{"projectId":"proj","jobId":"load0"},
                 "configuration":{"load":{"destinationTable":{"projectId":"proj","datasetId":"ds","tableId":"staged"},
                   "schema":{"fields":[{"name":"a","type":"STRING"}]},"sourceFormat":"NEWLINE_DELIMITED_JSON","writeDisposition":"WRITE_TRUNCATE"}}}
                """),
        };
        using var session = await _http.SendAsync(start);
        using var last = await PutAsync(session.Headers.Location!, Encoding.UTF8.GetBytes("{\"a\":\"x\"}\n"), "bytes 0-9/10");

        var (got, _) = await GetAsync("datasets/ds/tables/staged");

        Assert.Equal("backendError", _fake.Jobs["load0"]["status"]!["errorResult"]!["reason"]!.GetValue<string>());
        Assert.Equal("{\"a\":\"x\"}\n", _fake.Uploaded["load0"]);
        Assert.Equal(HttpStatusCode.NotFound, got);
    }

    [Fact]
    public async Task QueryNamingAnUnknownColumn_Answers400InvalidQuery()
    {
        var (status, answer) = await QueryAsync("SELECT user_idd FROM `proj.ds.user_interaction` WHERE user_id = @user_id", ("user_id", "INT64", "1"));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(400, answer["error"]!["code"]!.GetValue<int>());
        Assert.Equal("invalidQuery", answer["error"]!["errors"]![0]!["reason"]!.GetValue<string>());
        Assert.StartsWith("Unrecognized name: user_idd", answer["error"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task InsertAllWithInvalidRows_InsertsNothingAndStopsTheOthers()
    {
        var (status, answer) = await PostAsync("datasets/ds/tables/content_meta/insertAll", """
            {"rows":[{"insertId":"a","json":{"event_id":"a","content_id":"1","category_name":"x","ingested_at":"2022-03-20T00:00:00Z"}},
                     {"insertId":"b","json":{"event_id":"b","content_id":"1","category_name":"x","ingested_at":"2022-03-20T00:00:00Z","colour":"red"}},
                     {"insertId":"c","json":{"event_id":"c","content_id":"1","ingested_at":"2022-03-20T00:00:00Z"}},
                     {"insertId":"d","json":{"event_id":"d","content_id":"one","category_name":"x","ingested_at":"2022-03-20T00:00:00Z"}}]}
            """);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(
            [(0, "stopped", ""), (1, "invalid", "colour"), (2, "invalid", "category_name"), (3, "invalid", "content_id")],
            answer["insertErrors"]!.AsArray().Select(e => (e!["index"]!.GetValue<int>(), e["errors"]![0]!["reason"]!.GetValue<string>(), e["errors"]![0]!["location"]!.GetValue<string>())));
        Assert.Empty(await _fake.RowsAsync("content_meta"));
    }

    [Fact]
    public async Task StatementsItCannotExecute_FailNamingThem()
    {
        var (declare, declared) = await QueryAsync("DECLARE n INT64 DEFAULT 1;\nSELECT n;");
        var (merge, merged) = await QueryAsync("MERGE `proj.ds.content_meta` t USING `proj.ds.content_meta` s ON FALSE WHEN NOT MATCHED THEN INSERT ROW");

        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (declare, merge));
        Assert.Contains("cannot execute script control statements", declared["error"]!["message"]!.GetValue<string>());
        Assert.Contains("DECLARE n INT64 DEFAULT 1", declared["error"]!["message"]!.GetValue<string>());
        Assert.Contains("cannot execute RESOLVED_MERGE_STMT: MERGE `proj.ds.content_meta` t USING", merged["error"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task TablesInsertAndGet_CreateOnceAndAnswerNotFoundOtherwise()
    {
        var body = """{"tableReference":{"projectId":"proj","datasetId":"ds","tableId":"t"},"schema":{"fields":[{"name":"a","type":"BOOL","mode":"REQUIRED"},{"name":"d","type":"DATE"}]}}""";

        var (first, _) = await PostAsync("datasets/ds/tables", body);
        var (second, duplicate) = await PostAsync("datasets/ds/tables", body);
        var (missing, _) = await GetAsync("datasets/ds/tables/nope");
        var (status, answer) = await PostAsync("datasets/ds/tables/t/insertAll", """{"rows":[{"json":{"a":true,"d":"2022-03-20"}},{"json":{"a":"false"}}]}""");
        var rows = await _fake.RowsAsync("t");
        var (got, table) = await GetAsync("datasets/ds/tables/t");
        using var deleted = await _http.DeleteAsync(Api + "datasets/ds/tables/t");
        var (gone, _) = await GetAsync("datasets/ds/tables/t");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.Conflict, HttpStatusCode.NotFound), (first, second, missing));
        Assert.Equal("duplicate", duplicate["error"]!["errors"]![0]!["reason"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Null(answer["insertErrors"]);
        Assert.Equal([[true, new DateOnly(2022, 3, 20)], [false, null]], rows);
        Assert.Equal(HttpStatusCode.OK, got);
        AssertJson("""{"fields":[{"name":"a","type":"BOOLEAN","mode":"REQUIRED"},{"name":"d","type":"DATE","mode":"NULLABLE"}]}""", table["schema"]);
        Assert.Equal("2", table["numRows"]!.GetValue<string>());
        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NotFound), (deleted.StatusCode, gone));
    }

    [Fact]
    public async Task UserContentQuery_CountsCategoriesOverInsertedRows()
    {
        // The product's own query text, with the parameters as the adapter sends them.
        await _fake.AddRowsAsync("user_interaction",
        [
            ["e1", 7L, 1L, 95.0, s_day, s_day], ["e1", 7L, 1L, 95.0, s_day, s_day], // one event twice (no insertId de-duplication)
            ["e2", 7L, 2L, 99.0, s_day, s_day], ["e3", 7L, 3L, 50.0, s_day, s_day], ["e4", 8L, 1L, 99.0, s_day, s_day],
        ]);
        await _fake.AddRowsAsync("content_meta",
        [
            ["m1", 1L, "romance", null, s_day], ["m2", 1L, "romance", null, s_day], ["m3", 1L, "drama", null, s_day],
            ["m4", 2L, "romance", null, s_day], ["m5", 3L, "crime", null, s_day],
        ]);

        var (status, answer) = await QueryAsync(UserContentSql.BigQuery("`proj.ds.user_interaction`", "`proj.ds.content_meta`"),
            ("user_id", "INT64", "7"), ("from_ts", "TIMESTAMP", "2022-03-13 00:00:00.000000+00:00"),
            ("until_ts", "TIMESTAMP", "2022-03-28 00:00:00.000000+00:00"), ("finished_above", "FLOAT64", "90"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(
            [("drama", "1"), ("romance", "2")],
            answer["rows"]!.AsArray().Select(r => (r!["f"]![0]!["v"]!.GetValue<string>(), r["f"]![1]!["v"]!.GetValue<string>())).Order());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UploadChunkNotAMultipleOf256KiB_IsRefusedAndChangesNothing(bool stateful)
    {
        await using var plain = stateful ? null : await FakeBigQuery.StartAsync();
        var fake = plain ?? _fake;
        var data = Ndjson(Quantum + 1000);
        var session = await StartUploadAsync(fake, "load0");

        using var odd = await PutAsync(session, data[..1000], "bytes 0-999/*");
        using var status = await PutAsync(session, [], "bytes */*");
        using var whole = await PutAsync(session, data, $"bytes 0-{data.Length - 1}/{data.Length}");

        Assert.Equal(HttpStatusCode.BadRequest, odd.StatusCode);
        var error = JsonNode.Parse(await odd.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal(("invalid", 400), (error["errors"]![0]!["reason"]!.GetValue<string>(), error["code"]!.GetValue<int>()));
        Assert.Contains("multiple of 256 KiB", error["message"]!.GetValue<string>());
        Assert.Equal(308, (int)status.StatusCode);
        Assert.Null(RangeOf(status)); // nothing persisted: no Range at all
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal(data, fake.UploadedBytes["load0"]);
        Assert.Equal(data.Length, fake.Calls("PUT", "/jobs").Sum(c => c.Length) - 1000);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UploadChunkThatIsNotContiguous_IsRefused(bool stateful)
    {
        await using var plain = stateful ? null : await FakeBigQuery.StartAsync();
        var fake = plain ?? _fake;
        var data = Ndjson(3 * Quantum + 10);
        var session = await StartUploadAsync(fake, "load0");

        using var first = await PutAsync(session, data[..Quantum], $"bytes 0-{Quantum - 1}/*");
        using var again = await PutAsync(session, data[..Quantum], $"bytes 0-{Quantum - 1}/*");
        using var gap = await PutAsync(session, data[(2 * Quantum)..(3 * Quantum)], $"bytes {2 * Quantum}-{3 * Quantum - 1}/*");
        using var lying = await PutAsync(session, data[Quantum..(2 * Quantum)], $"bytes {Quantum}-{3 * Quantum - 1}/*");
        using var shortLast = await PutAsync(session, data[Quantum..^1], $"bytes {Quantum}-{data.Length - 2}/{data.Length}");
        using var bodyless = await PutAsync(session, [1], "bytes */*");
        using var status = await PutAsync(session, [], "bytes */*");
        using var rest = await PutAsync(session, data[Quantum..], $"bytes {Quantum}-{data.Length - 1}/{data.Length}");

        Assert.Equal(308, (int)first.StatusCode);
        Assert.Equal($"bytes=0-{Quantum - 1}", RangeOf(first));
        Assert.All(new[] { again, gap, lying, shortLast, bodyless }, r => Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode));
        Assert.Contains($"must start at byte {Quantum}", await MessageAsync(again));
        Assert.Contains($"starts at byte {2 * Quantum}", await MessageAsync(gap));
        Assert.Contains($"names {2 * Quantum} bytes, but the request carries {Quantum}", await MessageAsync(lying));
        Assert.Contains($"must end at byte {data.Length - 1}", await MessageAsync(shortLast));
        Assert.Contains("names no bytes", await MessageAsync(bodyless));
        Assert.Equal($"bytes=0-{Quantum - 1}", RangeOf(status)); // the refused chunks changed nothing
        Assert.Equal(HttpStatusCode.OK, rest.StatusCode);
        Assert.Equal(data, fake.UploadedBytes["load0"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ShortPersist_Answers308WithTheRealRangeAndTheClientMustResumeThere(bool stateful)
    {
        await using var plain = stateful ? null : await FakeBigQuery.StartAsync();
        var fake = plain ?? _fake;
        var data = Ndjson(2 * Quantum + 500);
        fake.PersistOnly(r => r.ContentRange == $"bytes 0-{2 * Quantum - 1}/*" ? Quantum : null);
        fake.PersistOnly(r => r.ContentRange!.EndsWith($"/{data.Length}", StringComparison.Ordinal) ? 200 : null);
        var session = await StartUploadAsync(fake, "load0");

        using var first = await PutAsync(session, data[..(2 * Quantum)], $"bytes 0-{2 * Quantum - 1}/*");
        using var ignoringRange = await PutAsync(session, data[(2 * Quantum)..], $"bytes {2 * Quantum}-{data.Length - 1}/{data.Length}");
        using var resumed = await PutAsync(session, data[Quantum..], $"bytes {Quantum}-{data.Length - 1}/{data.Length}");
        using var rest = await PutAsync(session, data[(Quantum + 200)..], $"bytes {Quantum + 200}-{data.Length - 1}/{data.Length}");

        Assert.Equal((308, $"bytes=0-{Quantum - 1}"), ((int)first.StatusCode, RangeOf(first)));
        Assert.Equal(HttpStatusCode.BadRequest, ignoringRange.StatusCode);
        Assert.Contains($"must start at byte {Quantum}, the first not persisted", await MessageAsync(ignoringRange));
        Assert.Equal((308, $"bytes=0-{Quantum + 199}"), ((int)resumed.StatusCode, RangeOf(resumed))); // a last chunk persisted short is not the end
        Assert.Equal(HttpStatusCode.OK, rest.StatusCode);
        var job = JsonNode.Parse(await rest.Content.ReadAsStringAsync())!;
        Assert.Equal(Lines(data).ToString(), job["statistics"]!["load"]!["outputRows"]!.GetValue<string>());
        Assert.Equal(data, fake.UploadedBytes["load0"]);
        if (stateful)
        {
            Assert.Equal(Lines(data), (await _fake.RowsAsync("staged")).Count);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task StatusQuery_ReportsWhatIsPersistedAndChangesNothing(bool stateful)
    {
        await using var plain = stateful ? null : await FakeBigQuery.StartAsync();
        var fake = plain ?? _fake;
        var data = Ndjson(Quantum + 77);
        var session = await StartUploadAsync(fake, "load0");

        using var before = await PutAsync(session, [], "bytes */*");
        using var first = await PutAsync(session, data[..Quantum], $"bytes 0-{Quantum - 1}/*");
        using var after = await PutAsync(session, [], "bytes */*");
        using var sized = await PutAsync(session, [], $"bytes */{data.Length}"); // the size known, not all of it sent
        using var again = await PutAsync(session, [], "bytes */*");
        var persisted = Assert.Single(fake.Uploads).Value;
        using var last = await PutAsync(session, data[Quantum..], $"bytes {Quantum}-{data.Length - 1}/{data.Length}");
        using var done = await PutAsync(session, [], "bytes */*");

        Assert.Equal((308, (string?)null), ((int)before.StatusCode, RangeOf(before)));
        Assert.All(new[] { after, sized, again }, r => Assert.Equal((308, $"bytes=0-{Quantum - 1}"), ((int)r.StatusCode, RangeOf(r))));
        Assert.Equal(Quantum, persisted);
        Assert.Equal(HttpStatusCode.OK, last.StatusCode);
        Assert.Equal(HttpStatusCode.OK, done.StatusCode); // asked after completion: the job again
        Assert.Equal(await last.Content.ReadAsStringAsync(), await done.Content.ReadAsStringAsync());
        Assert.Single(fake.Jobs);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ChunkFailingAfterAPartialPersist_IsResumedFromTheStatus(bool stateful)
    {
        await using var plain = stateful ? null : await FakeBigQuery.StartAsync();
        var fake = plain ?? _fake;
        var data = Ndjson(2 * Quantum + 4321);
        fake.FailUploadChunk(r => r.ContentRange!.StartsWith($"bytes {Quantum}-", StringComparison.Ordinal) ? 1000 : null);
        var session = await StartUploadAsync(fake, "load0");

        using var first = await PutAsync(session, data[..Quantum], $"bytes 0-{Quantum - 1}/*");
        using var failed = await PutAsync(session, data[Quantum..], $"bytes {Quantum}-{data.Length - 1}/{data.Length}");
        using var retriedBlindly = await PutAsync(session, data[Quantum..], $"bytes {Quantum}-{data.Length - 1}/{data.Length}");
        using var status = await PutAsync(session, [], "bytes */*");
        using var resumed = await PutAsync(session, data[(Quantum + 1000)..], $"bytes {Quantum + 1000}-{data.Length - 1}/{data.Length}");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Equal("backendError", JsonNode.Parse(await failed.Content.ReadAsStringAsync())!["error"]!["errors"]![0]!["reason"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, retriedBlindly.StatusCode);
        Assert.Equal((308, $"bytes=0-{Quantum + 999}"), ((int)status.StatusCode, RangeOf(status)));
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.Equal(data, fake.UploadedBytes["load0"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ChunksSplittingACharacter_AreJoinedAsBytes(bool stateful)
    {
        await using var plain = stateful ? null : await FakeBigQuery.StartAsync();
        var fake = plain ?? _fake;
        var value = new string('x', Quantum - 1 - "{\"a\":\"".Length) + "é"; // é's two bytes straddle the chunk boundary
        var data = Encoding.UTF8.GetBytes($$"""{"a":"{{value}}"}""" + "\n" + """{"a":"ü"}""" + "\n");
        var session = await StartUploadAsync(fake, "load0");

        using var first = await PutAsync(session, data[..Quantum], $"bytes 0-{Quantum - 1}/*");
        using var last = await PutAsync(session, data[Quantum..], $"bytes {Quantum}-{data.Length - 1}/{data.Length}");

        Assert.Equal((0xC3, 0xA9), (data[Quantum - 1], data[Quantum]));
        Assert.Equal(HttpStatusCode.OK, last.StatusCode);
        Assert.Equal(new long[] { Quantum, data.Length - Quantum }, fake.Calls("PUT", "/jobs").Select(c => c.Length));
        Assert.Equal(Encoding.UTF8.GetString(data), fake.Uploaded["load0"]);
        Assert.Equal("2", JsonNode.Parse(await last.Content.ReadAsStringAsync())!["statistics"]!["load"]!["outputRows"]!.GetValue<string>());
        if (stateful)
        {
            Assert.Equal([[value], ["ü"]], await _fake.RowsAsync("staged"));
        }
    }

    [Fact]
    public async Task FailingAssert_RollsBackTheTransaction()
    {
        object?[][] before = [["c1", 1L, "romance", null, s_day], ["c2", 2L, "drama", s_day, s_day]];
        await _fake.AddRowsAsync("content_meta", before);

        var (status, job) = await PostAsync("jobs", """
            {"jobReference":{"projectId":"proj","jobId":"commit0","location":"EU"},
             "configuration":{"query":{"useLegacySql":false,"parameterMode":"NAMED",
               "queryParameters":[{"name":"expected","parameterType":{"type":"INT64"},"parameterValue":{"value":"2"}}],
               "query":"BEGIN TRANSACTION;\nDELETE FROM `proj.ds.content_meta` WHERE content_id = 1;\nASSERT (SELECT COUNT(*) FROM `proj.ds.content_meta`) = (@expected) AS 'content_meta lost a row';\nCOMMIT TRANSACTION;\n"}}}
            """);
        var (passing, passed) = await QueryAsync("""
            ASSERT (SELECT COUNT(*) FROM `proj.ds.content_meta`) = (@expected) AS 'two rows';
            ASSERT EXISTS(SELECT 1 FROM `proj.ds.content_meta` WHERE CAST(content_id AS STRING) = '2');
            SELECT COUNT(*) FROM `proj.ds.content_meta`;
            """, ("expected", "INT64", "2"));
        var (unnamed, failedUnnamed) = await QueryAsync("ASSERT 1 > 2");
        var (nullish, failedNull) = await QueryAsync("ASSERT CAST(NULL AS BOOL) AS 'null is not true'");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("invalidQuery", job["status"]!["errorResult"]!["reason"]!.GetValue<string>());
        Assert.StartsWith("content_meta lost a row (statement 3 of the script", job["status"]!["errorResult"]!["message"]!.GetValue<string>());
        Assert.Equal(before, await _fake.RowsAsync("content_meta"));
        Assert.Equal(["RESOLVED_BEGIN_STMT", "RESOLVED_DELETE_STMT", "RESOLVED_ASSERT_STMT"], _fake.Statements.Take(3).Select(s => s.Kind));
        Assert.Equal(HttpStatusCode.OK, passing);
        AssertJson("""[{"f":[{"v":"2"}]}]""", passed["rows"]);
        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (unnamed, nullish));
        Assert.Equal("Assertion failed", failedUnnamed["error"]!["message"]!.GetValue<string>());
        Assert.Equal("null is not true", failedNull["error"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task LoadWithWriteEmptyIntoANonEmptyTable_FailsTheJobAndLoadsNothing()
    {
        var schema = """{"fields":[{"name":"a","type":"STRING"}]}""";
        await PostAsync("datasets/ds/tables", $$"""{"tableReference":{"projectId":"proj","datasetId":"ds","tableId":"full"},"schema":{{schema}},"expirationTime":"1700000000000"}""");
        await _fake.AddRowsAsync("full", [["old"]]);
        var data = Encoding.UTF8.GetBytes("{\"a\":\"new\"}\n");

        var full = await StartUploadAsync(_fake, "load0", "full", "WRITE_EMPTY");
        using var refused = await PutAsync(full, data, $"bytes 0-{data.Length - 1}/{data.Length}");
        var empty = await StartUploadAsync(_fake, "load1", "empty", "WRITE_EMPTY");
        using var loaded = await PutAsync(empty, data, $"bytes 0-{data.Length - 1}/{data.Length}");
        var (got, table) = await GetAsync("datasets/ds/tables/full");

        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        var job = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;
        Assert.Equal("DONE", job["status"]!["state"]!.GetValue<string>());
        Assert.Equal("duplicate", job["status"]!["errorResult"]!["reason"]!.GetValue<string>());
        Assert.Contains("WRITE_EMPTY", job["status"]!["errorResult"]!["message"]!.GetValue<string>());
        Assert.Equal([["old"]], await _fake.RowsAsync("full"));
        Assert.Null(JsonNode.Parse(await loaded.Content.ReadAsStringAsync())!["status"]!["errorResult"]);
        Assert.Equal([["new"]], await _fake.RowsAsync("empty"));
        Assert.Equal((HttpStatusCode.OK, "1700000000000"), (got, table["expirationTime"]!.GetValue<string>()));
    }

    private Task<(HttpStatusCode, JsonNode)> QueryAsync(string sql, params (string Name, string Type, string? Value)[] parameters) =>
        PostAsync("queries", new JsonObject
        {
            ["query"] = sql,
            ["useLegacySql"] = false,
            ["parameterMode"] = "NAMED",
            ["formatOptions"] = new JsonObject { ["useInt64Timestamp"] = true },
            ["queryParameters"] = new JsonArray([.. parameters.Select(p => (JsonNode)new JsonObject
            {
                ["name"] = p.Name,
                ["parameterType"] = new JsonObject { ["type"] = p.Type },
                ["parameterValue"] = p.Value is null ? new JsonObject() : new JsonObject { ["value"] = p.Value },
            })]),
        }.ToJsonString());

    private async Task<(HttpStatusCode, JsonNode)> PostAsync(string path, string json)
    {
        using var response = await _http.PostAsync(Api + path, Json(json));
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    private async Task<(HttpStatusCode, JsonNode)> GetAsync(string path)
    {
        using var response = await _http.GetAsync(Api + path);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    private async Task<HttpResponseMessage> PutAsync(Uri session, byte[] bytes, string range)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, session) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.TryAddWithoutValidation("Content-Range", range);
        return await _http.SendAsync(request);
    }

    /// <summary>Starts a resumable upload of a load job (NDJSON of one STRING column a into proj.ds.<paramref name="table"/>); returns the session URI.</summary>
    private async Task<Uri> StartUploadAsync(FakeBigQuery fake, string jobId, string table = "staged", string write = "WRITE_TRUNCATE")
    {
        using var start = new HttpRequestMessage(HttpMethod.Post, new Uri(fake.Root, "upload/" + Api + "jobs?uploadType=resumable"))
        {
            Content = Json($$$$"""
                {"jobReference":{"projectId":"proj","jobId":"{{{{jobId}}}}"},
                 "configuration":{"load":{"destinationTable":{"projectId":"proj","datasetId":"ds","tableId":"{{{{table}}}}"},
                   "schema":{"fields":[{"name":"a","type":"STRING"}]},"sourceFormat":"NEWLINE_DELIMITED_JSON","writeDisposition":"{{{{write}}}}"}}}
                """),
        };
        using var session = await _http.SendAsync(start);
        Assert.Equal(HttpStatusCode.OK, session.StatusCode);
        return session.Headers.Location!;
    }

    /// <summary>NDJSON lines <c>{"a":"…"}</c> of 100 bytes (the last one longer), <paramref name="bytes"/> (at least 100) in all.</summary>
    private static byte[] Ndjson(int bytes)
    {
        const int width = 100;
        var data = new StringBuilder();
        for (var i = 0; i < bytes / width; i++)
        {
            var filler = width - """{"a":""}""".Length - 1 + (i == bytes / width - 1 ? bytes % width : 0);
            data.Append($$"""{"a":"{{i.ToString(System.Globalization.CultureInfo.InvariantCulture).PadRight(filler, 'y')}}"}""").Append('\n');
        }
        return Encoding.UTF8.GetBytes(data.ToString());
    }

    private static int Lines(byte[] data) => Encoding.UTF8.GetString(data).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;

    private static string? RangeOf(HttpResponseMessage response) =>
        response.Headers.NonValidated.TryGetValues("Range", out var values) ? string.Join(",", values) : null;

    private static async Task<string> MessageAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["message"]!.GetValue<string>();

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {JsonNode.Parse(expected)!.ToJsonString()}\n  actual {actual?.ToJsonString()}");
}

