using DuckDB.NET.Data;
using Pipeline.Warehouse.Backfill;
using Pipeline.Warehouse.Query;
using Pipeline.Warehouse.Rows;

namespace Pipeline.Warehouse.DuckDb;

/// <summary>
/// The embedded warehouse. One DuckDB file, one writer connection (DuckDB allows one writing process, and
/// serialising writers inside it avoids transaction conflicts), pooled reader connections.
/// Tables are created on first use. Concurrent batches are committed together in one transaction
/// (<see cref="WriteCoalescer"/>), so each lands whole or not at all.
/// </summary>
public sealed partial class DuckDbWarehouse : IWarehouse, IAsyncDisposable
{
    private readonly DuckDbOptions _options;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly string _userContentSql;
    private readonly WriteCoalescer _writes;
    private readonly TimeProvider _clock;
    private readonly CsvBackfill _backfill;
    private readonly System.Collections.Concurrent.ConcurrentBag<DuckDBConnection> _queryConnections = [];
    private DuckDBConnection? _writer;
    private volatile bool _schemaReady;

    /// <summary>A warehouse on the file <paramref name="options"/> names; nothing is opened until first use.</summary>
    /// <param name="options">The database file, table names and local bucket directory.</param>
    /// <param name="clock">Stamps backfill attempts; <see cref="TimeProvider.System"/> when not given.</param>
    public DuckDbWarehouse(DuckDbOptions options, TimeProvider? clock = null)
    {
        _options = options;
        _clock = clock ?? TimeProvider.System;
        _backfill = new CsvBackfill(this, this, new BucketDirectorySource(options.BucketDirectory), _clock);
        _userContentSql = UserContentSql.DuckDb(DuckDbSchema.Quote(options.Tables.Interactions), DuckDbSchema.Quote(options.Tables.ContentMeta));
        _writes = new WriteCoalescer(CommitAsync);
    }

    /// <summary>Queued with the writes arriving meanwhile and committed with them in one transaction (see <see cref="WriteCoalescer"/>).</summary>
    public async Task<WriteOutcome> WriteAsync(IngestBatch batch, CancellationToken cancellationToken) =>
        new(batch.Count == 0 ? 0 : await _writes.WriteAsync(batch, cancellationToken));

    /// <summary>
    /// The window's answer by <see cref="UserContentSql"/> on a pooled reader connection: what the in-memory answers
    /// (<see cref="CountCategoriesAsync"/>) must equal, and what answers while they are being built.
    /// </summary>
    /// <param name="window">The user and the dates.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    public async Task<IReadOnlyList<CategoryCount>> CountCategoriesBySqlAsync(ReadingWindow window, CancellationToken cancellationToken)
    {
        var connection = _queryConnections.TryTake(out var pooled) ? pooled : await OpenReaderAsync(cancellationToken);
        try
        {
            return await QueryCategoriesAsync(connection, window, cancellationToken);
        }
        finally
        {
            _queryConnections.Add(connection);
        }
    }

    private async Task<IReadOnlyList<CategoryCount>> QueryCategoriesAsync(DuckDBConnection connection, ReadingWindow window, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = _userContentSql;
        command.Parameters.Add(new DuckDBParameter(UserContentSql.UserId, window.UserId));
        command.Parameters.Add(new DuckDBParameter(UserContentSql.From, window.FromUtc));
        command.Parameters.Add(new DuckDBParameter(UserContentSql.Until, window.UntilUtc));
        command.Parameters.Add(new DuckDBParameter(UserContentSql.FinishedAbove, ReadingWindow.FinishedAbovePercent));
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
        if (!_schemaReady)
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
        }
        var connection = new DuckDBConnection(_options.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    /// <summary>Finishes the writes already queued and the in-memory answers being built, then closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _writes.DisposeAsync();
        await StopBuildingReadsAsync();
        while (_queryConnections.TryTake(out var connection))
        {
            await connection.DisposeAsync();
        }
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
            command.CommandText = DuckDbSchema.CreateTables(_options.Tables) + DuckDbSchema.CreateStagingTables(_options.Tables);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var command = connection.CreateCommand())
        {
            // A setting of the database, so of every connection to it; its value is ours, not user input.
            command.CommandText = $"SET memory_limit = '{_options.MemoryLimit.Replace("'", "''")}'";
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        _writer = connection;
        _schemaReady = true;
        return connection;
    }
}
