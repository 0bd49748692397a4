using System.Net;
using System.Text.Json.Nodes;
using Pipeline.Domain.Query;
using Pipeline.Functions.UserContent;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.GoogleSql;

/// <summary>
/// The UserContent text as the adapter sends it (recorded by the fake BigQuery), analyzed by ZetaSQL against the
/// catalog of <c>deploy/bigquery.sql</c>: its resolved AST — not a regex on the text — must filter the interactions
/// scan by a range on the bare partitioning column between the window's parameters and by the bare clustering
/// column equal to the user's, the forms BigQuery prunes DAY partitions and cluster blocks with before it reads.
/// The partitioning and clustering columns come from the analyzed DDL too. ZetaSQL knows nothing of partitions: this
/// checks the query's shape, not BigQuery's plan; a dry run in a real project (docs/bigquery-query.md) measures that.
/// </summary>
[Collection(ZetaSqlCollection.Name)]
public sealed class UserContentPruningTest(ZetaSqlEngine engine)
{
    private const string Interactions = "proj.ds.user_interaction";
    private const string ContentMeta = "proj.ds.content_meta";
    private const string WindowRange = "updated_at >= @from_ts AND updated_at < @until_ts";

    [Fact]
    public async Task DeployDdl_PartitionsInteractionsByDayOfUpdatedAtAndClustersThemByUser()
    {
        var keys = await KeysAsync();

        Assert.Equal(new PruningKeys("updated_at", "DATE(updated_at)", "user_id"), keys);
    }

    [Fact]
    public async Task UserContentQueryAsSent_FiltersTheScanByTheWindowOnThePartitionColumnAndTheUserOnTheClusterColumn()
    {
        var (sql, parameters) = await SentAsync();

        var problems = await ProblemsAsync(sql, parameters);

        Assert.Empty(problems);
    }

    [Theory]
    [InlineData(WindowRange, "DATE(updated_at) BETWEEN DATE(@from_ts) AND DATE(@until_ts)", "partitioning column updated_at below")]
    [InlineData(WindowRange, "TIMESTAMP_TRUNC(updated_at, DAY) >= @from_ts AND updated_at < @until_ts", "partitioning column updated_at below")]
    [InlineData(WindowRange, "updated_at >= @from_ts", "partitioning column updated_at above")]
    [InlineData("user_id = @user_id AND ", "", "clustering column user_id")]
    [InlineData("user_id = @user_id AND ", "(user_id = @user_id OR user_id IS NULL) AND ", "clustering column user_id")]
    [InlineData("user_id = @user_id AND " + WindowRange, "TRUE", "partitioning column updated_at")]
    public async Task AQueryBigQueryCouldNotPrune_IsCaught(string original, string replacement, string expected)
    {
        var (sql, parameters) = await SentAsync();
        Assert.Contains(original, sql);

        var problems = await ProblemsAsync(sql.Replace(original, replacement, StringComparison.Ordinal), parameters);

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task UserContentQueryAsSent_ReadsTheColumnsDocumentedForItsDryRun()
    {
        // docs/bigquery-query.md computes the bytes a request scans from exactly these columns.
        var (sql, parameters) = await SentAsync();
        var query = Assert.Single(await engine.AnalyzeScriptAsync(sql, await CatalogAsync(), parameters));

        Assert.Equal(["content_id", "event_id", "read_percent", "updated_at", "user_id"], ScanPruning.ColumnsRead(query.Node, Interactions).Order());
        Assert.Equal(["category_name", "content_id"], ScanPruning.ColumnsRead(query.Node, ContentMeta).Order());
    }

    [Fact]
    public async Task DryRunCommandInTheDocs_RunsTheTextTheAdapterSends()
    {
        var doc = Repository.Read("docs/bigquery-query.md");
        var start = doc.IndexOf("<<'SQL'\n", StringComparison.Ordinal) + "<<'SQL'\n".Length;
        var documented = doc[start..doc.IndexOf("\nSQL\n", start, StringComparison.Ordinal)];
        var (sql, _) = await SentAsync();

        Assert.Equal(sql, documented.Replace("PROJECT.DATASET.", "proj.ds.", StringComparison.Ordinal));
    }

    private async Task<IReadOnlyList<string>> ProblemsAsync(string sql, IReadOnlyDictionary<string, SqlType> parameters)
    {
        var query = Assert.Single(await engine.AnalyzeScriptAsync(sql, await CatalogAsync(), parameters));
        Assert.Equal("RESOLVED_QUERY_STMT", query.Kind);
        return ScanPruning.Problems(query.Node, Interactions, await KeysAsync(), UserContentSql.From, UserContentSql.Until, UserContentSql.UserId);
    }

    private async Task<PruningKeys> KeysAsync()
    {
        var ddl = await engine.AnalyzeScriptAsync(Repository.Read(BigQueryCatalog.DdlPath), BigQueryCatalog.Empty);
        var create = Assert.Single(ddl, s => ResolvedAst.Field(s.Node, "name_path") is JsonArray and [var name] && name!.GetValue<string>() == "user_interaction");
        return PruningKeys.FromCreateTable(create.Node);
    }

    private async Task<BigQueryCatalog> CatalogAsync() => (await BigQueryCatalog.FromDdlAsync(engine)).WithDdlTablesIn("proj", "ds");

    /// <summary>The jobs.query text and parameter types UserContent sends, as the fake BigQuery recorded them.</summary>
    private static async Task<(string Sql, IReadOnlyDictionary<string, SqlType> Parameters)> SentAsync()
    {
        await using var bigQuery = await FakeBigQuery.StartAsync();
        await using (var server = await BigQueryFunctions.StartAsync<UserContentFunction>(BigQueryFunctions.Options(bigQuery)))
        {
            using var client = server.CreateClient();
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/user_content/?user_id=6504233704206137123&query_date=2022-03-27")).StatusCode);
        }
        var body = Assert.Single(bigQuery.Calls("POST", "/bigquery/v2/projects/proj/queries")).Body!;
        var parameters = body["queryParameters"]!.AsArray().ToDictionary(p => p!["name"]!.GetValue<string>(), p => p!["parameterType"]!["type"]!.GetValue<string>() switch
        {
            "INT64" => SqlType.Int64,
            "FLOAT64" => SqlType.Float64,
            "TIMESTAMP" => SqlType.Timestamp,
            var other => throw new NotSupportedException(other),
        });
        return (body["query"]!.GetValue<string>(), parameters);
    }
}
