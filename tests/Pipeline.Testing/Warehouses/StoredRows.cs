using Pipeline.Domain.Backfill;
using Pipeline.Domain.Rows;
using Pipeline.Domain.Schema;

namespace Pipeline.Tests.Fixtures;

/// <summary>A row as its table holds it: the record the product wrote, and the time the warehouse stamped on it.</summary>
public sealed record Stored<TRow>(TRow Row, DateTime WrittenAt);

/// <summary>
/// Rows read back as the product's records (<see cref="Interaction"/>, <see cref="ContentMeta"/>,
/// <see cref="DeadLetter"/>, <see cref="LoadLogEntry"/>) instead of arrays read by position. A row is a table's
/// columns in <see cref="WarehouseSchema"/>'s order (which DuckDB's tables and <c>deploy/bigquery.sql</c> have), as
/// C# values (string, long, double, DateTime, null); each value is found by its column's name, and timestamps are UTC.
/// </summary>
public static class StoredRows
{
    public static Stored<Interaction> Interaction(object?[] row)
    {
        var at = Reader(WarehouseSchema.UserInteraction, row);
        return new(new Interaction(at.String("event_id"), at.Int64("user_id"), at.Int64("content_id"), at.Float64("read_percent"),
            at.Timestamp("updated_at")), at.Timestamp("ingested_at"));
    }

    public static Stored<ContentMeta> ContentMeta(object?[] row)
    {
        var at = Reader(WarehouseSchema.ContentMeta, row);
        return new(new ContentMeta(at.String("event_id"), at.Int64("content_id"), at.String("category_name"), at.NullableTimestamp("updated_at")),
            at.Timestamp("ingested_at"));
    }

    public static Stored<DeadLetter> DeadLetter(object?[] row)
    {
        var at = Reader(WarehouseSchema.IngestErrors, row);
        return new(new DeadLetter(at.String("source"), at.String("event_id"), at.NullableString("payload")!, at.String("error")),
            at.Timestamp("received_at"));
    }

    public static LoadLogEntry LoadLogEntry(object?[] row)
    {
        var at = Reader(WarehouseSchema.LoadLog, row);
        return new LoadLogEntry(at.String("object"), at.String("generation"), at.String("target"), at.String("status"),
            at.Int64("rows_loaded"), at.Int64("rows_rejected"), at.NullableString("error"), at.Timestamp("started_at"), at.Timestamp("finished_at"));
    }

    /// <summary>Every row of each table, read with <paramref name="rowsOf"/> (a table's name to its rows, every column).</summary>
    public static async Task<IReadOnlyList<Stored<Interaction>>> InteractionsAsync(Func<string, Task<IReadOnlyList<object?[]>>> rowsOf) =>
        (await rowsOf(WarehouseSchema.UserInteraction.Name)).Select(Interaction).ToList();

    public static async Task<IReadOnlyList<Stored<ContentMeta>>> ContentMetaAsync(Func<string, Task<IReadOnlyList<object?[]>>> rowsOf) =>
        (await rowsOf(WarehouseSchema.ContentMeta.Name)).Select(ContentMeta).ToList();

    public static async Task<IReadOnlyList<Stored<DeadLetter>>> IngestErrorsAsync(Func<string, Task<IReadOnlyList<object?[]>>> rowsOf) =>
        (await rowsOf(WarehouseSchema.IngestErrors.Name)).Select(DeadLetter).ToList();

    public static async Task<IReadOnlyList<LoadLogEntry>> LoadLogAsync(Func<string, Task<IReadOnlyList<object?[]>>> rowsOf) =>
        (await rowsOf(WarehouseSchema.LoadLog.Name)).Select(LoadLogEntry).ToList();

    private static RowReader Reader(TableDeclaration table, object?[] row) =>
        row.Length == table.Columns.Count
            ? new RowReader(table, row)
            : throw new InvalidOperationException($"{table.Name} has {table.Columns.Count} columns; the row read back has {row.Length}.");

    private readonly struct RowReader(TableDeclaration table, object?[] row)
    {
        private object? Value(string column)
        {
            for (var i = 0; i < table.Columns.Count; i++)
            {
                if (table.Columns[i].Name == column)
                {
                    return row[i];
                }
            }
            throw new InvalidOperationException($"{table.Name} has no column {column}.");
        }

        public string? NullableString(string column) => (string?)Value(column);

        public string String(string column) => NullableString(column) ?? throw Null(column);

        public long Int64(string column) => (long)(Value(column) ?? throw Null(column));

        public double Float64(string column) => (double)(Value(column) ?? throw Null(column));

        public DateTime? NullableTimestamp(string column) =>
            Value(column) is DateTime t ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : null;

        public DateTime Timestamp(string column) => NullableTimestamp(column) ?? throw Null(column);

        private InvalidOperationException Null(string column) => new($"{table.Name}.{column} is NULL in a row read back.");
    }
}

/// <summary>The tables of an engine under test, read back as records.</summary>
public static class WarehouseUnderTestRows
{
    public static Task<IReadOnlyList<Stored<Interaction>>> InteractionsAsync(this Conformance.IWarehouseUnderTest engine) =>
        StoredRows.InteractionsAsync(engine.RowsAsync);

    public static Task<IReadOnlyList<Stored<ContentMeta>>> ContentMetaAsync(this Conformance.IWarehouseUnderTest engine) =>
        StoredRows.ContentMetaAsync(engine.RowsAsync);

    public static Task<IReadOnlyList<Stored<DeadLetter>>> IngestErrorsAsync(this Conformance.IWarehouseUnderTest engine) =>
        StoredRows.IngestErrorsAsync(engine.RowsAsync);

    public static Task<IReadOnlyList<LoadLogEntry>> LoadLogAsync(this Conformance.IWarehouseUnderTest engine) =>
        StoredRows.LoadLogAsync(engine.RowsAsync);
}
