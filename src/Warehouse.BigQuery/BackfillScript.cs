using Pipeline.Domain.Backfill;
using Pipeline.Domain.Rows;
using Pipeline.Domain.Schema;
using Pipeline.Warehouse.BigQuery.Rest;

namespace Pipeline.Warehouse.BigQuery;

/// <summary>
/// The GoogleSQL of a BigQuery backfill, which holds no rule: the rows were validated in C#
/// (<see cref="CsvBackfill"/>) and staged by a load job; the commit script only moves them in one transaction —
/// replace the older generation's rows, insert the good rows, dead-letter the bad ones, record load_log — and drops
/// the staging table. Every value is a parameter; only table ids from configuration appear in the text.
/// </summary>
internal static class BackfillScript
{
    /// <summary>The dead letters' source: the script's <c>@source</c>, the same for every row of the file.</summary>
    private static readonly Column s_source = WarehouseSchema.IngestErrors.Column("source");

    /// <summary>When the attempt finished: BigQuery's clock when the statement runs, not a parameter.</summary>
    private static readonly Column s_finishedAt = WarehouseSchema.LoadLog.Column("finished_at");

    /// <summary>
    /// The columns of <c>ingest_errors</c> a backfill stages for each bad row: all but the source (<c>@source</c>)
    /// and the write time (<c>@started_at</c>).
    /// </summary>
    public static IReadOnlyList<Column<DeadLetter>> DeadLetterColumns { get; } =
        [.. WarehouseSchema.IngestErrors.Columns.Where(c => c != s_source && !c.IsWriteTime)];

    /// <summary>A target's columns that its rows hold: all but the write time, which the commit fills with <c>@started_at</c>.</summary>
    public static IReadOnlyList<Column<TRow>> RowColumns<TRow>(TableDeclaration<TRow> table) => [.. table.Columns.Where(c => !c.IsWriteTime)];

    /// <summary>The staging table's first column: the row's line number in the object, from which the commit rebuilds the event id.</summary>
    public const string LineColumn = "line";

    /// <summary>The event id, never staged: the commit rebuilds it, <c>@event_id_prefix</c> followed by the line.</summary>
    private const string EventIdColumn = "event_id";

    /// <summary>A target's columns that are staged: its row columns but the event id.</summary>
    public static IReadOnlyList<Column<TRow>> StagedColumns<TRow>(TableDeclaration<TRow> table) => [.. RowColumns(table).Where(c => c.Name != EventIdColumn)];

    /// <summary>A dead letter's columns that are staged after the row's: <c>payload</c>, <c>error</c>.</summary>
    public static IReadOnlyList<Column<DeadLetter>> StagedDeadLetterColumns { get; } = [.. DeadLetterColumns.Where(c => c.Name != EventIdColumn)];

    /// <summary>
    /// The staging table, in the staged CSV's field order (<see cref="StagingCsv"/>): the line, the target's staged
    /// columns (a timestamp as INT64 microseconds), then the dead letters' <c>payload</c> and <c>error</c>. A good row
    /// fills the first, a bad row the second; <c>error</c> tells them apart.
    /// </summary>
    public static TableSchema StagingSchema(RecordKind target)
    {
        var rows = Target(target).Columns.Where(c => !c.IsWriteTime && c.Name != EventIdColumn).ToList();
        if (rows.Any(c => StagedDeadLetterColumns.Any(d => d.Name == c.Name)))
        {
            throw new InvalidOperationException($"The staging table of {target} would hold two columns of one name.");
        }
        return new([new TableFieldSchema(LineColumn, "INT64"),
            .. rows.Concat<Column>(StagedDeadLetterColumns).Select(c => new TableFieldSchema(c.Name, SqlType(c.Type == ColumnType.Timestamp ? ColumnType.Int64 : c.Type)))]);
    }

