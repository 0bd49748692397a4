using DuckDB.NET.Data;
using Pipeline.Domain.Rows;
using Pipeline.Domain.Schema;

namespace Pipeline.Warehouse.DuckDb;

/// <summary>
/// How ingested batches are written inside a caller's transaction on the writer connection. The fast path appends
/// straight into the tables and each event's key into <c>ingested_events</c> (DuckDB's appender: no SQL per row).
/// A key conflict — a redelivered event — aborts it, and the group is written again by the idempotent path: staged
/// in the writer's temp tables, then moved with one statement per table that skips every event already ingested.
/// </summary>
/// <param name="tables">The configured table names.</param>
internal sealed class DuckDbIngestCommit(TableNames tables)
{
    // The interaction columns a moved row is read back by: every column but the write time, by name.
    private static readonly string s_interactionReturning = Returning(WarehouseSchema.UserInteraction);
    private static readonly string s_contentMetaReturning = Returning(WarehouseSchema.ContentMeta);

    /// <summary>The fast path: every row appended, every streamed event's key recorded (a redelivery conflicts).</summary>
    public void AppendNew(DuckDBConnection connection, IReadOnlyList<IngestBatch> batches)
    {
        Append(connection, batches, staging: false);
        AppendKeys(connection, batches);
    }

