using DuckDB.NET.Data;
using Pipeline.Domain.Backfill;
using Pipeline.Domain.Rows;
using Pipeline.Domain.Schema;

namespace Pipeline.Warehouse.DuckDb;

/// <summary>
/// The tables of <see cref="WarehouseSchema"/> in DuckDB: their DDL and their appenders, plus <c>ingested_events</c>:
/// the keys of every streamed event, whose primary key makes redelivered Pub/Sub messages no-ops. The big tables
/// carry no index — backfill appends millions of rows, made exactly-once by <c>load_log</c> instead, and the query
/// counts each event_id once anyway.
/// </summary>
internal static class DuckDbSchema
{
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";

    public const string IngestedEvents = "ingested_events";
    public const string StageInteractions = "stage_interactions";
    public const string StageContentMeta = "stage_content_meta";
    public const string StageErrors = "stage_ingest_errors";

    public static RowAppender<Interaction> Interactions { get; } = new(WarehouseSchema.UserInteraction);

    public static RowAppender<ContentMeta> ContentMeta { get; } = new(WarehouseSchema.ContentMeta);

    public static RowAppender<DeadLetter> IngestErrors { get; } = new(WarehouseSchema.IngestErrors);

    public static RowAppender<LoadLogEntry> LoadLog { get; } = new(WarehouseSchema.LoadLog);

    /// <summary>The writer connection's own staging tables: rows are appended there, then moved with one INSERT … ON CONFLICT.</summary>
    public static string CreateStagingTables(TableNames tables) => $"""

        CREATE TEMP TABLE IF NOT EXISTS {StageInteractions} AS SELECT * FROM {Quote(tables.Interactions)} LIMIT 0;
        CREATE TEMP TABLE IF NOT EXISTS {StageContentMeta} AS SELECT * FROM {Quote(tables.ContentMeta)} LIMIT 0;
        CREATE TEMP TABLE IF NOT EXISTS {StageErrors} AS SELECT * FROM {Quote(tables.IngestErrors)} LIMIT 0;
        """;

    /// <summary>The four tables under their configured names, and the ledger.</summary>
    public static string CreateTables(TableNames tables) =>
        string.Concat(Named(tables).Select(t => CreateTable(t.Table, t.Name))) + $"""
        CREATE TABLE IF NOT EXISTS {IngestedEvents} (
            target   VARCHAR NOT NULL,
            event_id VARCHAR NOT NULL,
            PRIMARY KEY (target, event_id));
        """;

    /// <summary>The columns of a table, comma-separated, in its order.</summary>
    public static string ColumnList(TableDeclaration table) => string.Join(", ", table.Columns.Select(c => c.Name));

    private static string CreateTable(TableDeclaration table, string name)
    {
        var width = table.Columns.Max(c => c.Name.Length);
        var lines = table.Columns.Select(c => $"    {c.Name.PadRight(width)} {TypeName(c.Type)}{(c.Nullable ? "" : " NOT NULL")}").ToList();
        if (table.Key.Count > 0)
        {
            lines.Add($"    PRIMARY KEY ({string.Join(", ", table.Key)})");
        }
        // A nullable column declared since the table was created is added to it (at the end, as declared); the
        // statement does nothing when the column is there.
        var added = table.Columns.Where(c => c.Nullable).Select(c => $"ALTER TABLE {Quote(name)} ADD COLUMN IF NOT EXISTS {c.Name} {TypeName(c.Type)};\n");
        return $"CREATE TABLE IF NOT EXISTS {Quote(name)} (\n{string.Join(",\n", lines)});\n" + string.Concat(added);
    }

    private static string TypeName(ColumnType type) => type switch
    {
        ColumnType.String => "VARCHAR",
        ColumnType.Int64 => "BIGINT",
        ColumnType.Float64 => "DOUBLE",
        ColumnType.Timestamp => "TIMESTAMP",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    private static IEnumerable<(TableDeclaration Table, string Name)> Named(TableNames tables) =>
    [
        (WarehouseSchema.UserInteraction, tables.Interactions),
        (WarehouseSchema.ContentMeta, tables.ContentMeta),
        (WarehouseSchema.IngestErrors, tables.IngestErrors),
        (WarehouseSchema.LoadLog, tables.LoadLog),
    ];
}

/// <summary>
/// Appends a table's rows with DuckDB's appender: every column in declaration order, through its typed accessor
/// (no boxing, no reflection), because a backfill appends millions of rows a second.
/// </summary>
internal sealed class RowAppender<TRow>(TableDeclaration<TRow> table)
{
    private readonly Column<TRow>[] _columns = [.. table.Columns];

    /// <summary>Appends rows; <paramref name="writeTime"/> fills the write-time columns.</summary>
    public void Append(DuckDBAppender appender, IReadOnlyList<TRow> rows, DateTime writeTime)
    {
        var columns = _columns;
        foreach (var row in rows)
        {
            var values = appender.CreateRow();
            foreach (var column in columns)
            {
                switch (column.Type)
                {
                    case ColumnType.Timestamp when column.IsWriteTime:
                        values.AppendValue(writeTime);
                        break;
                    case ColumnType.String:
                        values.AppendValue(column.StringOf!(row));
                        break;
                    case ColumnType.Int64:
                        values.AppendValue(column.Int64Of!(row));
                        break;
                    case ColumnType.Float64:
                        values.AppendValue(column.Float64Of!(row));
                        break;
                    default:
                        values.AppendValue(column.TimestampOf!(row));
                        break;
                }
            }
            values.EndRow();
        }
    }
}
