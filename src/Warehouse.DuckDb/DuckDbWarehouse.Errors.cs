using DuckDB.NET.Data;
using Pipeline.Warehouse.Rows;

namespace Pipeline.Warehouse.DuckDb;

/// <summary>The dead-letter table, read for the local stack's <c>/local/errors</c> and <c>/healthz</c>.</summary>
public sealed partial class DuckDbWarehouse
{
    /// <summary>
    /// The newest dead letters first, at most <paramref name="limit"/>, of one <paramref name="source"/> (any when
    /// null) received in [<paramref name="since"/>, <paramref name="until"/>) (unbounded when null). Every value is bound.
    /// </summary>
    /// <param name="source">An <see cref="ErrorSources"/> value, or null for all.</param>
    /// <param name="since">Inclusive lower bound on received_at (UTC), or null.</param>
    /// <param name="until">Exclusive upper bound on received_at (UTC), or null.</param>
    /// <param name="limit">How many rows at most.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    public async Task<IReadOnlyList<StoredIngestError>> ReadIngestErrorsAsync(
        string? source, DateTime? since, DateTime? until, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT source, event_id, payload, error, received_at FROM {DuckDbSchema.Quote(_options.Tables.IngestErrors)}
            WHERE ($source IS NULL OR source = $source) AND ($since IS NULL OR received_at >= $since) AND ($until IS NULL OR received_at < $until)
            ORDER BY received_at DESC, source, event_id
            LIMIT $limit
            """;
        command.Parameters.Add(new DuckDBParameter("source", (object?)source ?? DBNull.Value));
        command.Parameters.Add(new DuckDBParameter("since", (object?)since ?? DBNull.Value));
        command.Parameters.Add(new DuckDBParameter("until", (object?)until ?? DBNull.Value));
        command.Parameters.Add(new DuckDBParameter("limit", limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<StoredIngestError>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new StoredIngestError(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetString(3), reader.GetDateTime(4)));
        }
        return rows;
    }

    /// <summary>How many dead letters the table holds.</summary>
    /// <param name="cancellationToken">Cancels the query.</param>
    public async Task<long> CountIngestErrorsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM {DuckDbSchema.Quote(_options.Tables.IngestErrors)}";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>A dead letter as stored: the refused record, why, and when it arrived.</summary>
/// <param name="Source">Which input produced it (<see cref="ErrorSources"/>).</param>
/// <param name="EventId">Its event id.</param>
/// <param name="Payload">The raw payload, as text (or <c>base64:…</c>).</param>
/// <param name="Error">The reason, naming the field.</param>
/// <param name="ReceivedAt">When it was written (UTC).</param>
public sealed record StoredIngestError(string Source, string EventId, string? Payload, string Error, DateTime ReceivedAt);
