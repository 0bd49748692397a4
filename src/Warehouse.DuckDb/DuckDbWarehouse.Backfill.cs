using System.Globalization;
using System.IO.Compression;
using System.Text;
using DuckDB.NET.Data;
using Pipeline.Warehouse.Backfill;
using Pipeline.Warehouse.Ingest;
using Pipeline.Warehouse.Rows;

namespace Pipeline.Warehouse.DuckDb;

/// <summary>
/// Backfill on the embedded engine: the file is streamed through <see cref="CsvRecords"/> (the same rules as
/// Pub/Sub records, exact line numbers and raw lines) and appended inside one transaction that also replaces the
/// object's older rows, dead-letters the bad rows and writes the load_log row: a file lands whole or not at all.
/// </summary>
public sealed partial class DuckDbWarehouse
{
    private const string BackfillSource = "BackfillCsv";
    private static readonly UTF8Encoding s_strictUtf8 = new(false, throwOnInvalidBytes: true);

    public Task<LoadOutcome> LoadCsvAsync(CsvLoad load, CancellationToken cancellationToken)
    {
        var prefix = "gs://";
        var slash = load.ObjectUri.IndexOf('/', prefix.Length);
        if (_options.BucketDirectory is not { } bucket || !load.ObjectUri.StartsWith(prefix, StringComparison.Ordinal) || slash < 0)
        {
            return LoadAsync(load, path: null, $"{load.ObjectUri} is not an object of the local bucket directory", null, cancellationToken);
        }
        var root = Path.GetFullPath(bucket) + Path.DirectorySeparatorChar;
        var path = Path.GetFullPath(Path.Combine(root, load.ObjectUri[(slash + 1)..]));
        return path.StartsWith(root, StringComparison.Ordinal)
            ? LoadAsync(load, path, null, progress: null, cancellationToken)
            : LoadAsync(load, path: null, $"{load.ObjectUri} names a path outside the bucket directory", null, cancellationToken);
    }

    /// <summary>Loads a local file under the identity of <paramref name="load"/>; reports bytes read to <paramref name="progress"/>.</summary>
    public Task<LoadOutcome> LoadCsvFileAsync(CsvLoad load, string path, IProgress<long>? progress, CancellationToken cancellationToken) =>
        LoadAsync(load, path, null, progress, cancellationToken);