    /// <summary>The GoogleSQL name of a logical type.</summary>
    public static string SqlType(ColumnType type) => type switch
    {
        ColumnType.String => "STRING",
        ColumnType.Int64 => "INT64",
        ColumnType.Float64 => "FLOAT64",
        ColumnType.Timestamp => "TIMESTAMP",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>The sentinel of the commit's basis check failing: the delivery lost a race and decides again.</summary>
    public const string BasisChanged = "backfill-basis-changed";

    /// <summary>
    /// The commit script; <paramref name="staging"/> is null when the file had no rows at all. Its control statements,
    /// in order: insert the target's claim row if missing, BEGIN, claim (UPDATE the row), check the basis, then the
    /// rows' statements and load_log, COMMIT (docs/backfill-concurrency.md).
    /// </summary>
    public static string Commit(RecordKind target, BigQueryOptions options, TableReference? staging, bool replacing)
    {
        var into = BigQueryOptions.Sql(target == RecordKind.Interaction ? options.Interactions : options.ContentMeta);
        var claims = BigQueryOptions.Sql(options.BackfillLock);
        var statements = new List<string>
        {
            // The target's claim row, inserted by the first commit ever (an append: it conflicts with nothing; two
            // first commits may both insert one, and the claim below then updates both, which is as good).
            $"""
            INSERT INTO {claims} (target, claims)
            SELECT @target, 0 FROM UNNEST([1]) WHERE NOT EXISTS (SELECT 1 FROM {claims} WHERE target = @target)
            """,
            "BEGIN TRANSACTION",
            // The claim: every loading commit of this target mutates its row, so of two commits that overlap BigQuery
            // lets the first to commit win and cancels the other ("Multi-statement transactions", Transaction
            // concurrency), which then writes nothing and is decided again.
            $"UPDATE {claims} SET claims = claims + 1 WHERE target = @target",
            // The basis, read in this transaction's snapshot (taken at BEGIN): the decision was taken on @basis
            // load_log rows of this object; if a commit that finished before this one began wrote one since, this
            // commit fails (nothing of it lands) and the delivery decides again.
            $"""
            SELECT IF((SELECT COUNT(*) FROM {BigQueryOptions.Sql(options.LoadLog)} WHERE object = @object AND target = @target) = @basis, 0,
              ERROR('{BasisChanged}: the load_log of this object changed since this delivery decided; it decides again'))
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
                INSERT INTO {into} ({Names(Target(target).Columns)})
                SELECT {Selected(Target(target).Columns)} FROM {from} WHERE error IS NULL
                """);
            statements.Add($"""
                INSERT INTO {BigQueryOptions.Sql(options.IngestErrors)} ({Names(WarehouseSchema.IngestErrors.Columns)})
                SELECT {Selected(WarehouseSchema.IngestErrors.Columns, s_source)} FROM {from} WHERE error IS NOT NULL
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
        INSERT INTO {BigQueryOptions.Sql(options.LoadLog)} ({Names(WarehouseSchema.LoadLog.Columns)})
        VALUES ({string.Join(", ", WarehouseSchema.LoadLog.Columns.Select(c => c == s_finishedAt ? "CURRENT_TIMESTAMP()" : "@" + c.Name))})
        """;

    /// <summary>An object's outcomes in one target: @object, @target.</summary>
    public static string LoadLogRead(BigQueryOptions options) => $"""
        SELECT {Names(WarehouseSchema.LoadLog.Columns)}
        FROM {BigQueryOptions.Sql(options.LoadLog)}
        WHERE object = @object AND target = @target
        """;

    private static TableDeclaration Target(RecordKind target) => target == RecordKind.Interaction ? WarehouseSchema.UserInteraction : WarehouseSchema.ContentMeta;

    private static string Names(IEnumerable<Column> columns) => string.Join(", ", columns.Select(c => c.Name));

    /// <summary>
    /// A commit's SELECT list from the staging table: the event id rebuilt from <c>@event_id_prefix</c> and the line
    /// (exactly <see cref="CsvLoad.EventIdPrefix"/> + line), timestamps from their microseconds, a string never NULL
    /// (an empty field may load as NULL; a backfilled row's strings are never NULL), the write time and the source
    /// as parameters.
    /// </summary>
    private static string Selected(IEnumerable<Column> columns, Column? source = null) =>
        string.Join(", ", columns.Select(c => c switch
        {
            { IsWriteTime: true } => "@started_at",
            _ when c == source => "@source",
            { Name: EventIdColumn } => $"CONCAT(@event_id_prefix, CAST({LineColumn} AS STRING))",
            { Type: ColumnType.Timestamp } => $"TIMESTAMP_MICROS({c.Name})",
            { Type: ColumnType.String } => $"COALESCE({c.Name}, '')",
            _ => c.Name,
        }));
}
