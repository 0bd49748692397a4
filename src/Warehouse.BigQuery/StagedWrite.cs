using System.Text.Json;
using Pipeline.Warehouse.Backfill;
using Pipeline.Warehouse.BigQuery.Rest;
using Pipeline.Warehouse.Rows;

namespace Pipeline.Warehouse.BigQuery;

/// <summary>
/// One backfill attempt on BigQuery. Rows and dead letters are written as newline-delimited JSON and streamed to a
/// resumable upload in chunks of <see cref="ChunkBytes"/>, so memory stays bounded whatever the object's size; the
/// upload's load job fills the staging table; the commit job moves the rows. When an earlier delivery's load job of
/// this generation already succeeded, its staging table is used and nothing is uploaded again.
/// </summary>
internal sealed class StagedWrite(BigQueryBackfill backfill, CsvLoad load, bool replacing, DateTime startedAt) : IBackfillWrite
{
    public const int ChunkBytes = 32 * BigQueryRestClient.UploadChunkQuantum;

    private readonly MemoryStream _buffer = new(ChunkBytes + (1 << 16));
    private Utf8JsonWriter? _json;
    private Uri? _session;
    private int _attempt = -1;
    private bool _reused;
    private long _uploaded;

    public ValueTask AddAsync(IReadOnlyList<Interaction> rows, CancellationToken cancellationToken) =>
        AddAsync(rows, static (json, row) =>
        {
            json.WriteString("event_id", row.EventId);
            json.WriteString("user_id", Values.Int64(row.UserId));
            json.WriteString("content_id", Values.Int64(row.ContentId));
            json.WriteNumber("read_percent", row.ReadPercent);
            json.WriteString("updated_at", Values.Timestamp(row.UpdatedAt));
        }, cancellationToken);

    public ValueTask AddAsync(IReadOnlyList<ContentCategory> rows, CancellationToken cancellationToken) =>
        AddAsync(rows, static (json, row) =>
        {
            json.WriteString("event_id", row.EventId);
            json.WriteString("content_id", Values.Int64(row.ContentId));
            json.WriteString("category_name", row.CategoryName);
            if (row.UpdatedAt is { } updatedAt)
            {
                json.WriteString("updated_at", Values.Timestamp(updatedAt));
            }
        }, cancellationToken);

    public async Task CommitAsync(IReadOnlyList<IngestError> deadLetters, LoadOutcome outcome, CancellationToken cancellationToken)
    {
        await AddAsync(deadLetters, static (json, deadLetter) =>
        {
            json.WriteString("event_id", deadLetter.EventId);
            json.WriteString("payload", deadLetter.Payload);
            json.WriteString("error", deadLetter.Error);
        }, cancellationToken, flush: false);
        if (_session is not null)
        {
            _json!.Flush();
            var job = await backfill.UploadChunkAsync(_session, _buffer.GetBuffer().AsMemory(0, (int)_buffer.Length), _uploaded,
                _uploaded + _buffer.Length, cancellationToken);
            await backfill.WaitForSuccessAsync(job!, "staging load", cancellationToken);
        }
        var staging = _attempt >= 0 ? backfill.Staging(load, _attempt) : null;
        await backfill.CommitAsync(load, staging, replacing, outcome, startedAt, cancellationToken);
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
    private async ValueTask AddAsync<TRow>(IReadOnlyList<TRow> rows, Action<Utf8JsonWriter, TRow> fields, CancellationToken cancellationToken, bool flush = true)
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
        if (flush)
        {
            await FlushFullChunksAsync(cancellationToken);
        }
    }

    /// <summary>Starts the upload on the first row; false when an earlier delivery's staging table is used instead.</summary>
    private async ValueTask<bool> StartedAsync(CancellationToken cancellationToken)
    {
        if (_attempt < 0)
        {
            var (attempt, existing) = await backfill.AttemptAsync(load, "load", cancellationToken);
            _attempt = attempt;
            _reused = existing is not null;
            if (!_reused)
            {
                _session = await backfill.StartUploadAsync(load, attempt, cancellationToken);
            }
        }
        return !_reused;
    }

    /// <summary>Sends every whole chunk buffered; keeps the rest.</summary>
    private async ValueTask FlushFullChunksAsync(CancellationToken cancellationToken)
    {
        _json!.Flush();
        if (_buffer.Length < ChunkBytes)
        {
            return;
        }
        var whole = (int)(_buffer.Length / ChunkBytes * ChunkBytes);
        await backfill.UploadChunkAsync(_session!, _buffer.GetBuffer().AsMemory(0, whole), _uploaded, null, cancellationToken);
        _uploaded += whole;
        var rest = _buffer.GetBuffer().AsSpan(whole, (int)_buffer.Length - whole).ToArray();
        _buffer.SetLength(0);
        _buffer.Write(rest);
        _json.Reset(_buffer);
    }
}
