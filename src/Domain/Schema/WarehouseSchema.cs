using Pipeline.Domain.Backfill;
using Pipeline.Domain.Rows;
using static Pipeline.Domain.Schema.WriteTimeValue;

namespace Pipeline.Domain.Schema;

/// <summary>
/// The four tables, declared once. Everything else comes from here: DuckDB's DDL and appenders, BigQuery's
/// insertAll rows, the backfill's staging schema and NDJSON, the load_log statements, and <c>deploy/bigquery.sql</c>
/// (generated; <c>SchemaDdlTest</c> says how). Columns are written positionally: add one at the end of its table.
/// </summary>
public static class WarehouseSchema
{
    // The logical types by their short names here (System.String and System.Int64 would make `using static` ambiguous).
    private const ColumnType String = ColumnType.String, Int64 = ColumnType.Int64, Float64 = ColumnType.Float64, Timestamp = ColumnType.Timestamp;

    /// <summary>Reading events, streamed and backfilled.</summary>
    public static TableDeclaration<Interaction> UserInteraction { get; } = new("user_interaction",
    [
        new("event_id",     String,    r => r.EventId),
        new("user_id",      Int64,     r => r.UserId),
        new("content_id",   Int64,     r => r.ContentId),
        new("read_percent", Float64,   r => r.ReadPercent),
        new("updated_at",   Timestamp, r => r.UpdatedAt),
        new("ingested_at",  Timestamp, WriteTime),
    ])
    {
        Description = "Reading events: Pub/Sub user-interaction and backfilled dumps. event_id is unique per event.",
        PartitionByDay = "updated_at",
        ClusterBy = ["user_id"],
    };

    /// <summary>Content categories, streamed and backfilled.</summary>
    public static TableDeclaration<ContentMeta> ContentMeta { get; } = new("content_meta",
    [
        new("event_id",      String,    r => r.EventId),
        new("content_id",    Int64,     r => r.ContentId),
        new("category_name", String,    r => r.CategoryName),
        new("updated_at",    Timestamp, r => r.UpdatedAt, nullable: true),
        new("ingested_at",   Timestamp, WriteTime),
    ])
    {
        Description = "Content categories: a content may have several.",
        ClusterBy = ["content_id"],
    };

    /// <summary>The dead letters.</summary>
    public static TableDeclaration<DeadLetter> IngestErrors { get; } = new("ingest_errors",
    [
        new("source",      String,    e => e.Source),
        new("event_id",    String,    e => e.EventId),
        new("payload",     String,    e => e.Payload, nullable: true),
        new("error",       String,    e => e.Error),
        new("received_at", Timestamp, WriteTime),
    ])
    {
        Description = "Dead letters: every refused record with its raw payload and the reason.",
        PartitionByDay = "received_at",
        Key = ["source", "event_id"],
    };

    /// <summary>The backfill's attempts.</summary>
    public static TableDeclaration<LoadLogEntry> LoadLog { get; } = new("load_log",
    [
        new("object",        String,    l => l.Object),
        new("generation",    String,    l => l.Generation),
        new("target",        String,    l => l.Target),
        new("status",        String,    l => l.Status),
        new("rows_loaded",   Int64,     l => l.RowsLoaded),
        new("rows_rejected", Int64,     l => l.RowsRejected),
        new("error",         String,    l => l.Error, nullable: true),
        new("started_at",    Timestamp, l => l.StartedAt),
        new("finished_at",   Timestamp, l => l.FinishedAt),
    ])
    {
        Description = "One row per backfill attempt: loaded, failed or skipped.",
    };

    /// <summary>
    /// BigQuery only: one row per backfill target, which every loading commit updates so that two overlapping commits
    /// conflict (BigQuery cancels one). The commit inserts its target's row when it is missing.
    /// </summary>
    public static TableDeclaration<BackfillClaim> BackfillLock { get; } = new("backfill_lock",
    [
        new("target", String, c => c.Target),
        new("claims", Int64,  c => c.Claims),
    ])
    {
        Description = "One row per backfill target, updated by every loading commit so that overlapping commits conflict (docs/backfill-concurrency.md).",
    };

    /// <summary>The four tables, in this order.</summary>
    public static IReadOnlyList<TableDeclaration> All { get; } = [UserInteraction, ContentMeta, IngestErrors, LoadLog];

    /// <summary>The tables deploy/bigquery.sql creates: the four, then <see cref="BackfillLock"/>.</summary>
    public static IReadOnlyList<TableDeclaration> BigQueryTables { get; } = [.. All, BackfillLock];
}