    /// <summary>
    /// The idempotent path: stage every row, then move each table's rows in one statement. Returns the interactions
    /// and the content_meta rows actually stored (not those of events already ingested), and the event ids that
    /// arrived with other content than is stored under them: those rows are dead letters (<see cref="ReusedEventIds"/>).
    /// </summary>
    public (List<Interaction> Interactions, List<ContentMeta> ContentMeta, HashSet<string> ReusedIds) AppendAndMove(
        DuckDBConnection connection, IReadOnlyList<IngestBatch> batches)
    {
        Append(connection, batches, staging: true);
        var stored = new List<Interaction>();
        var contentMeta = new List<ContentMeta>();
        if (batches.Any(b => b.Interactions.Count > 0))
        {
            using var command = connection.CreateCommand();
            command.CommandText = MoveNew(tables.Interactions, DuckDbSchema.StageInteractions, s_interactionReturning);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                stored.Add(new Interaction(
                    reader.GetString(reader.GetOrdinal("event_id")), reader.GetInt64(reader.GetOrdinal("user_id")),
                    reader.GetInt64(reader.GetOrdinal("content_id")), reader.GetDouble(reader.GetOrdinal("read_percent")),
                    reader.GetDateTime(reader.GetOrdinal("updated_at"))));
            }
        }
        if (batches.Any(b => b.ContentMeta.Count > 0))
        {
            using var command = connection.CreateCommand();
            command.CommandText = MoveNew(tables.ContentMeta, DuckDbSchema.StageContentMeta, s_contentMetaReturning);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var updatedAt = reader.GetOrdinal("updated_at");
                contentMeta.Add(new ContentMeta(
                    reader.GetString(reader.GetOrdinal("event_id")), reader.GetInt64(reader.GetOrdinal("content_id")),
                    reader.GetString(reader.GetOrdinal("category_name")), reader.IsDBNull(updatedAt) ? null : reader.GetDateTime(updatedAt)));
            }
        }
        var reused = ReusedEventIds.Find(connection, WarehouseSchema.UserInteraction, tables.Interactions, DuckDbSchema.StageInteractions, DeadLetterSources.IngestInteraction);
        reused.AddRange(ReusedEventIds.Find(connection, WarehouseSchema.ContentMeta, tables.ContentMeta, DuckDbSchema.StageContentMeta, DeadLetterSources.IngestContent));
        if (reused.Count > 0)
        {
            using var appender = connection.CreateAppender("temp", "main", DuckDbSchema.StageErrors);
            foreach (var (_, letter, receivedAt) in reused)
            {
                DuckDbSchema.IngestErrors.Append(appender, [letter], receivedAt);
            }
        }
        DuckDbDatabase.Execute(connection, $"""
            {Ledger(tables.Interactions, DuckDbSchema.StageInteractions)}
            {Ledger(tables.ContentMeta, DuckDbSchema.StageContentMeta)}
            INSERT INTO {DuckDbSchema.Quote(tables.IngestErrors)}
                SELECT * FROM {DuckDbSchema.StageErrors} QUALIFY row_number() OVER (PARTITION BY {string.Join(", ", WarehouseSchema.IngestErrors.Key)}) = 1
                ON CONFLICT DO NOTHING;
            DELETE FROM {DuckDbSchema.StageInteractions};
            DELETE FROM {DuckDbSchema.StageContentMeta};
            DELETE FROM {DuckDbSchema.StageErrors};
            """);
        return (stored, contentMeta, [.. reused.Select(r => r.EventId)]);
    }

    /// <summary>
    /// Moves the staged rows of events not yet ingested (each once), returning <paramref name="returning"/> of the rows
    /// moved. The table itself is checked too: a table created by an earlier version, or by the user, may hold events
    /// the ledger never saw.
    /// </summary>
    private static string MoveNew(string table, string stage, string returning) => $"""
        INSERT INTO {DuckDbSchema.Quote(table)}
            SELECT s.* FROM {stage} AS s
            WHERE NOT EXISTS (SELECT 1 FROM {DuckDbSchema.IngestedEvents} AS k WHERE k.target = '{table.Replace("'", "''")}' AND k.event_id = s.event_id)
              AND NOT EXISTS (SELECT 1 FROM {DuckDbSchema.Quote(table)} AS t WHERE t.event_id = s.event_id)
            QUALIFY row_number() OVER (PARTITION BY s.event_id) = 1
            RETURNING {returning};
        """;

    /// <summary>Every column but the write time, by name: what a moved row is read back by.</summary>
    private static string Returning(TableDeclaration table) =>
        string.Join(", ", table.Columns.Where(c => !c.IsWriteTime).Select(c => c.Name));

    /// <summary>Records the keys of the staged events, after <see cref="MoveNew"/> (which checks them).</summary>
    private static string Ledger(string table, string stage) =>
        $"INSERT INTO {DuckDbSchema.IngestedEvents} SELECT DISTINCT '{table.Replace("'", "''")}', event_id FROM {stage} ON CONFLICT DO NOTHING;";

    /// <summary>The fast path's keys: one per streamed row, so a second delivery conflicts.</summary>
    private void AppendKeys(DuckDBConnection connection, IReadOnlyList<IngestBatch> batches)
    {
        if (!batches.Any(b => b.Interactions.Count > 0 || b.ContentMeta.Count > 0))
        {
            return;
        }
        using var appender = connection.CreateAppender(null, null, DuckDbSchema.IngestedEvents);
        foreach (var batch in batches)
        {
            foreach (var row in batch.Interactions)
            {
                appender.CreateRow().AppendValue(tables.Interactions).AppendValue(row.EventId).EndRow();
            }
            foreach (var row in batch.ContentMeta)
            {
                appender.CreateRow().AppendValue(tables.ContentMeta).AppendValue(row.EventId).EndRow();
            }
        }
    }

    /// <summary>Appends every row of the batches to the tables, or to the staging tables.</summary>
    private void Append(DuckDBConnection connection, IReadOnlyList<IngestBatch> batches, bool staging)
    {
        Append(connection, staging ? DuckDbSchema.StageInteractions : tables.Interactions, staging, batches, b => b.Interactions, DuckDbSchema.Interactions);
        Append(connection, staging ? DuckDbSchema.StageContentMeta : tables.ContentMeta, staging, batches, b => b.ContentMeta, DuckDbSchema.ContentMeta);
        Append(connection, staging ? DuckDbSchema.StageErrors : tables.IngestErrors, staging, batches, b => b.DeadLetters, DuckDbSchema.IngestErrors);
    }

    /// <summary>One table's rows of every batch, each written at its batch's <see cref="IngestBatch.ReceivedAt"/>.</summary>
    private static void Append<TRow>(DuckDBConnection connection, string table, bool temporary, IReadOnlyList<IngestBatch> batches,
        Func<IngestBatch, IReadOnlyList<TRow>> rowsOf, RowAppender<TRow> rowAppender)
    {
        if (!batches.Any(b => rowsOf(b).Count > 0))
        {
            return;
        }
        using var appender = temporary ? connection.CreateAppender("temp", "main", table) : connection.CreateAppender(null, null, table);
        foreach (var batch in batches)
        {
            rowAppender.Append(appender, rowsOf(batch), batch.ReceivedAt);
        }
    }
}
