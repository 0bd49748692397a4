using System.Globalization;
using DuckDB.NET.Data;
using Pipeline.Domain.Backfill;
using Pipeline.Domain.Query;
using Pipeline.Domain.Rows;

namespace Pipeline.Warehouse.DuckDb;

/// <summary>
/// Backfill's store on the embedded engine: the load_log <see cref="CsvBackfill"/> decides from, and its row sink.
/// An attempt appends its rows on a connection of its own, inside its own transaction, without the write lock, so
/// that several objects parse and append at once (DuckDB's appends in concurrent transactions do not conflict). Only
/// the commit takes the write lock: in that same transaction it deletes the older generation's rows (when replacing),
/// dead-letters the bad rows and writes the load_log row, commits, and updates the served answers. A file lands whole
/// or not at all, and commits happen one at a time.
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

    async Task<IBackfillWrite> IBackfillSink.BeginAsync(CsvLoad load, DateTime startedAt, CancellationToken cancellationToken)
    {
        // The attempt's own connection (the schema exists once it is open), with the staging tables the dead letters
        // pass through; the transaction starts here, after CsvBackfill decided: an older generation of this object
        // committed before, so the commit's DELETE sees its rows.
        var connection = await _database.OpenReaderAsync(cancellationToken);
        try
        {
            DuckDbDatabase.Execute(connection, DuckDbSchema.CreateStagingTables(_database.Tables));
            var transaction = connection.BeginTransaction();
            return new BackfillWrite(this, connection, transaction, load, startedAt);
        }
        catch
        {
            await connection.DisposeAsync();
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

    /// <summary>One attempt's transaction on its own connection; the write lock is taken only by <see cref="CommitAsync"/>.</summary>
    /// <remarks>
    /// When answers are served from memory at the start, the finished reads or content_meta rows appended are kept and
    /// applied to them at the commit, under the write lock. Answers built meanwhile (from tables without these rows) are
    /// dropped at the commit instead and built again on the next query.
    /// </remarks>
    private sealed class BackfillWrite(
        DuckDbBackfillStore owner, DuckDBConnection connection, DuckDBTransaction transaction, CsvLoad load, DateTime startedAt)
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
            if (_reads is not null)
            {
                _contentMeta.AddRange(rows);
            }
            return ValueTask.CompletedTask;
        }

        public async Task CommitAsync(IReadOnlyList<DeadLetter> deadLetters, LoadOutcome outcome, LoadDecision decision, CancellationToken cancellationToken)
        {
            // Flushing the appender is still part of the parallel work: the lock guards only the commit itself.
            _appender?.Close();
            await owner._database.WithWriterAsync(_ => Commit(deadLetters, outcome, decision.Replacing), cancellationToken);
        }

        /// <summary>Under the write lock: the older generation out, dead letters and load_log row in, commit, serve.</summary>
        private bool Commit(IReadOnlyList<DeadLetter> deadLetters, LoadOutcome outcome, bool replacing)
        {
            if (replacing)
            {
                // This object's rows of any generation, "<object>#<generation>:<line>", not those of an object
                // whose name merely starts with this one's followed by '#'; this attempt's own rows are kept.
                DuckDbDatabase.Execute(connection,
                    $"DELETE FROM {DuckDbSchema.Quote(owner._database.TableOf(load.Target))} WHERE starts_with(event_id, ?) AND NOT starts_with(event_id, ?) AND regexp_matches(substr(event_id, length(?) + 1), ?)",
                    load.ObjectEventIdPrefix, load.EventIdPrefix, load.ObjectEventIdPrefix, CsvLoad.OwnRowSuffixPattern);
            }
            owner._commit.AppendAndMove(connection, [new IngestBatch([], [], deadLetters, startedAt)]);
            owner.WriteLoadLog(connection, load, outcome, startedAt);
            transaction.Commit();
            _committed = true;
            Serve(replacing);
            return true;
        }

        /// <summary>
        /// Applies the committed rows to the answers served from memory; a replaced content_meta object may have taken
        /// pairs away, so those are read again (in a transaction that starts after the commit), still under the lock.
        /// </summary>
        private void Serve(bool replacing)
        {
            if (owner._serving.Current is not { } current)
            {
                return;
            }
            if (!ReferenceEquals(current, _reads))
            {
                owner._serving.Forget();
            }
            else if (load.Target == RecordKind.Interaction)
            {
                current.ApplyBackfill(load.ObjectUri, replacing, _finished);
            }
            else if (replacing)
            {
                current.ReplaceContentMeta(owner._serving.ReadPairs(connection));
            }
            else
            {
                current.AddContentMeta(_contentMeta);
            }
        }

        public async ValueTask DisposeAsync()
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
                await connection.DisposeAsync();
            }
        }

        private DuckDBAppender Appender() => _appender ??= connection.CreateAppender(null, null, owner._database.TableOf(load.Target));
    }
}
