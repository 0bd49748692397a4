using DuckDB.NET.Data;

namespace Pipeline.Warehouse.DuckDb;

/// <summary>
/// One DuckDB file: the one writer connection (DuckDB allows one writing process, and serialising commits inside it
/// avoids transaction conflicts) behind one write lock, and other connections on demand (readers, and backfill
/// attempts appending in their own transactions, which take the write lock only to commit). The tables are
/// created on first use. The writer, the backfill store, the serving cache and the inspection all share one.
/// </summary>
public sealed class DuckDbDatabase : IAsyncDisposable
{
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private DuckDBConnection? _writer;
    private volatile bool _schemaReady;

    /// <summary>A database on the file <paramref name="options"/> names; nothing is opened until first use.</summary>
    /// <param name="options">The database file and the table names.</param>
    public DuckDbDatabase(DuckDbOptions options) => Options = options;

    /// <summary>The file, the table names and the memory limit.</summary>
    public DuckDbOptions Options { get; }

    /// <summary>The configured table names.</summary>
    public TableNames Tables => Options.Tables;

    /// <summary>
    /// Runs <paramref name="work"/> on the writer connection while holding the write lock, so no other write
    /// interleaves; the schema exists when it runs.
    /// </summary>
    internal async Task<T> WithWriterAsync<T>(Func<DuckDBConnection, T> work, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            return work(await WriterAsync(cancellationToken));
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Opens a connection for reading; the schema exists once this returns. The caller disposes it.</summary>
    /// <param name="cancellationToken">Cancels the wait for the schema and the open.</param>
    public async Task<DuckDBConnection> OpenReaderAsync(CancellationToken cancellationToken)
    {
        if (!_schemaReady)
        {
            await WithWriterAsync(_ => true, cancellationToken);
        }
        var connection = new DuckDBConnection(Options.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    /// <summary>The table a record kind is stored in, under its configured name.</summary>
    internal string TableOf(Pipeline.Domain.Rows.RecordKind kind) => kind == Pipeline.Domain.Rows.RecordKind.Interaction ? Tables.Interactions : Tables.ContentMeta;

    /// <summary>Runs a statement whose values are bound positionally.</summary>
    internal static void Execute(DuckDBConnection connection, string sql, params object?[] values)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var value in values)
        {
            command.Parameters.Add(new DuckDBParameter(value ?? DBNull.Value));
        }
        command.ExecuteNonQuery();
    }

    /// <summary>Closes the writer connection (readers are closed by whoever opened them).</summary>
    public async ValueTask DisposeAsync()
    {
        await _writeLock.WaitAsync();
        try
        {
            if (_writer is not null)
            {
                await _writer.DisposeAsync();
                _writer = null;
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task<DuckDBConnection> WriterAsync(CancellationToken cancellationToken)
    {
        if (_writer is { } open)
        {
            return open;
        }
        var directory = Path.GetDirectoryName(Path.GetFullPath(Options.DatabasePath));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
        var connection = new DuckDBConnection(Options.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = DuckDbSchema.CreateTables(Tables) + DuckDbSchema.CreateStagingTables(Tables);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var command = connection.CreateCommand())
        {
            // A setting of the database, so of every connection to it; its value is ours, not user input.
            command.CommandText = $"SET memory_limit = '{Options.MemoryLimit.Replace("'", "''")}'";
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        _writer = connection;
        _schemaReady = true;
        return connection;
    }
}
