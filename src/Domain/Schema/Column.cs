namespace Pipeline.Domain.Schema;

/// <summary>A column's logical type; each engine names it in its own dialect (BigQuery INT64, DuckDB BIGINT, …).</summary>
public enum ColumnType
{
    /// <summary>Text (BigQuery STRING, DuckDB VARCHAR); a <see cref="string"/>.</summary>
    String,

    /// <summary>A 64-bit integer (BigQuery INT64, DuckDB BIGINT); a <see cref="long"/>.</summary>
    Int64,

    /// <summary>A double (BigQuery FLOAT64, DuckDB DOUBLE); a <see cref="double"/>.</summary>
    Float64,

    /// <summary>An instant in UTC, microsecond precision (TIMESTAMP in both); a UTC <see cref="DateTime"/>.</summary>
    Timestamp,
}

/// <summary>
/// The marker of a column whose value is not the row's but the write's time: a streamed batch's
/// <see cref="Rows.IngestBatch.ReceivedAt"/>, a backfill attempt's start. Declared as <c>new("ingested_at", Timestamp, WriteTime)</c>.
/// </summary>
public sealed class WriteTimeValue
{
    private WriteTimeValue()
    {
    }

    /// <summary>The one instance (use it with <c>using static Pipeline.Domain.Schema.WriteTimeValue;</c>).</summary>
    public static WriteTimeValue WriteTime { get; } = new();
}

/// <summary>What every engine knows of a column without its row type.</summary>
public abstract class Column
{
    private protected Column(string name, ColumnType type, bool nullable, bool isWriteTime)
    {
        Name = name;
        Type = type;
        Nullable = nullable;
        IsWriteTime = isWriteTime;
    }

    /// <summary>The column's name in every engine.</summary>
    public string Name { get; }

    /// <summary>The logical type.</summary>
    public ColumnType Type { get; }

    /// <summary>Whether the column takes NULL; NOT NULL otherwise.</summary>
    public bool Nullable { get; }

    /// <summary>The value is the write's time (<see cref="WriteTimeValue"/>), not something the row holds.</summary>
    public bool IsWriteTime { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} {Type}{(Nullable ? "" : " NOT NULL")}";
}

/// <summary>
/// A column of a table whose rows are <typeparamref name="TRow"/> objects, with the typed accessor that gives its
/// value from a row. Exactly one accessor is set, the one of <see cref="Column.Type"/> (none for a write-time
/// column). Value types come back nullable, so one accessor type serves NULL and NOT NULL columns alike; nothing is
/// boxed.
/// </summary>
public sealed class Column<TRow> : Column
{
    /// <summary>A STRING column.</summary>
    public Column(string name, ColumnType type, Func<TRow, string?> value, bool nullable = false)
        : base(name, Checked(type, ColumnType.String, name), nullable, isWriteTime: false) => StringOf = value;

    /// <summary>An INT64 column.</summary>
    public Column(string name, ColumnType type, Func<TRow, long?> value, bool nullable = false)
        : base(name, Checked(type, ColumnType.Int64, name), nullable, isWriteTime: false) => Int64Of = value;

    /// <summary>A FLOAT64 column.</summary>
    public Column(string name, ColumnType type, Func<TRow, double?> value, bool nullable = false)
        : base(name, Checked(type, ColumnType.Float64, name), nullable, isWriteTime: false) => Float64Of = value;

    /// <summary>A TIMESTAMP column.</summary>
    public Column(string name, ColumnType type, Func<TRow, DateTime?> value, bool nullable = false)
        : base(name, Checked(type, ColumnType.Timestamp, name), nullable, isWriteTime: false) => TimestampOf = value;

    /// <summary>A NOT NULL TIMESTAMP column holding the write's time.</summary>
    public Column(string name, ColumnType type, WriteTimeValue value)
        : base(name, Checked(type, ColumnType.Timestamp, name), nullable: false, isWriteTime: true) => ArgumentNullException.ThrowIfNull(value);

    /// <summary>The value of a <see cref="ColumnType.String"/> column.</summary>
    public Func<TRow, string?>? StringOf { get; }

    /// <summary>The value of an <see cref="ColumnType.Int64"/> column.</summary>
    public Func<TRow, long?>? Int64Of { get; }

    /// <summary>The value of a <see cref="ColumnType.Float64"/> column.</summary>
    public Func<TRow, double?>? Float64Of { get; }

    /// <summary>The value of a <see cref="ColumnType.Timestamp"/> column that the row holds.</summary>
    public Func<TRow, DateTime?>? TimestampOf { get; }

    /// <summary>The value boxed (null for NULL), given the write's time: for tests and single rows, not for bulk paths.</summary>
    public object? ValueOf(TRow row, DateTime writeTime) => Type switch
    {
        _ when IsWriteTime => writeTime,
        ColumnType.String => StringOf!(row),
        ColumnType.Int64 => Int64Of!(row),
        ColumnType.Float64 => Float64Of!(row),
        _ => TimestampOf!(row),
    };

    private static ColumnType Checked(ColumnType declared, ColumnType accessor, string name) => declared == accessor
        ? declared
        : throw new ArgumentException($"Column {name} is declared {declared} but its value is a {accessor}.", nameof(declared));
}
