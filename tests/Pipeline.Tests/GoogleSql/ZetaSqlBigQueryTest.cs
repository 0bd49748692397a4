using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Pipeline.Tests.Fixtures;
using Pipeline.Warehouse.Query;

namespace Pipeline.Tests.GoogleSql;

/// <summary>
/// The stateful FakeBigQuery (ZetaSQL mode), driven over HTTP with plain requests shaped as the product sends them:
/// its tables change and its SQL runs as GoogleSQL's reference engine says.
/// </summary>
[Collection(ZetaSqlCollection.Name)]
public sealed class ZetaSqlBigQueryTest(ZetaSqlEngine engine) : IAsyncLifetime
{
    private const string Api = "bigquery/v2/projects/proj/";
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
        var half = bytes.Length / 2; // mid-line: the chunks are one byte stream
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
        Assert.Equal(HttpStatusCode.OK, last.StatusCode);
        Assert.Equal(("DONE", null, "3001"), (job["status"]!["state"]!.GetValue<string>(), job["status"]!["errorResult"], job["statistics"]!["load"]!["outputRows"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.OK, status);
        var expectedSum = Enumerable.Range(0, 3000).Sum(i => i % 50);
        var expectedFinished = Enumerable.Range(0, 3000).Count(i => i % 101 > 90);
        AssertJson($$"""[{"f":[{"v":"3000"},{"v":"{{expectedSum}}"},{"v":"{{expectedFinished}}"},{"v":"1648425600000000"}]}]""", answer["rows"]);
        Assert.Equal(["f0_", "f1_", "f2_", "f3_"], answer["schema"]!["fields"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.OK, got);
        Assert.Equal("3001", table["numRows"]!.GetValue<string>());
        Assert.Equal("INTEGER", table["schema"]!["fields"]![1]!["type"]!.GetValue<string>());
        Assert.Equal(3000, (await _fake.RowsAsync("user_interaction")).Count);
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

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {JsonNode.Parse(expected)!.ToJsonString()}\n  actual {actual?.ToJsonString()}");
}

