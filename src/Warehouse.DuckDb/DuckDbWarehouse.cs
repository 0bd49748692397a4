using DuckDB.NET.Data;
using Pipeline.Warehouse.Query;
using Pipeline.Warehouse.Rows;

namespace Pipeline.Warehouse.DuckDb;

/// <summary>
/// The embedded warehouse. One DuckDB file, one writer connection (DuckDB allows one writing process, and
/// serialising writers inside it avoids transaction conflicts), short-lived reader connections.
/// Tables are created on first use. Each batch is written in one transaction, so it lands whole or not at all.
/// </summary>
public sealed partial class DuckDbWarehouse : IWarehouse, IAsyncDisposable
{
    private readonly DuckDbOptions _options;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly RowInserter _interactions;
    private readonly RowInserter _contentMeta;
    private readonly RowInserter _errors;
    private readonly string _userContentSql;
    private DuckDBConnection? _writer;

    public DuckDbWarehouse(DuckDbOptions options)
    {
        _options = options;
        _interactions = new RowInserter(options.Tables.Interactions,
            ["event_id", "user_id", "content_id", "read_percent", "updated_at", "ingested_at"]);
        _contentMeta = new RowInserter(options.Tables.ContentMeta,
            ["event_id", "content_id", "category_name", "updated_at", "ingested_at"]);
        _errors = new RowInserter(options.Tables.IngestErrors,
            ["source", "event_id", "payload", "error", "received_at"]);
        _userContentSql = UserContentSql.DuckDb(DuckDbSchema.Quote(options.Tables.Interactions), DuckDbSchema.Quote(options.Tables.ContentMeta));
    }

    public TableNames Tables => _options.Tables;

    public async Task WriteAsync(IngestBatch batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            var connection = await WriterAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var at = batch.ReceivedAt;
            _interactions.Insert(connection, DistinctBy(batch.Interactions, r => r.EventId),
                r => [r.EventId, r.UserId, r.ContentId, r.ReadPercent, r.UpdatedAt, at], cancellationToken);
            _contentMeta.Insert(connection, DistinctBy(batch.ContentCategories, r => r.EventId),
                r => [r.EventId, r.ContentId, r.CategoryName, r.UpdatedAt, at], cancellationToken);
            _errors.Insert(connection, DistinctBy(batch.Errors, r => (r.Source, r.EventId)),
                r => [r.Source, r.EventId, r.Payload, r.Error, at], cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<IReadOnlyList<CategoryCount>> CountCategoriesAsync(ReadingWindow window, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = _userContentSql;
        command.Parameters.Add(new DuckDBParameter(window.UserId));
        command.Parameters.Add(new DuckDBParameter(window.FromUtc));
        command.Parameters.Add(new DuckDBParameter(window.UntilUtc));
        command.Parameters.Add(new DuckDBParameter(ReadingWindow.FinishedAbovePercent));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var counts = new List<CategoryCount>();
        while (await reader.ReadAsync(cancellationToken))
        {
            counts.Add(new CategoryCount(reader.GetString(0), reader.GetInt64(1)));
        }
        return counts;
    }

    /// <summary>Opens a connection for reading; the schema exists once this returns.</summary>
    public async Task<DuckDBConnection> OpenReaderAsync(CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await WriterAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
        var connection = new DuckDBConnection(_options.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        if (_writer is not null)
        {
            await _writer.DisposeAsync();
        }
        _writeLock.Dispose();
    }

    private async Task<DuckDBConnection> WriterAsync(CancellationToken cancellationToken)
    {
        if (_writer is { } open)
        {
            return open;
        }
        var directory = Path.GetDirectoryName(Path.GetFullPath(_options.DatabasePath));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
        var connection = new DuckDBConnection(_options.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = DuckDbSchema.CreateTables(_options.Tables);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        return _writer = connection;
    }

    private static IReadOnlyList<TRow> DistinctBy<TRow, TKey>(IReadOnlyList<TRow> rows, Func<TRow, TKey> key) =>
        rows.Count <= 1 ? rows : rows.DistinctBy(key).ToList();
}
