using System.Text.Json;
using Microsoft.Extensions.Logging;
using Pipeline.Warehouse.Backfill;
using Pipeline.Warehouse.BigQuery.Rest;
using Pipeline.Warehouse.Query;
using Pipeline.Warehouse.Rows;

namespace Pipeline.Warehouse.BigQuery;

/// <summary>
/// The production warehouse. Streaming writes go through <c>tabledata.insertAll</c> with <c>insertId = event_id</c>
/// (BigQuery's de-duplication is best effort, which is why the query de-duplicates by event_id too); the
/// UserContent query is one parameterised job; backfill is <see cref="CsvBackfill"/> over <see cref="BigQueryBackfill"/>.
/// </summary>
public sealed class BigQueryWarehouse(
    BigQueryRestClient client, BigQueryOptions options, CsvBackfill backfill, ILogger<BigQueryWarehouse> logger) : IWarehouse
{
    private const int MaxRowsPerRequest = 500;
    private const int MaxBytesPerRequest = 9 * 1024 * 1024;
    private const int MaxResends = 5;

    private readonly string _userContentSql = UserContentSql.BigQuery(BigQueryOptions.Sql(options.Interactions), BigQueryOptions.Sql(options.ContentMeta));

    public async Task WriteAsync(IngestBatch batch, CancellationToken cancellationToken)
    {
        var at = Values.Timestamp(batch.ReceivedAt);
        var refused = new List<IngestError>();
        refused.AddRange(await InsertRowsAsync(options.Interactions, batch.Interactions, r => r.EventId, r => new Dictionary<string, object?>
        {
            ["event_id"] = r.EventId, ["user_id"] = Values.Int64(r.UserId), ["content_id"] = Values.Int64(r.ContentId),
            ["read_percent"] = r.ReadPercent, ["updated_at"] = Values.Timestamp(r.UpdatedAt), ["ingested_at"] = at,
        }, cancellationToken));
        refused.AddRange(await InsertRowsAsync(options.ContentMeta, batch.ContentCategories, r => r.EventId, r => new Dictionary<string, object?>
        {
            ["event_id"] = r.EventId, ["content_id"] = Values.Int64(r.ContentId), ["category_name"] = r.CategoryName,
            ["updated_at"] = r.UpdatedAt is { } updated ? Values.Timestamp(updated) : null, ["ingested_at"] = at,
        }, cancellationToken));
        var errors = batch.Errors.Concat(refused).ToList();
        var unstorable = await InsertAsync(options.IngestErrors, errors, e => $"{e.Source}:{e.EventId}", e => new Dictionary<string, object?>
        {
            ["source"] = e.Source, ["event_id"] = e.EventId, ["payload"] = e.Payload, ["error"] = e.Error, ["received_at"] = at,
        }, cancellationToken);
        if (unstorable.Count > 0)
        {
            throw new BigQueryException(null, ["invalid"], $"BigQuery refused {unstorable.Count} dead-letter rows: {unstorable[0].Reason}");
        }
    }

    public async Task<IReadOnlyList<CategoryCount>> CountCategoriesAsync(ReadingWindow window, CancellationToken cancellationToken)
    {
        var result = await QueryAsync(_userContentSql,
        [
            Values.Parameter(UserContentSql.UserId, window.UserId),
            Values.Parameter(UserContentSql.From, window.FromUtc),
            Values.Parameter(UserContentSql.Until, window.UntilUtc),
            Values.Parameter(UserContentSql.FinishedAbove, ReadingWindow.FinishedAbovePercent),
        ], cancellationToken);
        return result.Rows.Select(row => new CategoryCount(result.String(row, 0)!, result.Int64(row, 1))).ToList();
    }

    public Task<LoadOutcome> LoadCsvAsync(CsvLoad load, CancellationToken cancellationToken) => backfill.LoadAsync(load, cancellationToken);

    internal Task<QueryResult> QueryAsync(string sql, IReadOnlyList<QueryParameter> parameters, CancellationToken cancellationToken) =>
        WithTableHint(() => client.QueryAsync(options.Project, options.Query(sql, parameters), cancellationToken));

    /// <summary>Inserts rows; the ones BigQuery calls invalid become dead letters (source: the table) to store instead.</summary>
    private async Task<IEnumerable<IngestError>> InsertRowsAsync<TRow>(
        TableReference table, IReadOnlyList<TRow> rows, Func<TRow, string> insertId, Func<TRow, Dictionary<string, object?>> json,
        CancellationToken cancellationToken) =>
        (await InsertAsync(table, rows, insertId, json, cancellationToken))
            .Select(r => new IngestError($"insertAll:{table.TableId}", r.InsertId, r.Json, r.Reason));

    /// <summary>
    /// insertAll in chunks of ≤500 rows and ≤9 MB. Rows BigQuery calls <c>invalid</c> come back as dead letters;
    /// rows it <c>stopped</c> (or failed transiently) are sent again, a few times at most.
    /// </summary>
    private async Task<List<(string InsertId, string Json, string Reason)>> InsertAsync<TRow>(
        TableReference table, IReadOnlyList<TRow> rows, Func<TRow, string> insertId, Func<TRow, Dictionary<string, object?>> json,
        CancellationToken cancellationToken)
    {
        var refused = new List<(string InsertId, string Json, string Reason)>();
        foreach (var chunk in Chunks(rows.Select(r => (Row: r, Insert: new InsertAllRow(insertId(r), json(r)))).ToList()))
        {
            var pending = chunk;
            for (var attempt = 0; pending.Count > 0; attempt++)
            {
                if (attempt > MaxResends)
                {
                    throw new BigQueryException(null, ["stopped"], $"insertAll into {table.TableId} kept refusing {pending.Count} rows");
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
                        refused.Add((row.Insert.InsertId!, JsonSerializer.Serialize(row.Insert.Json),
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
            var size = JsonSerializer.SerializeToUtf8Bytes(row.Insert.Json).Length + 64;
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
