using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.GoogleSql;

/// <summary>
/// The ZetaSQL-backed fake's transactions under concurrency, as BigQuery documents them: a snapshot per transaction,
/// appends never conflict, and of two transactions that mutated one table the first to commit wins while the other
/// fails whole. Job "a" is held before its COMMIT while job "b" runs to its end, so the two overlap.
/// </summary>
[Collection(ZetaSqlCollection.Name)]
public sealed class ZetaSqlBigQueryTransactionTest(ZetaSqlEngine engine) : IAsyncLifetime
{
    private const string LoadLog = "`proj.ds.load_log`";
    private const string Lock = "`proj.ds.backfill_lock`";
    private const string Claim = $"UPDATE {Lock} SET claims = claims + 1 WHERE target = 't';\n";
    private FakeBigQuery _fake = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeBigQuery.StartAsync(engine, "proj", "ds");
        _http = new HttpClient { BaseAddress = _fake.Root };
        await _fake.AddRowsAsync("backfill_lock", [["t", 0L]]);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task TwoAppendOnlyTransactions_BothCommit()
    {
        var (a, b) = await OverlapAsync(Transaction("", "a"), Transaction("", "b"));

        Assert.Null(a["status"]!["errorResult"]);
        Assert.Null(b["status"]!["errorResult"]);
        Assert.Equal(["a", "b"], (await _fake.LoadLogAsync()).Select(e => e.Object).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task TwoMutatingTransactionsOnOneTable_ExactlyOneCommits()
    {
        var (a, b) = await OverlapAsync(Transaction(Claim, "a"), Transaction(Claim, "b"));

        var failed = Assert.Single(new[] { a, b }, job => job["status"]!["errorResult"] is not null);
        var error = failed["status"]!["errorResult"]!;
        Assert.Equal("invalidQuery", error["reason"]!.GetValue<string>());
        Assert.Contains("Transaction is aborted due to concurrent update against table proj:ds.backfill_lock", error["message"]!.GetValue<string>());
        var committed = a == failed ? "b" : "a";
        Assert.Equal([committed], (await _fake.LoadLogAsync()).Select(e => e.Object));
        Assert.Equal(1L, Assert.Single(await _fake.RowsAsync("backfill_lock"))[1]);
    }

    [Fact]
    public async Task AppendsConcurrentWithAMutatingTransaction_BothLand()
    {
        var insertAll = new JsonObject
        {
            ["rows"] = new JsonArray(new JsonObject
            {
                ["json"] = new JsonObject
                {
                    ["object"] = "streamed", ["generation"] = "1", ["target"] = "t", ["status"] = "skipped", ["rows_loaded"] = "0",
                    ["rows_rejected"] = "0", ["started_at"] = "2022-03-27T00:00:00Z", ["finished_at"] = "2022-03-27T00:00:00Z",
                },
            }),
        };

        var (a, b) = await OverlapAsync(Transaction(Claim, "a"), Transaction("", "b"), async () =>
        {
            using var answer = await _http.PostAsync("bigquery/v2/projects/proj/datasets/ds/tables/load_log/insertAll",
                new StringContent(insertAll.ToJsonString(), Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        });

        Assert.Null(a["status"]!["errorResult"]);
        Assert.Null(b["status"]!["errorResult"]);
        Assert.Equal(["a", "b", "streamed"], (await _fake.LoadLogAsync()).Select(e => e.Object).Order(StringComparer.Ordinal));
        Assert.Equal(1L, Assert.Single(await _fake.RowsAsync("backfill_lock"))[1]);
    }

    [Fact]
    public async Task TransactionReadsItsSnapshot_NotWhatCommittedSince()
    {
        var (a, _) = await OverlapAsync(
            $"BEGIN TRANSACTION;\nSELECT 1;\nSELECT IF((SELECT COUNT(*) FROM {LoadLog}) = 0, 0, ERROR('saw b'));\nCOMMIT TRANSACTION;\n",
            Transaction("", "b"),
            holdBefore: "RESOLVED_QUERY_STMT");

        Assert.Null(a["status"]!["errorResult"]);
    }

    private static string Transaction(string claim, string name) =>
        $"""
        BEGIN TRANSACTION;
        {claim}INSERT INTO {LoadLog} (object, generation, target, status, rows_loaded, rows_rejected, started_at, finished_at)
        VALUES ('{name}', '1', 't', 'loaded', 0, 0, CURRENT_TIMESTAMP(), CURRENT_TIMESTAMP());
        COMMIT TRANSACTION;
        """;

    /// <summary>
    /// Runs job "a" until it is about to run its first <paramref name="holdBefore"/> statement (COMMIT unless said),
    /// then job "b" and <paramref name="meanwhile"/> to their ends, then lets "a" go on; both jobs as they ended.
    /// </summary>
    private async Task<(JsonNode A, JsonNode B)> OverlapAsync(string a, string b, Func<Task>? meanwhile = null, string holdBefore = "RESOLVED_COMMIT_STMT")
    {
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _fake.BeforeStatement = async (jobId, statement) =>
        {
            if (jobId == "a" && statement.Kind == holdBefore && held.TrySetResult())
            {
                await release.Task;
            }
        };
        var first = InsertJobAsync("a", a);
        await held.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var second = await InsertJobAsync("b", b);
        if (meanwhile is not null)
        {
            await meanwhile();
        }
        release.SetResult();
        return (await first, second);
    }

    private async Task<JsonNode> InsertJobAsync(string jobId, string sql)
    {
        var job = new JsonObject
        {
            ["jobReference"] = new JsonObject { ["projectId"] = "proj", ["jobId"] = jobId, ["location"] = "EU" },
            ["configuration"] = new JsonObject { ["query"] = new JsonObject { ["query"] = sql, ["useLegacySql"] = false } },
        };
        using var answer = await _http.PostAsync("bigquery/v2/projects/proj/jobs", new StringContent(job.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        return JsonNode.Parse(await answer.Content.ReadAsStringAsync())!;
    }
}
