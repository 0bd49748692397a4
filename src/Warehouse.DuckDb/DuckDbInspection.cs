using DuckDB.NET.Data;
using Pipeline.Domain.Backfill;
using Pipeline.Domain.Rows;
using Pipeline.Domain.Schema;

namespace Pipeline.Warehouse.DuckDb;

/// <summary>The load_log and the dead-letter table, read on reader connections for the local stack's inspection endpoints.</summary>
/// <param name="database">The file read.</param>
public sealed class DuckDbInspection(DuckDbDatabase database) : IWarehouseInspection
{
    /// <inheritdoc />
    public Task<IReadOnlyList<LoadLogEntry>> ReadLoadLogAsync(CancellationToken cancellationToken) =>
        ReadLoadLogAsync(database, "", [], cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<StoredDeadLetter>> ReadDeadLettersAsync(
        string? source, DateTime? since, DateTime? until, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT source, event_id, payload, error, received_at FROM {DuckDbSchema.Quote(database.Tables.IngestErrors)}
            WHERE ($source IS NULL OR source = $source) AND ($since IS NULL OR received_at >= $since) AND ($until IS NULL OR received_at < $until)
            ORDER BY received_at DESC, source, event_id
            LIMIT $limit
            """;
        command.Parameters.Add(new DuckDBParameter("source", (object?)source ?? DBNull.Value));
        command.Parameters.Add(new DuckDBParameter("since", (object?)since ?? DBNull.Value));
        command.Parameters.Add(new DuckDBParameter("until", (object?)until ?? DBNull.Value));
        command.Parameters.Add(new DuckDBParameter("limit", limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<StoredDeadLetter>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new StoredDeadLetter(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetString(3), reader.GetDateTime(4)));
        }
        return rows;
    }

    /// <inheritdoc />
    public async Task<long> CountDeadLettersAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM {DuckDbSchema.Quote(database.Tables.IngestErrors)}";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>load_log rows matching <paramref name="where"/>, oldest attempt first; the backfill store reads its object's through this.</summary>
    internal static async Task<IReadOnlyList<LoadLogEntry>> ReadLoadLogAsync(
        DuckDbDatabase database, string where, DuckDBParameter[] parameters, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {DuckDbSchema.ColumnList(WarehouseSchema.LoadLog)}
            FROM {DuckDbSchema.Quote(database.Tables.LoadLog)} {where} ORDER BY started_at, finished_at
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
}
