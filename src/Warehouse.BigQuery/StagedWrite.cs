using System.Text.Json;
using Pipeline.Domain.Backfill;
using Pipeline.Domain.Rows;
using Pipeline.Domain.Schema;
using Pipeline.Warehouse.BigQuery.Rest;

namespace Pipeline.Warehouse.BigQuery;

/// <summary>
/// One backfill attempt on BigQuery. Rows and dead letters are written as newline-delimited JSON and streamed to a
/// resumable upload in chunks of <see cref="ChunkBytes"/>, so memory stays bounded whatever the object's size; the
/// upload's load job fills the staging table; the commit job moves the rows. When an earlier delivery's load job of
/// this generation already succeeded, its staging table is used and nothing is uploaded again.
/// The buffer holds every byte the server has not confirmed: each 308 says how far it got (it may keep less than
/// was sent), and after a failed request the upload asks the server where it stands and resumes from there.
/// </summary>
internal sealed class StagedWrite(BigQueryBackfill backfill, CsvLoad load, DateTime startedAt) : IBackfillWrite
{
    public const int ChunkBytes = 32 * BigQueryRestClient.UploadChunkQuantum;

    /// <summary>Failed upload requests in a row before the attempt gives up (and the delivery answers 5xx).</summary>
    public const int MaxUploadFailures = 5;

    // Each row type's NDJSON line, from the declared columns.
    private static readonly Action<Utf8JsonWriter, Interaction> s_interaction = Fields(BackfillScript.RowColumns(WarehouseSchema.UserInteraction));
    private static readonly Action<Utf8JsonWriter, ContentMeta> s_contentMeta = Fields(BackfillScript.RowColumns(WarehouseSchema.ContentMeta));
    private static readonly Action<Utf8JsonWriter, DeadLetter> s_deadLetter = Fields(BackfillScript.DeadLetterColumns);

    private readonly MemoryStream _buffer = new(ChunkBytes + (1 << 16));
    private Utf8JsonWriter? _json;
    private Uri? _session;
    private int _attempt = -1;
    private bool _reused;
    private long _persisted;
    private Job? _job;
    private bool _staged;

    public ValueTask AddAsync(IReadOnlyList<Interaction> rows, CancellationToken cancellationToken) => AddAsync(rows, s_interaction, cancellationToken);

    public ValueTask AddAsync(IReadOnlyList<ContentMeta> rows, CancellationToken cancellationToken) => AddAsync(rows, s_contentMeta, cancellationToken);

