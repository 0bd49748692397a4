using DuckDB.NET.Data;
using Pipeline.Warehouse.Rows;

namespace Pipeline.Warehouse.DuckDb;

/// <summary>
/// How a group of batches is committed, in one transaction so it lands whole or not at all. The fast path appends
/// straight into the tables (DuckDB's appender: no SQL per row). A primary-key conflict — a redelivered event — aborts
/// it, and the group is written again by the idempotent path: appended to the writer's temp staging tables, then
/// moved with one <c>INSERT … ON CONFLICT DO NOTHING</c> per table, which skips what is already stored.
/// </summary>
public sealed partial class DuckDbWarehouse
{
    private async Task CommitAsync(IReadOnlyList<IngestBatch> batches, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            var connection = await WriterAsync(cancellationToken);
            try
            {
                using var transaction = connection.BeginTransaction();
                Append(connection, batches, staging: false);
                transaction.Commit();
            }
            catch (DuckDBException e) when (e.ErrorType == DuckDB.NET.Native.DuckDBErrorType.Constraint)
            {
                using var transaction = connection.BeginTransaction();
                AppendAndMove(connection, batches);
                transaction.Commit();
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Inside the caller's transaction: stage every row, then move each table's rows in one statement.</summary>
    private void AppendAndMove(DuckDBConnection connection, IReadOnlyList<IngestBatch> batches)
    {
        Append(connection, batches, staging: true);
        Execute(connection, $"""
            INSERT INTO {DuckDbSchema.Quote(_options.Tables.Interactions)}
                SELECT * FROM {DuckDbSchema.StageInteractions} QUALIFY row_number() OVER (PARTITION BY event_id) = 1
                ON CONFLICT DO NOTHING;
            INSERT INTO {DuckDbSchema.Quote(_options.Tables.ContentMeta)}
                SELECT * FROM {DuckDbSchema.StageContentMeta} QUALIFY row_number() OVER (PARTITION BY event_id) = 1
                ON CONFLICT DO NOTHING;
            INSERT INTO {DuckDbSchema.Quote(_options.Tables.IngestErrors)}
                SELECT * FROM {DuckDbSchema.StageErrors} QUALIFY row_number() OVER (PARTITION BY source, event_id) = 1
                ON CONFLICT DO NOTHING;
            DELETE FROM {DuckDbSchema.StageInteractions};
            DELETE FROM {DuckDbSchema.StageContentMeta};
            DELETE FROM {DuckDbSchema.StageErrors};
            """);
    }

    /// <summary>Appends every row of the batches to the tables, or to the staging tables.</summary>
    private void Append(DuckDBConnection connection, IReadOnlyList<IngestBatch> batches, bool staging)
    {
        var tables = _options.Tables;
        if (batches.Any(b => b.Interactions.Count > 0))
        {
            using var appender = Appender(connection, staging ? DuckDbSchema.StageInteractions : tables.Interactions, staging);
            foreach (var batch in batches)
            {
                foreach (var r in batch.Interactions)
                {
                    appender.CreateRow().AppendValue(r.EventId).AppendValue(r.UserId).AppendValue(r.ContentId)
                        .AppendValue(r.ReadPercent).AppendValue(r.UpdatedAt).AppendValue(batch.ReceivedAt).EndRow();
                }
            }
        }
        if (batches.Any(b => b.ContentCategories.Count > 0))
        {
            using var appender = Appender(connection, staging ? DuckDbSchema.StageContentMeta : tables.ContentMeta, staging);
            foreach (var batch in batches)
            {
                foreach (var r in batch.ContentCategories)
                {
                    appender.CreateRow().AppendValue(r.EventId).AppendValue(r.ContentId).AppendValue(r.CategoryName)
                        .AppendValue(r.UpdatedAt).AppendValue(batch.ReceivedAt).EndRow();
                }
            }
        }
        if (batches.Any(b => b.Errors.Count > 0))
        {
            using var appender = Appender(connection, staging ? DuckDbSchema.StageErrors : tables.IngestErrors, staging);
            foreach (var batch in batches)
            {
                foreach (var e in batch.Errors)
                {
                    appender.CreateRow().AppendValue(e.Source).AppendValue(e.EventId).AppendValue(e.Payload).AppendValue(e.Error)
                        .AppendValue(batch.ReceivedAt).EndRow();
                }
            }
        }
    }

    private static DuckDBAppender Appender(DuckDBConnection connection, string table, bool temporary) =>
        temporary ? connection.CreateAppender("temp", "main", table) : connection.CreateAppender(null, null, table);
}
