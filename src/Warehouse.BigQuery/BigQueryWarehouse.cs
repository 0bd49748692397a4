using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Pipeline.Domain.Backfill;
using Pipeline.Domain.Query;
using Pipeline.Domain.Rows;
using Pipeline.Domain.Schema;
using Pipeline.Warehouse.BigQuery.Rest;

namespace Pipeline.Warehouse.BigQuery;

/// <summary>
/// The production warehouse. Streaming writes go through <c>tabledata.insertAll</c> with <c>insertId = event_id</c>
/// (BigQuery's de-duplication is best effort, which is why the query de-duplicates by event_id too); the
/// UserContent query is one parameterised short query (<c>jobs.query</c>, a job only when BigQuery needs one). Backfill
/// is not here: it is <see cref="CsvBackfill"/> over <see cref="BigQueryBackfill"/>. One write, every call, retry and
/// resend of it, ends within <see cref="BigQueryOptions.RetryBudget"/> on <paramref name="clock"/>.
/// </summary>
public sealed class BigQueryWarehouse(
    BigQueryRestClient client, BigQueryOptions options, TimeProvider clock, ILogger<BigQueryWarehouse> logger) : IWarehouse
{
    private const int MaxRowsPerRequest = 500;
    private const int MaxBytesPerRequest = 9 * 1024 * 1024;
    private const int MaxResends = 5;

    private readonly string _userContentSql = UserContentSql.BigQuery(BigQueryOptions.Sql(options.Interactions), BigQueryOptions.Sql(options.ContentMeta));

    /// <summary>
    /// Writes the batch (<see cref="IWarehouse.WriteAsync"/>) within <see cref="BigQueryOptions.RetryBudget"/>: one
    /// deadline, started here, bounds every insertAll, its retries and the resends of rows BigQuery did not take, so
    /// a BigQuery that keeps failing ends the delivery with <see cref="TimeoutException"/> (the function answers 5xx)
    /// well before the trigger's ack deadline.
    /// </summary>
    public async Task<WriteOutcome> WriteAsync(IngestBatch batch, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(options.RetryBudget, clock);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            return await WriteWithinAsync(batch, bounded.Token);
        }
        catch (OperationCanceledException e) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"BigQuery did not take the batch within BIGQUERY_RETRY_BUDGET_SECONDS ({options.RetryBudget.TotalSeconds:0.###} s), " +
                "retries and resends included; the event source delivers it again", e);
        }
    }

    private async Task<WriteOutcome> WriteWithinAsync(IngestBatch batch, CancellationToken cancellationToken)
    {
        var refused = new List<DeadLetter>();
        refused.AddRange(await InsertRowsAsync(options.Interactions, batch.Interactions, r => r.EventId, s_interaction, batch.ReceivedAt, cancellationToken));
        refused.AddRange(await InsertRowsAsync(options.ContentMeta, batch.ContentMeta, r => r.EventId, s_contentMeta, batch.ReceivedAt, cancellationToken));
        var errors = batch.DeadLetters.Concat(refused).ToList();
        var unstorable = await InsertAsync(options.IngestErrors, errors, e => $"{e.Source}:{e.EventId}", s_ingestError, batch.ReceivedAt, cancellationToken);
        if (unstorable.Count > 0)
        {
            throw new BigQueryException(null, ["invalid"], $"BigQuery refused {unstorable.Count} dead-letter rows: {unstorable[0].Reason}");
        }
        return WriteOutcome.Unknown;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CategoryCount>> CountCategoriesAsync(ReadingWindow window, CancellationToken cancellationToken)
    {
        // The short-query mode: a finished answer usually comes back inline, without a job to create and poll.
        var request = options.ShortQuery(_userContentSql,
        [
            Values.Parameter(UserContentSql.UserId, window.UserId),
            Values.Parameter(UserContentSql.From, window.FromUtc),
            Values.Parameter(UserContentSql.Until, window.UntilUtc),
            Values.Parameter(UserContentSql.FinishedAbove, ReadingWindow.FinishedAbovePercent),
        ]);
        var result = await QueryAsync(request, cancellationToken);
        return result.Rows.Select(row => new CategoryCount(result.String(row, 0)!, result.Int64(row, 1))).ToList();
    }

    internal Task<QueryResult> QueryAsync(QueryRequest request, CancellationToken cancellationToken) =>
        WithTableHint(() => client.QueryAsync(options.Project, request, cancellationToken));

    private static readonly JsonRow<Interaction> s_interaction = new(WarehouseSchema.UserInteraction);
    private static readonly JsonRow<ContentMeta> s_contentMeta = new(WarehouseSchema.ContentMeta);
    private static readonly JsonRow<DeadLetter> s_ingestError = new(WarehouseSchema.IngestErrors);

    /// <summary>Inserts rows; the ones BigQuery calls invalid become dead letters (source: the table) to store instead.</summary>
    private async Task<IEnumerable<DeadLetter>> InsertRowsAsync<TRow>(
        TableReference table, IReadOnlyList<TRow> rows, Func<TRow, string> insertId, JsonRow<TRow> json, DateTime writeTime,
        CancellationToken cancellationToken) =>
        (await InsertAsync(table, rows, insertId, json, writeTime, cancellationToken))
            .Select(r => new DeadLetter($"insertAll:{table.TableId}", r.InsertId, r.Json, r.Reason));

    /// <summary>
    /// insertAll in chunks of ≤500 rows and ≤9 MB. Rows BigQuery calls <c>invalid</c> come back as dead letters;
    /// rows it <c>stopped</c> (or failed transiently) are sent again after <see cref="BigQueryOptions.Backoff"/>'s
    /// wait, <see cref="MaxResends"/> times at most.
    /// </summary>
    private async Task<List<(string InsertId, string Json, string Reason)>> InsertAsync<TRow>(
        TableReference table, IReadOnlyList<TRow> rows, Func<TRow, string> insertId, JsonRow<TRow> json, DateTime writeTime,
        CancellationToken cancellationToken)
    {
        var refused = new List<(string InsertId, string Json, string Reason)>();
        var serialized = json.Of(rows, Values.Timestamp(writeTime));
        foreach (var chunk in Chunks(rows.Select((r, i) => (Row: r, Insert: new InsertAllRow(insertId(r), serialized[i]))).ToList()))
        {
            var pending = chunk;
            for (var attempt = 0; pending.Count > 0; attempt++)
            {
                if (attempt > MaxResends)
                {
                    throw new BigQueryException(null, ["stopped"], $"insertAll into {table.TableId} kept refusing {pending.Count} rows");
                }
                if (attempt > 0)
                {
                    await Task.Delay(options.Backoff.Delay(attempt), clock, cancellationToken);
                }
                var response = await WithTableHint(() => client.InsertAllAsync(table, new InsertAllRequest(pending.Select(p => p.Insert).ToList()), cancellationToken));
                var resend = new List<(TRow Row, InsertAllRow Insert)>();
                foreach (var error in response.InsertErrors ?? [])
                {
                    var row = pending[error.Index];
                    var invalid = error.Errors?.FirstOrDefault(e => e.Reason == "invalid");
                    if (invalid is null)
                    {
                        resend.Add(row);
                    }
                    else
                    {
                        refused.Add((row.Insert.InsertId!, Encoding.UTF8.GetString(row.Insert.Json.Span),
                            $"{table.TableId} refused the row: {invalid.Location} {invalid.Message}".Trim()));
                    }
                }
                pending = resend;
            }
        }
        return refused;
    }

    private static IEnumerable<List<(TRow Row, InsertAllRow Insert)>> Chunks<TRow>(List<(TRow Row, InsertAllRow Insert)> rows)
    {
        var chunk = new List<(TRow, InsertAllRow)>();
        var bytes = 0;
        foreach (var row in rows)
        {
            var size = row.Insert.Json.Length + 64;
            if (chunk.Count > 0 && (chunk.Count == MaxRowsPerRequest || bytes + size > MaxBytesPerRequest))
            {
                yield return chunk;
                chunk = [];
                bytes = 0;
            }
            chunk.Add(row);
            bytes += size;
        }
        if (chunk.Count > 0)
        {
            yield return chunk;
        }
    }

    /// <summary>
    /// A table's insertAll rows, each serialized once to UTF-8 (its size is its length; the request writes these
    /// bytes): each column by name, in order, NULL as null; INT64 as a decimal string (exact past 2^53), TIMESTAMP as
    /// RFC 3339 UTC µs, the write-time columns the batch's time.
    /// </summary>
    private sealed class JsonRow<TRow>(TableDeclaration<TRow> table)
    {
        private readonly (JsonEncodedText Name, Action<Utf8JsonWriter, TRow>? Value)[] _cells =
            [.. table.Columns.Select(c => (JsonEncodedText.Encode(c.Name), Cell(c)))];

        /// <summary>The rows' JSON objects, in order, written by one writer.</summary>
        public ReadOnlyMemory<byte>[] Of(IReadOnlyList<TRow> rows, string writeTime)
        {
            var serialized = new ReadOnlyMemory<byte>[rows.Count];
            var buffer = new ArrayBufferWriter<byte>(256);
            using var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = BigQueryJson.Default.Options.Encoder });
            for (var i = 0; i < rows.Count; i++)
            {
                buffer.ResetWrittenCount();
                json.Reset(buffer);
                json.WriteStartObject();
                foreach (var (name, value) in _cells)
                {
                    json.WritePropertyName(name);
                    if (value is null)
                    {
                        json.WriteStringValue(writeTime);
                    }
                    else
                    {
                        value(json, rows[i]);
                    }
                }
                json.WriteEndObject();
                json.Flush();
                serialized[i] = buffer.WrittenSpan.ToArray();
            }
            return serialized;
        }

        /// <summary>Writes a column's JSON value from a row; null for a write-time column.</summary>
        private static Action<Utf8JsonWriter, TRow>? Cell(Column<TRow> column)
        {
            if (column.IsWriteTime)
            {
                return null;
            }
            switch (column.Type)
            {
                case ColumnType.String:
                    var text = column.StringOf!;
                    return (json, row) => WriteOrNull(json, text(row));
                case ColumnType.Int64:
                    var int64 = column.Int64Of!;
                    return (json, row) => WriteOrNull(json, int64(row) is { } value ? Values.Int64(value) : null);
                case ColumnType.Float64:
                    var float64 = column.Float64Of!;
                    return (json, row) =>
                    {
                        if (float64(row) is { } value)
                        {
                            json.WriteNumberValue(value);
                        }
                        else
                        {
                            json.WriteNullValue();
                        }
                    };
                default:
                    var timestamp = column.TimestampOf!;
                    return (json, row) => WriteOrNull(json, timestamp(row) is { } value ? Values.Timestamp(value) : null);
            }
        }

        private static void WriteOrNull(Utf8JsonWriter json, string? value)
        {
            if (value is null)
            {
                json.WriteNullValue();
            }
            else
            {
                json.WriteStringValue(value);
            }
        }
    }

    /// <summary>A missing table is a setup problem: say which DDL creates it.</summary>
    private async Task<T> WithTableHint<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (BigQueryException e) when (e.IsNotFound)
        {
            logger.LogError("{Message} — create the tables with deploy/bigquery.sql (see README, Run on BigQuery)", e.Message);
            throw;
        }
    }
}
