using Pipeline.Warehouse.Backfill;
using Pipeline.Warehouse.BigQuery.Rest;
using Pipeline.Warehouse.Ingest;

namespace Pipeline.Warehouse.BigQuery;

/// <summary>
/// The GoogleSQL of a BigQuery backfill, which holds no rule: the rows were validated in C#
/// (<see cref="CsvBackfill"/>) and staged by a load job; the commit script only moves them in one transaction —
/// replace the older generation's rows, insert the good rows, dead-letter the bad ones, record load_log — and drops
/// the staging table. Every value is a parameter; only table ids from configuration appear in the text.
/// </summary>
internal static class BackfillScript
{
    /// <summary>The staging table: the target's columns (no ingested_at), then a dead letter's payload and error.</summary>
    public static TableSchema StagingSchema(RecordKind target) => new(
        [.. Columns(target).Select(c => new TableFieldSchema(c.Name, c.Type)), new("payload", "STRING"), new("error", "STRING")]);

    /// <summary>The commit script; <paramref name="staging"/> is null when the file had no rows at all.</summary>
    public static string Commit(RecordKind target, BigQueryOptions options, TableReference? staging, bool replacing)
    {
        var into = BigQueryOptions.Sql(target == RecordKind.Interaction ? options.Interactions : options.ContentMeta);
        var columns = string.Join(", ", Columns(target).Select(c => c.Name));
        var statements = new List<string>
        {
            "BEGIN TRANSACTION",
            // The decision was taken on @basis load_log rows of this object; if another delivery has written one
            // since, this commit fails (nothing of it lands) and the event, delivered again, is decided anew.
            $"""
            SELECT IF((SELECT COUNT(*) FROM {BigQueryOptions.Sql(options.LoadLog)} WHERE object = @object AND target = @target) = @basis, 0,
              ERROR('the load_log of this object changed since this delivery decided; the next delivery decides again'))
            """,
        };
        if (replacing)
        {
            // Only when an older generation was loaded: a first load issues no DELETE (a DELETE that could touch
            // rows still in the streaming buffer fails). This object's rows of any generation, "<object>#<generation>:<line>".
            statements.Add($"""
                DELETE FROM {into}
                WHERE STARTS_WITH(event_id, @object_prefix) AND REGEXP_CONTAINS(SUBSTR(event_id, LENGTH(@object_prefix) + 1), @own_row)
                """);
        }
        if (staging is not null)
        {
            var from = BigQueryOptions.Sql(staging);
            statements.Add($"""
                INSERT INTO {into} ({columns}, ingested_at)
                SELECT {columns}, @started_at FROM {from} WHERE error IS NULL
                """);
            statements.Add($"""
                INSERT INTO {BigQueryOptions.Sql(options.IngestErrors)} (source, event_id, payload, error, received_at)
                SELECT @source, event_id, payload, error, @started_at FROM {from} WHERE error IS NOT NULL
                """);
        }
        statements.Add(LoadLogInsert(options));
        statements.Add("COMMIT TRANSACTION");
        if (staging is not null)
        {
            statements.Add($"DROP TABLE IF EXISTS {BigQueryOptions.Sql(staging)}");
        }
        return string.Join(";\n", statements) + ";\n";
    }

    /// <summary>One load_log row: @object, @generation, @target, @status, @rows_loaded, @rows_rejected, @error, @started_at.</summary>
    public static string LoadLogInsert(BigQueryOptions options) => $"""
        INSERT INTO {BigQueryOptions.Sql(options.LoadLog)} (object, generation, target, status, rows_loaded, rows_rejected, error, started_at, finished_at)
        VALUES (@object, @generation, @target, @status, @rows_loaded, @rows_rejected, @error, @started_at, CURRENT_TIMESTAMP())
        """;

    /// <summary>An object's outcomes in one target: @object, @target.</summary>
    public static string LoadLogRead(BigQueryOptions options) => $"""
        SELECT object, generation, target, status, rows_loaded, rows_rejected, error, started_at, finished_at
        FROM {BigQueryOptions.Sql(options.LoadLog)}
        WHERE object = @object AND target = @target
        """;

    private static IEnumerable<(string Name, string Type)> Columns(RecordKind target) => target == RecordKind.Interaction
        ? [("event_id", "STRING"), ("user_id", "INT64"), ("content_id", "INT64"), ("read_percent", "FLOAT64"), ("updated_at", "TIMESTAMP")]
        : [("event_id", "STRING"), ("content_id", "INT64"), ("category_name", "STRING"), ("updated_at", "TIMESTAMP")];
}
