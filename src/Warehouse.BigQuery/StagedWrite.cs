using System.Buffers;
using System.IO.Compression;
using Pipeline.Domain.Backfill;
using Pipeline.Domain.Rows;
using Pipeline.Domain.Schema;
using Pipeline.Warehouse.BigQuery.Rest;

namespace Pipeline.Warehouse.BigQuery;

/// <summary>
/// One backfill attempt on BigQuery. Rows and dead letters are written as gzip-compressed headerless CSV keyed by
/// their line (<see cref="StagingCsv"/>: about 17 bytes a reading event against 164 as JSON with its event id) and
/// streamed to a resumable upload in chunks of <see cref="BigQueryOptions.UploadChunkBytes"/>, so memory stays bounded whatever the object's size; the
/// upload's load job fills the staging table; the commit job moves the rows. When an earlier delivery's load job of
/// this generation already succeeded, its staging table is used and nothing is uploaded again.
/// The buffer holds every byte the server has not confirmed: each 308 says how far it got (it may keep less than
/// was sent), and after a failed request the upload asks the server where it stands and resumes from there.
/// </summary>
internal sealed class StagedWrite(BigQueryBackfill backfill, CsvLoad load, DateTime startedAt) : IBackfillWrite
{

    /// <summary>Failed upload requests in a row before the attempt gives up (and the delivery answers 5xx).</summary>
    public const int MaxUploadFailures = 5;

    // Each row type's CSV line, from the declared columns; the dead letters' fields follow the row's.
    private static readonly Action<ArrayBufferWriter<byte>, string, Interaction> s_interaction =
        StagingCsv.Rows(BackfillScript.StagedColumns(WarehouseSchema.UserInteraction), r => r.EventId, BackfillScript.StagedDeadLetterColumns.Count);
    private static readonly Action<ArrayBufferWriter<byte>, string, ContentMeta> s_contentMeta =
        StagingCsv.Rows(BackfillScript.StagedColumns(WarehouseSchema.ContentMeta), r => r.EventId, BackfillScript.StagedDeadLetterColumns.Count);
    private static readonly Action<ArrayBufferWriter<byte>, string, DeadLetter> s_deadLetterOfInteraction = DeadLetters(WarehouseSchema.UserInteraction);
    private static readonly Action<ArrayBufferWriter<byte>, string, DeadLetter> s_deadLetterOfContentMeta = DeadLetters(WarehouseSchema.ContentMeta);

    private readonly MemoryStream _buffer = new(backfill.ChunkBytes + (1 << 16));
    private readonly ArrayBufferWriter<byte> _lines = new(1 << 16);
    private GZipStream? _gzip;
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
            await AddAsync(deadLetters, load.Target == RecordKind.Interaction ? s_deadLetterOfInteraction : s_deadLetterOfContentMeta, cancellationToken);
            _staged = true;
        }
        if (_session is not null && _job is null)
        {
            await _gzip!.DisposeAsync(); // writes the gzip trailer into the buffer
            await SendAsync(final: true, cancellationToken);
            await backfill.WaitForSuccessAsync(_job!, "staging load", cancellationToken);
        }
        var staging = _attempt >= 0 ? backfill.Staging(load, _attempt) : null;
        await backfill.CommitAsync(load, staging, decision, outcome, startedAt, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        // An upload that never completes creates no job; its session lapses and the staging table expires.
        if (_gzip is not null)
        {
            await _gzip.DisposeAsync();
        }
        await _buffer.DisposeAsync();
    }

    /// <summary>Compresses one CSV line a row into the buffer (unless an earlier delivery's staging is reused), sending whole chunks.</summary>
    private async ValueTask AddAsync<TRow>(IReadOnlyList<TRow> rows, Action<ArrayBufferWriter<byte>, string, TRow> line, CancellationToken cancellationToken)
    {
        if (rows.Count == 0 || !await StartedAsync(cancellationToken))
        {
            return;
        }
        // Optimal (zlib's level 6) against Fastest measured 16.7 against 25.6 staged bytes a row for 0.66× the rows/s
        // (BENCHMARKS.md): the smaller file raises the object size under BigQuery's 4 GB cap on a compressed load file.
        _gzip ??= new GZipStream(_buffer, CompressionLevel.Optimal, leaveOpen: true);
        var prefix = load.EventIdPrefix;
        foreach (var row in rows)
        {
            line(_lines, prefix, row);
            if (_lines.WrittenCount >= 1 << 16)
            {
                _gzip.Write(_lines.WrittenSpan);
                _lines.ResetWrittenCount();
            }
        }
        _gzip.Write(_lines.WrittenSpan);
        _lines.ResetWrittenCount();
        if (_buffer.Length >= backfill.ChunkBytes)
        {
            await SendAsync(final: false, cancellationToken);
        }
    }

    /// <summary>A dead letter's CSV line: its row's fields empty.</summary>
    private static Action<ArrayBufferWriter<byte>, string, DeadLetter> DeadLetters<TRow>(TableDeclaration<TRow> table)
    {
        var empty = BackfillScript.StagedColumns(table).Count;
        return (output, prefix, deadLetter) => StagingCsv.DeadLetter(output, prefix, deadLetter, empty);
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
                    progress = await backfill.UploadChunkAsync(_session!, _buffer.GetBuffer().AsMemory(0, final ? length : length / backfill.ChunkBytes * backfill.ChunkBytes),
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
            if (!final && _buffer.Length < backfill.ChunkBytes)
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