    /// <summary>Every attempt ends in a load_log row, the ones refused before reading anything too.</summary>
    private async Task<LoadOutcome> LoadAsync(CsvLoad load, string? path, string? refusal, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            var connection = await WriterAsync(cancellationToken);
            return await Task.Run(() => LoadLocked(connection, load, path, refusal, progress, cancellationToken), cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<IReadOnlyList<LoadLogEntry>> ReadLoadLogAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT object, generation, target, status, rows_loaded, rows_rejected, error, started_at, finished_at
            FROM {DuckDbSchema.Quote(_options.Tables.LoadLog)} ORDER BY started_at, finished_at
            """;
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

    private LoadOutcome LoadLocked(
        DuckDBConnection connection, CsvLoad load, string? path, string? refusal, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var startedAt = DateTime.UtcNow;
        var target = TargetTable(load.Target);
        var loadedGeneration = LoadedGeneration(connection, load);
        LoadOutcome outcome;
        if (path is null)
        {
            outcome = LoadOutcome.Failed(refusal ?? "no file to load");
        }
        else if (loadedGeneration == load.Generation)
        {
            outcome = LoadOutcome.Skipped($"generation {load.Generation} is already loaded");
        }
        else if (loadedGeneration > load.Generation)
        {
            outcome = LoadOutcome.Skipped($"superseded: generation {loadedGeneration} is already loaded");
        }
        else
        {
            outcome = LoadInTransaction(connection, load, target, path, replacing: loadedGeneration >= 0, progress, startedAt, cancellationToken);
            if (outcome.Status == LoadStatus.Loaded)
            {
                return outcome;
            }
        }
        using var transaction = connection.BeginTransaction();
        WriteLoadLog(connection, load, target, outcome, startedAt);
        transaction.Commit();
        return outcome;
    }

    private LoadOutcome LoadInTransaction(
        DuckDBConnection connection, CsvLoad load, string target, string path, bool replacing, IProgress<long>? progress, DateTime startedAt,
        CancellationToken cancellationToken)
    {
        var rejections = new List<CsvRejection>();
        long loaded = 0;
        using var transaction = connection.BeginTransaction();
        try
        {
            if (replacing)
            {
                // This object's rows of any generation, "<object>#<digits>:", not those of an object whose name
                // merely starts with this one's followed by '#'.
                Execute(connection,
                    $"DELETE FROM {DuckDbSchema.Quote(target)} WHERE starts_with(event_id, ?) AND regexp_matches(substr(event_id, length(?) + 1), '^[0-9]+:')",
                    load.ObjectEventIdPrefix, load.ObjectEventIdPrefix);
            }
            long length;
            using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
            using (var decompressed = load.IsGzip ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file)
            using (var text = new StreamReader(decompressed, s_strictUtf8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 20))
            using (var appender = connection.CreateAppender(null, null, target))
            {
                length = file.Length;
                long parsed = 0;
                void Reject(CsvRejection rejection)
                {
                    rejections.Add(rejection);
                    if (rejections.Count > load.MaxBadRows)
                    {
                        throw new CsvFileException(
                            $"more than {load.MaxBadRows} bad rows; the first, line {rejections[0].Line}: {rejections[0].Reason}");
                    }
                }
                Action<T> Counted<T>(Action<T> emit) => row =>
                {
                    emit(row);
                    if ((++parsed & 0xFFFF) == 0)
                    {
                        progress?.Report(file.Position);
                    }
                };
                if (load.Target == RecordKind.Interaction)
                {
                    ParsePipeline.Run<Interaction>(
                        emit => CsvRecords.ReadInteractions(text, load.EventIdPrefix, Counted(emit), Reject, cancellationToken),
                        row =>
                        {
                            appender.CreateRow().AppendValue(row.EventId).AppendValue(row.UserId).AppendValue(row.ContentId)
                                .AppendValue(row.ReadPercent).AppendValue(row.UpdatedAt).AppendValue(startedAt).EndRow();
                            loaded++;
                        }, cancellationToken);
                }
                else
                {
                    ParsePipeline.Run<ContentCategory>(
                        emit => CsvRecords.ReadContentCategories(text, load.EventIdPrefix, Counted(emit), Reject, cancellationToken),
                        row =>
                        {
                            appender.CreateRow().AppendValue(row.EventId).AppendValue(row.ContentId).AppendValue(row.CategoryName)
                                .AppendValue(row.UpdatedAt).AppendValue(startedAt).EndRow();
                            loaded++;
                        }, cancellationToken);
                }
            }
            progress?.Report(length);
            var errors = rejections.Select(r => new IngestError(
                BackfillSource, load.EventIdPrefix + r.Line.ToString(CultureInfo.InvariantCulture), r.Raw, $"line {r.Line}: {r.Reason}"));
            AppendAndMove(connection, [new IngestBatch([], [], errors.ToList(), startedAt)]);
            var outcome = new LoadOutcome(LoadStatus.Loaded, loaded, rejections.Count, rejections.Count == 0 ? null : $"{rejections.Count} bad rows dead-lettered");
            WriteLoadLog(connection, load, target, outcome, startedAt);
            transaction.Commit();
            return outcome;
        }
        catch (Exception e) when (e is CsvFileException or FileNotFoundException or DirectoryNotFoundException
                                      or InvalidDataException or DecoderFallbackException)
        {
            transaction.Rollback();
            return LoadOutcome.Failed(FileProblem(e), rejections.Count);
        }
    }

    private long LoadedGeneration(DuckDBConnection connection, CsvLoad load)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT max(TRY_CAST(generation AS BIGINT)) FROM {DuckDbSchema.Quote(_options.Tables.LoadLog)}
            WHERE object = ? AND target = ? AND status = 'loaded'
            """;
        command.Parameters.Add(new DuckDBParameter(load.ObjectUri));
        command.Parameters.Add(new DuckDBParameter(TargetTable(load.Target)));
        return command.ExecuteScalar() is long generation ? generation : -1;
    }

    private void WriteLoadLog(DuckDBConnection connection, CsvLoad load, string target, LoadOutcome outcome, DateTime startedAt) =>
        Execute(connection, $"INSERT INTO {DuckDbSchema.Quote(_options.Tables.LoadLog)} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            load.ObjectUri, load.Generation.ToString(CultureInfo.InvariantCulture), target, outcome.Status.ToString().ToLowerInvariant(),
            outcome.RowsLoaded, outcome.RowsRejected, outcome.Error, startedAt, DateTime.UtcNow);

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

    private static string FileProblem(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "the object does not exist",
        InvalidDataException => $"not a valid gzip file: {e.Message}",
        DecoderFallbackException => "the file is not UTF-8 text",
        _ => e.Message,
    };
}
