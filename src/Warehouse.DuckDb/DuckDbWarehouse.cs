using DuckDB.NET.Data;
using Pipeline.Domain.Query;
using Pipeline.Domain.Rows;

namespace Pipeline.Warehouse.DuckDb;

/// <summary>
/// The embedded warehouse port: ingest writes and UserContent's read on one DuckDB file. Concurrent batches are
/// committed together in one transaction (<see cref="WriteCoalescer"/>), so each lands whole or not at all; the read
/// is the <see cref="DuckDbServingCache"/>'s, which every commit keeps in step.
/// </summary>
public sealed class DuckDbWarehouse : IWarehouse, IAsyncDisposable
{
    private readonly DuckDbDatabase _database;
    private readonly DuckDbServingCache _serving;
    private readonly DuckDbIngestCommit _commit;
    private readonly WriteCoalescer _writes;

    /// <summary>The port over <paramref name="database"/>, its read answered by <paramref name="serving"/>.</summary>
    public DuckDbWarehouse(DuckDbDatabase database, DuckDbServingCache serving)
    {
        (_database, _serving, _commit) = (database, serving, new DuckDbIngestCommit(database.Tables));
        _writes = new WriteCoalescer(CommitAsync);
    }

    /// <summary>Queued with the writes arriving meanwhile and committed with them in one transaction (see <see cref="WriteCoalescer"/>).</summary>
    public async Task<WriteOutcome> WriteAsync(IngestBatch batch, CancellationToken cancellationToken) =>
        batch.Count == 0 ? new(0) : await _writes.WriteAsync(batch, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<CategoryCount>> CountCategoriesAsync(ReadingWindow window, CancellationToken cancellationToken) =>
        _serving.CountCategoriesAsync(window, cancellationToken);

    /// <summary>Finishes the writes already queued.</summary>
    public ValueTask DisposeAsync() => _writes.DisposeAsync();

    /// <summary>Commits the group in one transaction; returns what each batch stored (all of it on the fast path).</summary>
    private Task<IReadOnlyList<WriteOutcome>> CommitAsync(IReadOnlyList<IngestBatch> batches, CancellationToken cancellationToken) =>
        _database.WithWriterAsync<IReadOnlyList<WriteOutcome>>(connection =>
        {
            try
            {
                using var transaction = connection.BeginTransaction();
                _commit.AppendNew(connection, batches);
                transaction.Commit();
                _serving.ServeCommitted(batches.SelectMany(b => b.Interactions), batches.SelectMany(b => b.ContentMeta));
                return [.. batches.Select(b => new WriteOutcome(b.Interactions.Count + b.ContentMeta.Count))];
            }
            catch (DuckDBException e) when (e.ErrorType == DuckDB.NET.Native.DuckDBErrorType.Constraint)
            {
                using var transaction = connection.BeginTransaction();
                var stored = _commit.AppendAndMove(connection, batches);
                transaction.Commit();
                var ids = stored.Interactions.Select(i => i.EventId).Concat(stored.ContentMeta.Select(c => c.EventId)).ToHashSet(StringComparer.Ordinal);
                // Only what was stored is served, as it was stored: a row under an event id stored before is not.
                _serving.ServeCommitted(stored.Interactions, stored.ContentMeta);
                return [.. batches.Select(b => new WriteOutcome(
                    b.Interactions.Count(i => ids.Contains(i.EventId)) + b.ContentMeta.Count(c => ids.Contains(c.EventId)),
                    b.Interactions.Select(i => i.EventId).Concat(b.ContentMeta.Select(c => c.EventId)).Distinct().Count(stored.ReusedIds.Contains)))];
            }
        }, cancellationToken);
}
