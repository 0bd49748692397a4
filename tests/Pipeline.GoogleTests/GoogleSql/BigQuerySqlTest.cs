using System.Net;
using System.Text.Json.Nodes;
using Pipeline.Domain.Backfill;
using Pipeline.EventarcRequests;
using Pipeline.Events.Protobuf.Cloud.PubSub.V1;
using Pipeline.Events.Protobuf.Cloud.Storage.V1;
using Pipeline.Functions.BackfillCsv;
using Pipeline.Functions.IngestInteraction;
using Pipeline.Functions.UserContent;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.GoogleSql;

/// <summary>
/// Every GoogleSQL text the BigQuery adapter sends, as the fake BigQuery recorded it while the functions ran through
/// their cases (UserContent; backfill of both tables, several header layouts, first load, replacement, redelivery,
/// failure, an empty file), is parsed as a script and analyzed statement by statement in BigQuery's mode, with the
/// parameter types the request carried, against the catalog of <c>deploy/bigquery.sql</c> (plus the staging tables
/// the load jobs declared). A statement the adapter starts sending tomorrow is checked the same way.
/// </summary>
[Collection(ZetaSqlCollection.Name)]
public sealed class BigQuerySqlTest(ZetaSqlEngine engine) : IAsyncLifetime
{
    private const string Interactions = "user_interaction/a.csv";
    private const string Content = "content_meta/c.csv";
    private FakeBigQuery _bigQuery = null!;

    public async Task InitializeAsync() => _bigQuery = await FakeBigQuery.StartAsync();

    public async Task DisposeAsync() => await _bigQuery.DisposeAsync();

    [Fact]
    public async Task EverySqlTextTheAdapterSends_ParsesAndAnalyzesInBigQueryMode()
    {
        await RunEveryCaseAsync();
        var texts = Sent();
        var catalog = await StagingCatalogAsync();

        var kinds = new List<string>();
        foreach (var (sql, parameters) in texts)
        {
            await engine.ParseScriptAsync(sql);
            kinds.AddRange((await engine.AnalyzeScriptAsync(sql, catalog, parameters)).Select(s => s.Kind));
        }

        // The cases reached every kind of statement the adapter has: the query, load_log reads and inserts, and
        // commit scripts with and without a replacement and a staging table.
        Assert.Contains(texts, t => t.Sql.Contains("GROUP BY categories.category_name"));
        Assert.Contains(texts, t => t.Sql.Contains("DELETE FROM") && t.Sql.Contains("_backfill_stage_"));
        Assert.Contains(texts, t => t.Sql.Contains("BEGIN TRANSACTION") && !t.Sql.Contains("_backfill_stage_"));
        Assert.Equal(
            ["RESOLVED_BEGIN_STMT", "RESOLVED_COMMIT_STMT", "RESOLVED_DELETE_STMT", "RESOLVED_DROP_STMT", "RESOLVED_INSERT_STMT", "RESOLVED_QUERY_STMT", "RESOLVED_UPDATE_STMT"],
            kinds.Distinct().Order());
    }

    [Fact]
    public async Task AStatementThatDoesNotAnalyze_IsCaught()
    {
        // The check itself can fail: the real commit script with one column misspelt is refused, naming it.
        await RunEveryCaseAsync();
        var (sql, parameters) = Sent().First(t => t.Sql.Contains("_backfill_stage_"));
        var catalog = await StagingCatalogAsync();

        var error = await Assert.ThrowsAsync<ZetaSqlException>(() => engine.AnalyzeScriptAsync(sql.Replace("received_at", "recieved_at"), catalog, parameters));

        Assert.Contains("recieved_at", error.Details);
    }

    /// <summary>The DDL's tables, plus the staging tables the uploads' load jobs created (with their schemas).</summary>
    private async Task<BigQueryCatalog> StagingCatalogAsync()
    {
        var catalog = (await BigQueryCatalog.FromDdlAsync(engine)).WithDdlTablesIn("proj", "ds");
        foreach (var upload in _bigQuery.Calls("POST", "/upload/bigquery/v2/projects/proj/jobs"))
        {
            var load = upload.Body!["configuration"]!["load"]!;
            catalog = catalog.WithTable($"proj.ds.{load["destinationTable"]!["tableId"]!.GetValue<string>()}",
                [.. load["schema"]!["fields"]!.AsArray().Select(f => (f!["name"]!.GetValue<string>(), TypeOf(f["type"]!.GetValue<string>())))]);
        }
        return catalog;
    }

