namespace Pipeline.Warehouse.DuckDb;

/// <summary>
/// The DDL of the four tables in DuckDB's dialect, plus <c>ingested_events</c>: the keys of every streamed event,
/// whose primary key makes redelivered Pub/Sub messages no-ops. The big tables carry no index — backfill appends
/// millions of rows, made exactly-once by <c>load_log</c> instead, and the query counts each event_id once anyway.
/// </summary>
internal static class DuckDbSchema
{
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";

    public const string IngestedEvents = "ingested_events";
    public const string StageInteractions = "stage_interactions";
    public const string StageContentMeta = "stage_content_meta";
    public const string StageErrors = "stage_ingest_errors";

    /// <summary>The writer connection's own staging tables: rows are appended there, then moved with one INSERT … ON CONFLICT.</summary>
    public static string CreateStagingTables(TableNames tables) => $"""

        CREATE TEMP TABLE IF NOT EXISTS {StageInteractions} AS SELECT * FROM {Quote(tables.Interactions)} LIMIT 0;
        CREATE TEMP TABLE IF NOT EXISTS {StageContentMeta} AS SELECT * FROM {Quote(tables.ContentMeta)} LIMIT 0;
        CREATE TEMP TABLE IF NOT EXISTS {StageErrors} AS SELECT * FROM {Quote(tables.IngestErrors)} LIMIT 0;
        """;

    public static string CreateTables(TableNames tables) => $"""
        CREATE TABLE IF NOT EXISTS {Quote(tables.Interactions)} (
            event_id     VARCHAR NOT NULL,
            user_id      BIGINT NOT NULL,
            content_id   BIGINT NOT NULL,
            read_percent DOUBLE NOT NULL,
            updated_at   TIMESTAMP NOT NULL,
            ingested_at  TIMESTAMP NOT NULL);
        CREATE TABLE IF NOT EXISTS {Quote(tables.ContentMeta)} (
            event_id      VARCHAR NOT NULL,
            content_id    BIGINT NOT NULL,
            category_name VARCHAR NOT NULL,
            updated_at    TIMESTAMP,
            ingested_at   TIMESTAMP NOT NULL);
        CREATE TABLE IF NOT EXISTS {Quote(tables.IngestErrors)} (
            source      VARCHAR NOT NULL,
            event_id    VARCHAR NOT NULL,
            payload     VARCHAR,
            error       VARCHAR NOT NULL,
            received_at TIMESTAMP NOT NULL,
            PRIMARY KEY (source, event_id));
        CREATE TABLE IF NOT EXISTS {IngestedEvents} (
            target   VARCHAR NOT NULL,
            event_id VARCHAR NOT NULL,
            PRIMARY KEY (target, event_id));
        CREATE TABLE IF NOT EXISTS {Quote(tables.LoadLog)} (
            object        VARCHAR NOT NULL,
            generation    VARCHAR NOT NULL,
            target        VARCHAR NOT NULL,
            status        VARCHAR NOT NULL,
            rows_loaded   BIGINT NOT NULL,
            rows_rejected BIGINT NOT NULL,
            error         VARCHAR,
            started_at    TIMESTAMP NOT NULL,
            finished_at   TIMESTAMP NOT NULL);
        """;
}