    public async Task CommitAsync(IReadOnlyList<DeadLetter> deadLetters, LoadOutcome outcome, LoadDecision decision, CancellationToken cancellationToken)
    {
        // Staged once: a commit called again after a lost race reuses the staging table as it is.
        if (!_staged)
        {
            await AddAsync(deadLetters, s_deadLetter, cancellationToken);
            _staged = true;
        }
        if (_session is not null && _job is null)
        {
            await SendAsync(final: true, cancellationToken);
            await backfill.WaitForSuccessAsync(_job!, "staging load", cancellationToken);
        }
        var staging = _attempt >= 0 ? backfill.Staging(load, _attempt) : null;
        await backfill.CommitAsync(load, staging, decision, outcome, startedAt, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        // An upload that never completes creates no job; its session lapses and the staging table expires.
        if (_json is not null)
        {
            await _json.DisposeAsync();
        }
        await _buffer.DisposeAsync();
    }

    /// <summary>Buffers one NDJSON line a row (unless an earlier delivery's staging is reused), sending whole chunks.</summary>
    private async ValueTask AddAsync<TRow>(IReadOnlyList<TRow> rows, Action<Utf8JsonWriter, TRow> fields, CancellationToken cancellationToken)
    {
        if (rows.Count == 0 || !await StartedAsync(cancellationToken))
        {
            return;
        }
        var json = _json ??= new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });
        foreach (var row in rows)
        {
            json.WriteStartObject();
            fields(json, row);
            json.WriteEndObject();
            json.Flush();
            _buffer.WriteByte((byte)'\n');
            json.Reset(_buffer);
        }
        if (_buffer.Length >= ChunkBytes)
        {
            await SendAsync(final: false, cancellationToken);
        }
    }

    /// <summary>A staging row's fields, one per column in order, as the load job reads them; a NULL is left out.</summary>
    private static Action<Utf8JsonWriter, TRow> Fields<TRow>(IReadOnlyList<Column<TRow>> columns)
    {
        var fields = columns.Select(Field).ToArray();
        return (json, row) =>
        {
            foreach (var field in fields)
            {
                field(json, row);
            }
        };
    }

    /// <summary>One column's field: INT64 as a decimal string, TIMESTAMP as RFC 3339 (<see cref="Values"/>).</summary>
    private static Action<Utf8JsonWriter, TRow> Field<TRow>(Column<TRow> column)
    {
        var name = JsonEncodedText.Encode(column.Name);
        switch (column.Type)
        {
            case ColumnType.String:
                var text = column.StringOf!;
                return (json, row) =>
                {
                    if (text(row) is { } value)
                    {
                        json.WriteString(name, value);
                    }
                };
            case ColumnType.Int64:
                var int64 = column.Int64Of!;
                return (json, row) =>
                {
                    if (int64(row) is { } value)
                    {
                        json.WriteString(name, Values.Int64(value));
                    }
                };
            case ColumnType.Float64:
                var float64 = column.Float64Of!;
                return (json, row) =>
                {
                    if (float64(row) is { } value)
                    {
                        json.WriteNumber(name, value);
                    }
                };
            default:
                var timestamp = column.TimestampOf ?? throw new ArgumentException($"Column {column.Name} is not staged: the commit gives it.", nameof(column));
                return (json, row) =>
                {
                    if (timestamp(row) is { } value)
                    {
                        json.WriteString(name, Values.Timestamp(value));
                    }
                };
        }
    }

    /// <summary>Starts the upload on the first row; false when an earlier delivery's staging table is used instead.</summary>
    private async ValueTask<bool> StartedAsync(CancellationToken cancellationToken)
    {
        if (_attempt < 0)
        {
            var (attempt, existing) = await backfill.AttemptAsync(load, BigQueryBackfill.LoadKind, cancellationToken);
            _attempt = attempt;
            _reused = existing is not null;
            if (!_reused)
            {
                _session = await backfill.StartUploadAsync(load, attempt, cancellationToken);
            }
        }
        return !_reused;
    }

    /// <summary>
    /// Sends the whole chunks buffered (or, when <paramref name="final"/>, everything, closing the upload), keeping
    /// each byte until the server confirms it.
    /// </summary>
    private async Task SendAsync(bool final, CancellationToken cancellationToken)
    {
        _json!.Flush();
        var failures = 0;
        var askStatus = false;
        while (true)
        {
            UploadProgress progress;
            try
            {
                if (askStatus)
                {
                    await backfill.BackOffAsync(failures, cancellationToken);
                    progress = await backfill.UploadStatusAsync(_session!, cancellationToken);
                }
                else
                {
                    var length = (int)_buffer.Length;
                    progress = await backfill.UploadChunkAsync(_session!, _buffer.GetBuffer().AsMemory(0, final ? length : length / ChunkBytes * ChunkBytes),
                        _persisted, final ? _persisted + length : null, cancellationToken);
                }
            }
            catch (Exception e) when (IsTransient(e, cancellationToken) && failures < MaxUploadFailures)
            {
                failures++;
                askStatus = true;
                continue;
            }
            catch (BigQueryException e) when (final && e.IsDuplicate)
            {
                // A concurrent delivery's upload of this attempt finished first: its job is the one to wait for.
                _job = await backfill.LoadJobAsync(load, _attempt, cancellationToken);
                return;
            }
            if (progress.Job is { } job)
            {
                _job = job;
                return;
            }
            // After a status answer, send again from what it confirmed; after a chunk the server took some of, the
            // failures so far are over. A server that keeps taking nothing is a failure too, not a reason to loop.
            var before = _persisted;
            Confirm(progress.Persisted!.Value);
            if (!askStatus)
            {
                failures = _persisted > before ? 0 : failures + 1;
                if (failures > MaxUploadFailures)
                {
                    throw new BigQueryException(null, [], $"The upload server kept {_persisted} bytes and took none of the last {MaxUploadFailures} chunks.");
                }
            }
            askStatus = false;
            if (!final && _buffer.Length < ChunkBytes)
            {
                return;
            }
        }
    }

    /// <summary>Drops the bytes the server now has from the buffer.</summary>
    private void Confirm(long persisted)
    {
        if (persisted < _persisted || persisted > _persisted + _buffer.Length)
        {
            throw new BigQueryException(null, [], $"The upload server reports {persisted} bytes persisted; {_persisted} were confirmed and {_buffer.Length} more sent.");
        }
        var dropped = (int)(persisted - _persisted);
        var kept = (int)_buffer.Length - dropped;
        _buffer.GetBuffer().AsSpan(dropped, kept).CopyTo(_buffer.GetBuffer());
        _buffer.SetLength(kept);
        _buffer.Position = kept;
        _json!.Reset(_buffer);
        _persisted = persisted;
    }

    private static bool IsTransient(Exception e, CancellationToken cancellationToken) => e switch
    {
        HttpRequestException or Polly.Timeout.TimeoutRejectedException => true,
        TaskCanceledException => !cancellationToken.IsCancellationRequested,
        BigQueryException { Status: { } status } => (int)status is 429 or >= 500,
        _ => false,
    };
}
