using System.Globalization;
using DuckDB.NET.Data;
using Pipeline.Warehouse.Backfill;
using Pipeline.Warehouse.Ingest;
using Pipeline.Warehouse.Query;
using Pipeline.Warehouse.Rows;
using Pipeline.Warehouse.Schema;

namespace Pipeline.Warehouse.DuckDb;

/// <summary>
/// Backfill on the embedded engine: <see cref="CsvBackfill"/> decides and validates; this adapter is its load-log
/// store and row sink. A write holds the writer connection for one transaction that deletes the older generation's
/// rows, appends the new ones, dead-letters the bad ones and writes the load_log row: a file lands whole or not at all.
/// </summary>
public sealed partial class DuckDbWarehouse : ILoadLog, IBackfillSink
{
    /// <summary>Loads an object of the local bucket directory (<see cref="DuckDbOptions.BucketDirectory"/>).</summary>
    public Task<LoadOutcome> LoadCsvAsync(CsvLoad load, CancellationToken cancellationToken) => _backfill.LoadAsync(load, cancellationToken);

    /// <summary>Loads from another source (a single local file, for the <c>load</c> command and the benchmark).</summary>
    public Task<LoadOutcome> LoadCsvAsync(CsvLoad load, IObjectSource source, CancellationToken cancellationToken) =>
        new CsvBackfill(this, this, source, _clock).LoadAsync(load, cancellationToken);

    /// <summary>Every load_log row, of every object, oldest attempt first.</summary>
    public async Task<IReadOnlyList<LoadLogEntry>> ReadLoadLogAsync(CancellationToken cancellationToken) =>
        await ReadLoadLogAsync("", [], cancellationToken);

    async Task<IReadOnlyList<LoadLogEntry>> ILoadLog.ReadAsync(CsvLoad load, CancellationToken cancellationToken) =>
        await ReadLoadLogAsync("WHERE object = $object AND target = $target", [new("object", load.ObjectUri), new("target", TargetTable(load.Target))], cancellationToken);

    async Task ILoadLog.AppendAsync(CsvLoad load, LoadOutcome outcome, DateTime startedAt, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            WriteLoadLog(await WriterAsync(cancellationToken), load, outcome, startedAt);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    async Task<IBackfillWrite> IBackfillSink.BeginAsync(CsvLoad load, LoadDecision decision, DateTime startedAt, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            var connection = await WriterAsync(cancellationToken);
            var transaction = connection.BeginTransaction();
            // One process holds the writer, and the decision was taken under CsvBackfill's gate: its basis holds.
            if (decision.Replacing)
            {
                // This object's rows of any generation, "<object>#<generation>:<line>", not those of an object
                // whose name merely starts with this one's followed by '#'.
                Execute(connection,
                    $"DELETE FROM {DuckDbSchema.Quote(TargetTable(load.Target))} WHERE starts_with(event_id, ?) AND regexp_matches(substr(event_id, length(?) + 1), ?)",
                    load.ObjectEventIdPrefix, load.ObjectEventIdPrefix, CsvLoad.OwnRowSuffixPattern);
            }
            return new BackfillWrite(this, connection, transaction, load, decision.Replacing, startedAt);
        }
        catch
        {
            _writeLock.Release();
            throw;
        }
    }

    private async Task<IReadOnlyList<LoadLogEntry>> ReadLoadLogAsync(string where, DuckDBParameter[] parameters, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {DuckDbSchema.ColumnList(WarehouseSchema.LoadLog)}
            FROM {DuckDbSchema.Quote(_options.Tables.LoadLog)} {where} ORDER BY started_at, finished_at
            """;
        command.Parameters.AddRange(parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<LoadLogEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new LoadLogEntry(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetInt64(4), reader.GetInt64(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.GetDateTime(7), reader.GetDateTime(8)));
        }
        return entries;
    }

    private void WriteLoadLog(DuckDBConnection connection, CsvLoad load, LoadOutcome outcome, DateTime startedAt)
    {
        var entry = new LoadLogEntry(load.ObjectUri, load.Generation.ToString(CultureInfo.InvariantCulture), TargetTable(load.Target),
            GenerationRule.Status(outcome.Status), outcome.RowsLoaded, outcome.RowsRejected, outcome.Error, startedAt, _clock.GetUtcNow().UtcDateTime);
        using var appender = connection.CreateAppender(null, null, _options.Tables.LoadLog);
        DuckDbSchema.LoadLog.Append(appender, [entry], entry.FinishedAt);
    }

    private string TargetTable(RecordKind kind) => kind == RecordKind.Interaction ? _options.Tables.Interactions : _options.Tables.ContentMeta;

    private static void Execute(DuckDBConnection connection, string sql, params object?[] values)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var value in values)
        {
            command.Parameters.Add(new DuckDBParameter(value ?? DBNull.Value));
        }
        command.ExecuteNonQuery();
    }

    /// <summary>One attempt's transaction on the writer connection; the write lock is held until it is disposed.</summary>
    /// <remarks>
    /// When answers are served from memory (they cannot start being built meanwhile: this holds the write lock), the
    /// finished reads or content_meta rows appended are kept and applied to them once the transaction committed.
    /// </remarks>
    private sealed class BackfillWrite(
        DuckDbWarehouse owner, DuckDBConnection connection, DuckDBTransaction transaction, CsvLoad load, bool replacing, DateTime startedAt)
        : IBackfillWrite
    {
        private readonly FinishedReads? _reads = Volatile.Read(ref owner._reads);
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

        public Task CommitAsync(IReadOnlyList<IngestError> deadLetters, LoadOutcome outcome, CancellationToken cancellationToken)
        {
            _appender?.Close();
            owner.AppendAndMove(connection, [new IngestBatch([], [], deadLetters, startedAt)]);
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
                _reads.ReplaceContentMeta(owner.ReadPairs(connection));
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
                owner._writeLock.Release();
            }
            return ValueTask.CompletedTask;
        }

        private DuckDBAppender Appender() => _appender ??= connection.CreateAppender(null, null, owner.TargetTable(load.Target));
    }
}
