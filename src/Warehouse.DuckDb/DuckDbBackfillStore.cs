using System.Globalization;
using DuckDB.NET.Data;
using Pipeline.Domain.Backfill;
using Pipeline.Domain.Query;
using Pipeline.Domain.Rows;

namespace Pipeline.Warehouse.DuckDb;

/// <summary>
/// Backfill's store on the embedded engine: the load_log <see cref="CsvBackfill"/> decides from, and its row sink. A
/// write holds the writer connection for one transaction that deletes the older generation's rows, appends the new
/// ones, dead-letters the bad ones and writes the load_log row: a file lands whole or not at all.
/// </summary>
/// <param name="database">The file written.</param>
/// <param name="serving">Told what each committed load changed.</param>
/// <param name="clock">Stamps <c>finished_at</c>.</param>
public sealed class DuckDbBackfillStore(DuckDbDatabase database, DuckDbServingCache serving, TimeProvider clock) : ILoadLog, IBackfillSink
{
    private readonly DuckDbDatabase _database = database;
    private readonly DuckDbServingCache _serving = serving;
    private readonly TimeProvider _clock = clock;
    private readonly DuckDbIngestCommit _commit = new(database.Tables);

    async Task<IReadOnlyList<LoadLogEntry>> ILoadLog.ReadAsync(CsvLoad load, CancellationToken cancellationToken) =>
        await DuckDbInspection.ReadLoadLogAsync(_database, "WHERE object = $object AND target = $target",
            [new("object", load.ObjectUri), new("target", _database.TableOf(load.Target))], cancellationToken);

    Task ILoadLog.AppendAsync(CsvLoad load, LoadOutcome outcome, DateTime startedAt, CancellationToken cancellationToken) =>
        _database.WithWriterAsync(connection => WriteLoadLog(connection, load, outcome, startedAt), cancellationToken);

    async Task<IBackfillWrite> IBackfillSink.BeginAsync(CsvLoad load, LoadDecision decision, DateTime startedAt, CancellationToken cancellationToken)
    {
        var connection = await _database.AcquireWriterAsync(cancellationToken);
        try
        {
            var transaction = connection.BeginTransaction();
            // One process holds the writer, and the decision was taken under CsvBackfill's gate for this object: its basis holds.
            if (decision.Replacing)
            {
                // This object's rows of any generation, "<object>#<generation>:<line>", not those of an object
                // whose name merely starts with this one's followed by '#'.
                DuckDbDatabase.Execute(connection,
                    $"DELETE FROM {DuckDbSchema.Quote(_database.TableOf(load.Target))} WHERE starts_with(event_id, ?) AND regexp_matches(substr(event_id, length(?) + 1), ?)",
                    load.ObjectEventIdPrefix, load.ObjectEventIdPrefix, CsvLoad.OwnRowSuffixPattern);
            }
            return new BackfillWrite(this, connection, transaction, load, decision.Replacing, startedAt);
        }
        catch
        {
            _database.ReleaseWriter();
            throw;
        }
    }

    private bool WriteLoadLog(DuckDBConnection connection, CsvLoad load, LoadOutcome outcome, DateTime startedAt)
    {
        var entry = new LoadLogEntry(load.ObjectUri, load.Generation.ToString(CultureInfo.InvariantCulture), _database.TableOf(load.Target),
            GenerationRule.Status(outcome.Status), outcome.RowsLoaded, outcome.RowsRejected, outcome.Error, startedAt, _clock.GetUtcNow().UtcDateTime);
        using var appender = connection.CreateAppender(null, null, _database.Tables.LoadLog);
        DuckDbSchema.LoadLog.Append(appender, [entry], entry.FinishedAt);
        return true;
    }

    /// <summary>One attempt's transaction on the writer connection; the write lock is held until it is disposed.</summary>
    /// <remarks>
    /// When answers are served from memory (they cannot start being built meanwhile: this holds the write lock), the
    /// finished reads or content_meta rows appended are kept and applied to them once the transaction committed.
    /// </remarks>
    private sealed class BackfillWrite(
        DuckDbBackfillStore owner, DuckDBConnection connection, DuckDBTransaction transaction, CsvLoad load, bool replacing, DateTime startedAt)
        : IBackfillWrite
    {
        private readonly FinishedReads? _reads = owner._serving.Current;
        private readonly List<Interaction> _finished = [];
        private readonly List<ContentMeta> _contentMeta = [];
        private DuckDBAppender? _appender;
        private bool _committed;

        public ValueTask AddAsync(IReadOnlyList<Interaction> rows, CancellationToken cancellationToken)
        {
            DuckDbSchema.Interactions.Append(Appender(), rows, startedAt);
            if (_reads is not null)
            {
                _finished.AddRange(rows.Where(r => r.ReadPercent > ReadingWindow.FinishedAbovePercent));
            }
            return ValueTask.CompletedTask;
        }

        public ValueTask AddAsync(IReadOnlyList<ContentMeta> rows, CancellationToken cancellationToken)
        {
            DuckDbSchema.ContentMeta.Append(Appender(), rows, startedAt);
            if (_reads is not null && !replacing)
            {
                _contentMeta.AddRange(rows);
            }
            return ValueTask.CompletedTask;
        }

        public Task CommitAsync(IReadOnlyList<DeadLetter> deadLetters, LoadOutcome outcome, LoadDecision decision, CancellationToken cancellationToken)
        {
            _appender?.Close();
            owner._commit.AppendAndMove(connection, [new IngestBatch([], [], deadLetters, startedAt)]);
            owner.WriteLoadLog(connection, load, outcome, startedAt);
            transaction.Commit();
            _committed = true;
            Serve();
            return Task.CompletedTask;
        }

        /// <summary>A replaced content_meta object may have taken pairs away: those are read again, still under the lock.</summary>
        private void Serve()
        {
            if (_reads is null)
            {
                return;
            }
            if (load.Target == RecordKind.Interaction)
            {
                _reads.ApplyBackfill(load.ObjectUri, replacing, _finished);
            }
            else if (replacing)
            {
                _reads.ReplaceContentMeta(owner._serving.ReadPairs(connection));
            }
            else
            {
                _reads.AddContentMeta(_contentMeta);
            }
        }

        public ValueTask DisposeAsync()
        {
            try
            {
                _appender?.Dispose();
                if (!_committed)
                {
                    transaction.Rollback();
                }
            }
            finally
            {
                transaction.Dispose();
                owner._database.ReleaseWriter();
            }
            return ValueTask.CompletedTask;
        }

        private DuckDBAppender Appender() => _appender ??= connection.CreateAppender(null, null, owner._database.TableOf(load.Target));
    }
}
