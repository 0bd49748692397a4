using DuckDB.NET.Data;
using Pipeline.Warehouse.Rows;
using Pipeline.Warehouse.Schema;

namespace Pipeline.Warehouse.DuckDb;

/// <summary>
/// How a group of batches is committed, in one transaction so it lands whole or not at all. The fast path appends
/// straight into the tables and each event's key into <c>ingested_events</c> (DuckDB's appender: no SQL per row).
/// A key conflict — a redelivered event — aborts it, and the group is written again by the idempotent path: staged
/// in the writer's temp tables, then moved with one statement per table that skips every event already ingested.
/// </summary>
public sealed partial class DuckDbWarehouse
{
    /// <summary>Commits the group; returns how many rows of each batch were new (all of them on the fast path).</summary>
    private async Task<IReadOnlyList<int>> CommitAsync(IReadOnlyList<IngestBatch> batches, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            var connection = await WriterAsync(cancellationToken);
            try
            {
                using var transaction = connection.BeginTransaction();
                Append(connection, batches, staging: false);
                AppendKeys(connection, batches);
                transaction.Commit();
                ServeCommitted(batches.SelectMany(b => b.Interactions), batches.SelectMany(b => b.ContentMeta));
                return [.. batches.Select(b => b.Interactions.Count + b.ContentMeta.Count)];
            }
            catch (DuckDBException e) when (e.ErrorType == DuckDB.NET.Native.DuckDBErrorType.Constraint)
            {
                using var transaction = connection.BeginTransaction();
                var stored = AppendAndMove(connection, batches);
                transaction.Commit();
                ServeCommitted(stored.Interactions, batches.SelectMany(b => b.ContentMeta));
                var ids = stored.Interactions.Select(i => i.EventId).Concat(stored.ContentMetaIds).ToHashSet(StringComparer.Ordinal);
                return [.. batches.Select(b => b.Interactions.Count(i => ids.Contains(i.EventId)) + b.ContentMeta.Count(c => ids.Contains(c.EventId)))];
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Inside the caller's transaction: stage every row, then move each table's rows in one statement. Returns the
    /// interactions and the content_meta event ids actually stored (not those of events already ingested).
    /// </summary>
    private (List<Interaction> Interactions, List<string> ContentMetaIds) AppendAndMove(DuckDBConnection connection, IReadOnlyList<IngestBatch> batches)
    {
        Append(connection, batches, staging: true);
        var tables = _options.Tables;
        var stored = new List<Interaction>();
        var contentMetaIds = new List<string>();
        if (batches.Any(b => b.Interactions.Count > 0))
        {
            using var command = connection.CreateCommand();
            command.CommandText = MoveNew(tables.Interactions, DuckDbSchema.StageInteractions, "event_id, user_id, content_id, read_percent, updated_at");
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                stored.Add(ReadInteraction(reader));
            }
        }
        if (batches.Any(b => b.ContentMeta.Count > 0))
        {
            using var command = connection.CreateCommand();
            command.CommandText = MoveNew(tables.ContentMeta, DuckDbSchema.StageContentMeta, "event_id");
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                contentMetaIds.Add(reader.GetString(0));
            }
        }
        Execute(connection, $"""
            {Ledger(tables.Interactions, DuckDbSchema.StageInteractions)}
            {Ledger(tables.ContentMeta, DuckDbSchema.StageContentMeta)}
            INSERT INTO {DuckDbSchema.Quote(tables.IngestErrors)}
                SELECT * FROM {DuckDbSchema.StageErrors} QUALIFY row_number() OVER (PARTITION BY {string.Join(", ", WarehouseSchema.IngestErrors.Key)}) = 1
                ON CONFLICT DO NOTHING;
            DELETE FROM {DuckDbSchema.StageInteractions};
            DELETE FROM {DuckDbSchema.StageContentMeta};
            DELETE FROM {DuckDbSchema.StageErrors};
            """);
        return (stored, contentMetaIds);
    }

    /// <summary>
    /// Moves the staged rows of events not yet ingested (each once), returning <paramref name="returning"/> of the rows
    /// moved when given. The table itself is checked too: a table created by an earlier version, or by the user, may
    /// hold events the ledger never saw.
    /// </summary>
    private static string MoveNew(string table, string stage, string? returning = null) => $"""
        INSERT INTO {DuckDbSchema.Quote(table)}
            SELECT s.* FROM {stage} AS s
            WHERE NOT EXISTS (SELECT 1 FROM {DuckDbSchema.IngestedEvents} AS k WHERE k.target = '{table.Replace("'", "''")}' AND k.event_id = s.event_id)
              AND NOT EXISTS (SELECT 1 FROM {DuckDbSchema.Quote(table)} AS t WHERE t.event_id = s.event_id)
            QUALIFY row_number() OVER (PARTITION BY s.event_id) = 1
            {(returning is null ? "" : "RETURNING " + returning)};
        """;

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
                appender.CreateRow().AppendValue(_options.Tables.Interactions).AppendValue(row.EventId).EndRow();
            }
            foreach (var row in batch.ContentMeta)
            {
                appender.CreateRow().AppendValue(_options.Tables.ContentMeta).AppendValue(row.EventId).EndRow();
            }
        }
    }

    /// <summary>Appends every row of the batches to the tables, or to the staging tables.</summary>
    private void Append(DuckDBConnection connection, IReadOnlyList<IngestBatch> batches, bool staging)
    {
        var tables = _options.Tables;
        Append(connection, staging ? DuckDbSchema.StageInteractions : tables.Interactions, staging, batches, b => b.Interactions, DuckDbSchema.Interactions);
        Append(connection, staging ? DuckDbSchema.StageContentMeta : tables.ContentMeta, staging, batches, b => b.ContentMeta, DuckDbSchema.ContentMeta);
        Append(connection, staging ? DuckDbSchema.StageErrors : tables.IngestErrors, staging, batches, b => b.Errors, DuckDbSchema.IngestErrors);
    }

    /// <summary>One table's rows of every batch, each written at its batch's <see cref="IngestBatch.ReceivedAt"/>.</summary>
    private static void Append<TRow>(DuckDBConnection connection, string table, bool temporary, IReadOnlyList<IngestBatch> batches,
        Func<IngestBatch, IReadOnlyList<TRow>> rowsOf, RowAppender<TRow> rowAppender)
    {
        if (!batches.Any(b => rowsOf(b).Count > 0))
        {
            return;
        }
        using var appender = Appender(connection, table, temporary);
        foreach (var batch in batches)
        {
            rowAppender.Append(appender, rowsOf(batch), batch.ReceivedAt);
        }
    }

    private static DuckDBAppender Appender(DuckDBConnection connection, string table, bool temporary) =>
        temporary ? connection.CreateAppender("temp", "main", table) : connection.CreateAppender(null, null, table);
}