    /// <summary>Each distinct text with its parameters' types: jobs.query bodies and query jobs.</summary>
    private List<(string Sql, IReadOnlyDictionary<string, SqlType> Parameters)> Sent() =>
        _bigQuery.Requests
            .Select(r => r switch
            {
                { Method: "POST", Path: "/bigquery/v2/projects/proj/queries" } => r.Body,
                { Method: "POST", Path: "/bigquery/v2/projects/proj/jobs" } => r.Body!["configuration"]!["query"],
                _ => null,
            })
            .OfType<JsonNode>()
            .Select(q => (Sql: q["query"]!.GetValue<string>(), Parameters: (IReadOnlyDictionary<string, SqlType>)q["queryParameters"]!.AsArray()
                .ToDictionary(p => p!["name"]!.GetValue<string>(), p => TypeOf(p!["parameterType"]!["type"]!.GetValue<string>()))))
            .DistinctBy(t => t.Sql + string.Join(",", t.Parameters.Select(p => $"{p.Key}:{p.Value}")))
            .ToList();

    private static SqlType TypeOf(string bigQueryType) => bigQueryType switch
    {
        "INT64" or "INTEGER" => SqlType.Int64,
        "FLOAT64" or "FLOAT" => SqlType.Float64,
        "STRING" => SqlType.String,
        "TIMESTAMP" => SqlType.Timestamp,
        "BOOL" or "BOOLEAN" => SqlType.Bool,
        _ => throw new NotSupportedException(bigQueryType),
    };

    private async Task RunEveryCaseAsync()
    {
        var objects = new MemoryObjects();
        var options = BigQueryFunctions.Options(_bigQuery);
        await using (var userContent = await BigQueryFunctions.StartAsync<UserContentFunction>(options))
        {
            using var client = userContent.CreateClient();
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/user_content/?user_id=6504233704206137123&query_date=2022-03-27")).StatusCode);
        }
        await using (var ingest = await BigQueryFunctions.StartAsync<IngestInteractionFunction>(options))
        {
            Assert.Equal(HttpStatusCode.OK, (await ingest.SendAsync(Messages.PubSub(Messages.SeedInteraction, "m1"))).StatusCode);
        }
        await using var backfill = await BigQueryFunctions.StartAsync<BackfillCsvFunction>(options,
            services => services.AddSingleton(new BackfillOptions(MaxBadRows: 1)).AddSingleton<IObjectSource>(objects));
        async Task LoadAsync(string name, long generation, string csv, string? history = null)
        {
            objects.Put($"gs://dumps/{name}", generation, System.Text.Encoding.UTF8.GetBytes(csv));
            if (history is not null)
            {
                _bigQuery.Script(r => r.Body?["query"]?.GetValue<string>().Contains("WHERE object = @object AND target = @target") == true
                    ? (200, $$"""{"jobComplete":true,"rows":[{"f":[{"v":"gs://dumps/{{name}}"},{"v":"5"},{"v":"t"},{"v":"{{history}}"},{"v":"1"},{"v":"0"},{"v":null},{"v":"1700000000000000"},{"v":"1700000000000000"}]}],"totalRows":"1"}""")
                    : null);
            }
            var response = await backfill.SendAsync(EventarcRequest.ForFinalizedObject(
                new StorageObjectData { Bucket = "dumps", Name = name, Generation = generation }, $"{name}/{generation}"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        await LoadAsync(Interactions, 7, "user_id,content_id,read_percent,updated_at\n1,2,95,2022-03-27\n1,2,250,2022-03-27\n");
        await LoadAsync(Interactions, 8, "\uFEFFPRATILIPI_ID ,note,User_Id,updated_at,read_percent\r\n2,x,1,2022-03-27T10:00:00+05:30,99\r\n", history: "loaded");
        await LoadAsync(Interactions, 9, "user_id,content_id,read_percent,updated_at\n", history: "loaded");
        await LoadAsync(Interactions, 5, "user_id,content_id,read_percent,updated_at\n", history: "loaded");
        await LoadAsync(Interactions, 10, "user_id,content_id,read_percent,updated_at\nx,1,1,1\ny,1,1,1\n");
        await LoadAsync(Interactions, 11, "user_id,read_percent\n1,2\n");
        await LoadAsync(Content, 3, "content_id,category_name,updated_at\n12,romance,2022-03-27\n13,,2022-03-27\n");
        await LoadAsync(Content, 4, "category_name,pratilipi_id\n\"a, b\",12\n", history: "loaded");
    }
}
