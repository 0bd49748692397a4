namespace Pipeline.Warehouse.DuckDb;

/// <summary>The DDL of the four tables in DuckDB's dialect; event ids are primary keys, which makes writes idempotent.</summary>
internal static class DuckDbSchema
{
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";

    public static string CreateTables(TableNames tables) => $"""
        CREATE TABLE IF NOT EXISTS {Quote(tables.Interactions)} (
            event_id     VARCHAR PRIMARY KEY,
            user_id      BIGINT NOT NULL,
            content_id   BIGINT NOT NULL,
            read_percent DOUBLE NOT NULL,
            updated_at   TIMESTAMP NOT NULL,
            ingested_at  TIMESTAMP NOT NULL);
        CREATE TABLE IF NOT EXISTS {Quote(tables.ContentMeta)} (
            event_id      VARCHAR PRIMARY KEY,
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
