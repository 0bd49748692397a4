namespace Pipeline.Tests.GoogleSql;

/// <summary>ZetaSQL itself, as the tests reach it: parse, analyze in BigQuery's mode against the DDL's catalog, evaluate.</summary>
[Collection(ZetaSqlCollection.Name)]
public sealed class ZetaSqlEngineTest(ZetaSqlEngine engine)
{
    private static readonly DateTime s_day = new(2022, 3, 20, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task BigQueryDdl_AnalyzesInBigQueryModeIntoTheCatalog()
    {
        var statements = await engine.AnalyzeScriptAsync(Fixtures.Repository.Read(BigQueryCatalog.DdlPath), BigQueryCatalog.Empty);
        var catalog = await BigQueryCatalog.FromDdlAsync(engine);

        Assert.Equal(5, statements.Count);
        Assert.All(statements, s => Assert.Equal("RESOLVED_CREATE_TABLE_STMT", s.Kind));
        Assert.StartsWith("CREATE TABLE IF NOT EXISTS user_interaction (", statements[0].Sql);
        Assert.EndsWith("OPTIONS (description = 'One row per backfill attempt: loaded, failed or skipped.')", statements[3].Sql);
        Assert.Equal(["user_interaction", "content_meta", "ingest_errors", "load_log", "backfill_lock"], catalog.DdlTables.Select(t => t.Name));
        Assert.Equal(
            [("event_id", "TYPE_STRING"), ("user_id", "TYPE_INT64"), ("content_id", "TYPE_INT64"), ("read_percent", "TYPE_DOUBLE"),
             ("updated_at", "TYPE_TIMESTAMP"), ("ingested_at", "TYPE_TIMESTAMP")],
            catalog.ColumnsOf("user_interaction").Select(c => (c.Name, c.Type.Kind)));
    }

    [Fact]
    public async Task ProductModeExternal_RefusesInternalOnlyTypes()
    {
        // BigQuery has no DOUBLE type name (FLOAT64 only): the engine speaks BigQuery's dialect, not Google's internal one.
        var error = await Assert.ThrowsAsync<ZetaSqlException>(() => engine.AnalyzeScriptAsync("SELECT CAST(1 AS DOUBLE)", BigQueryCatalog.Empty));

        Assert.Contains("DOUBLE", error.Details);
    }

    [Fact]
    public async Task SyntaxError_IsReportedWithItsLocation()
    {
        var error = await Assert.ThrowsAsync<ZetaSqlException>(() => engine.ParseScriptAsync("SELECT 1;\nSELEC 2;"));

        Assert.Matches(@"^Syntax error: .*SELEC.* \[at 2:1\]$", error.Details);
    }

    [Fact]
    public async Task Script_ParsesWithControlStatements()
    {
        var parsed = await engine.ParseScriptAsync("""
            DECLARE n INT64 DEFAULT 0;
            IF n = 0 THEN
              BEGIN TRANSACTION;
              SELECT 1;
              COMMIT TRANSACTION;
            END IF;
            """);

        Assert.Equal(2, parsed["parsed_script"]!["statement_list_node"]!["statement_list"]!.AsArray().Count);
    }

    [Fact]
    public async Task WrongColumnName_FailsAnalysisNamingIt()
    {
        var catalog = (await BigQueryCatalog.FromDdlAsync(engine)).WithDdlTablesIn("proj", "ds");

        var error = await Assert.ThrowsAsync<ZetaSqlException>(() => engine.AnalyzeScriptAsync(
            "SELECT content_id FROM `proj.ds.user_interaction`;\nSELECT user_idd FROM `proj.ds.user_interaction` WHERE user_id = 1;",
            catalog));

        Assert.StartsWith("Unrecognized name: user_idd", error.Details);
        Assert.Contains("in statement 2: SELECT user_idd", error.Details);
    }

    [Fact]
    public async Task Script_IsAnalyzedStatementByStatement()
    {
        var catalog = (await BigQueryCatalog.FromDdlAsync(engine)).WithDdlTablesIn("proj", "ds")
            .WithTable("proj.ds.staging", ("c0", SqlType.String), ("c1", SqlType.String));

        var statements = await engine.AnalyzeScriptAsync("""
            BEGIN TRANSACTION;
            DELETE FROM `proj.ds.content_meta` WHERE STARTS_WITH(event_id, @prefix);
            INSERT INTO `proj.ds.content_meta` (event_id, content_id, category_name, updated_at, ingested_at)
              SELECT CONCAT(@prefix, c0), SAFE_CAST(c0 AS INT64), c1, NULL, CURRENT_TIMESTAMP() FROM `proj.ds.staging`;
            COMMIT TRANSACTION;
            DROP TABLE IF EXISTS `proj.ds.staging`;
            -- the end
            """, catalog, new Dictionary<string, SqlType> { ["prefix"] = SqlType.String });

        Assert.Equal(
            ["RESOLVED_BEGIN_STMT", "RESOLVED_DELETE_STMT", "RESOLVED_INSERT_STMT", "RESOLVED_COMMIT_STMT", "RESOLVED_DROP_STMT"],
            statements.Select(s => s.Kind));
        Assert.Equal("DELETE FROM `proj.ds.content_meta` WHERE STARTS_WITH(event_id, @prefix)", statements[1].Sql);
        Assert.Equal("DROP TABLE IF EXISTS `proj.ds.staging`", statements[4].Sql);
    }

    [Fact]
    public async Task ParameterisedQuery_EvaluatesOverGivenRows()
    {
        var catalog = (await BigQueryCatalog.FromDdlAsync(engine)).WithDdlTablesIn("proj", "ds");
        var rows = new List<object?[]>
        {
            Interaction("e1", 7, 1, 95, s_day),
            Interaction("e2", 7, 1, 50, s_day.AddHours(1)),
            Interaction("e3", 7, 2, 100, s_day.AddMicroseconds(1)),
            Interaction("e4", 7, long.MaxValue, 91, s_day.AddDays(1)),
            Interaction("e5", 8, 1, 99, s_day),                       // another user
            Interaction("e6", 7, 3, 99, s_day.AddMicroseconds(-1)),   // before @from
        };

        var result = await engine.EvaluateQueryAsync("""
            SELECT content_id, COUNT(*) AS reads, SUM(read_percent) AS percent, MIN(updated_at) AS first
            FROM `proj.ds.user_interaction`
            WHERE user_id = @user_id AND updated_at >= @from_ts
            GROUP BY content_id ORDER BY content_id
            """, catalog, new Dictionary<string, IReadOnlyList<object?[]>> { ["proj.ds.user_interaction"] = rows },
            new Dictionary<string, object> { ["user_id"] = 7L, ["from_ts"] = s_day });

        Assert.Equal(["content_id", "reads", "percent", "first"], result.Columns.Select(c => c.Name));
        Assert.Equal(["TYPE_INT64", "TYPE_INT64", "TYPE_DOUBLE", "TYPE_TIMESTAMP"], result.Columns.Select(c => c.TypeKind));
        Assert.Equal(
            [
                [1L, 2L, 145.0, s_day],
                [2L, 1L, 100.0, s_day.AddMicroseconds(1)],
                [long.MaxValue, 1L, 91.0, s_day.AddDays(1)],
            ],
            result.Rows);
        Assert.All(result.Rows, r => Assert.Equal(DateTimeKind.Utc, ((DateTime)r[3]!).Kind));
    }

    [Fact]
    public async Task EvaluateModify_ReturnsTheRowsTouched()
    {
        // What the reference evaluator answers for DML on a table without a primary key (as every catalog table is).
        var catalog = (await BigQueryCatalog.FromDdlAsync(engine)).WithDdlTablesIn("proj", "ds");
        var tables = new Dictionary<string, IReadOnlyList<object?[]>>
        {
            ["proj.ds.content_meta"] = [["c1", 1L, "romance", null, s_day], ["c2", 2L, "drama", s_day, s_day], ["c3", 1L, "crime", null, s_day]],
        };
        var none = new Dictionary<string, object>();

        var inserted = await engine.EvaluateModifyAsync(
            "INSERT INTO `proj.ds.content_meta` (event_id, content_id, category_name, ingested_at) VALUES ('c4', @id, 'family', @at)",
            catalog, tables, new Dictionary<string, object> { ["id"] = 9007199254740993L, ["at"] = s_day });
        var updated = await engine.EvaluateModifyAsync(
            "UPDATE `proj.ds.content_meta` SET category_name = UPPER(category_name) WHERE content_id = 1", catalog, tables, none);
        var deleted = await engine.EvaluateModifyAsync("DELETE FROM `proj.ds.content_meta` WHERE content_id = 1", catalog, tables, none);
        var nothing = await engine.EvaluateModifyAsync("DELETE FROM `proj.ds.content_meta` WHERE content_id = 99", catalog, tables, none);

        Assert.Equal("proj.ds.content_meta", inserted.TableName);
        Assert.Equal([new ModifiedRow("INSERT", ["c4", 9007199254740993L, "family", null, s_day])], inserted.Rows, s_rowComparer);
        Assert.Equal(
            [new ModifiedRow("UPDATE", ["c1", 1L, "ROMANCE", null, s_day]), new ModifiedRow("UPDATE", ["c3", 1L, "CRIME", null, s_day])],
            updated.Rows.OrderBy(r => (string)r.Cells[0]!), s_rowComparer);
        // DELETE: one row per deleted row, and no cells: only the count tells.
        Assert.Equal([new ModifiedRow("DELETE", []), new ModifiedRow("DELETE", [])], deleted.Rows, s_rowComparer);
        Assert.Empty(nothing.Rows);
    }

    [Fact]
    public async Task ConcurrentCalls_AreEachAnsweredToTheirCaller()
    {
        var none = new Dictionary<string, IReadOnlyList<object?[]>>();

        var answers = await Task.WhenAll(Enumerable.Range(0, 40).Select(async n =>
        {
            var result = await engine.EvaluateQueryAsync("SELECT @n * 2 AS twice", BigQueryCatalog.Empty, none,
                new Dictionary<string, object> { ["n"] = (long)n });
            return (long)result.Rows.Single()[0]!;
        }));

        Assert.Equal(Enumerable.Range(0, 40).Select(n => 2L * n), answers);
    }

    private static readonly EqualityComparer<ModifiedRow> s_rowComparer = EqualityComparer<ModifiedRow>.Create(
        (a, b) => a!.Operation == b!.Operation && a.Cells.SequenceEqual(b.Cells), r => r.Operation.GetHashCode());

    private static object?[] Interaction(string eventId, long userId, long contentId, double readPercent, DateTime updatedAt) =>
        [eventId, userId, contentId, readPercent, updatedAt, updatedAt];
}
