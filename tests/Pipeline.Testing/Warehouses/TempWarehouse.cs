using Pipeline.Domain.Backfill;
using Pipeline.Domain.Rows;
using Pipeline.Warehouse.DuckDb;

namespace Pipeline.Tests.Fixtures;

/// <summary>A real DuckDB warehouse in a temporary directory, with read helpers for assertions.</summary>
public sealed class TempWarehouse : IAsyncDisposable
{
    public TempWarehouse()
        : this(Path.Combine(Path.GetTempPath(), "pipeline-tests", Guid.NewGuid().ToString("N")), TimeProvider.System)
    {
    }

    public TempWarehouse(string directory, TimeProvider clock)
    {
        Directory = directory;
        Options = new DuckDbOptions(Path.Combine(Directory, "warehouse.duckdb")) { BucketDirectory = Path.Combine(Directory, "bucket") };
        Engine = new DuckDbEngine(Options, clock);
    }

    public string Directory { get; }

    public DuckDbOptions Options { get; }

    /// <summary>Every part of the embedded engine, as a host wires them.</summary>
    public DuckDbEngine Engine { get; }

    public DuckDbWarehouse Warehouse => Engine.Warehouse;

    public Pipeline.Domain.Backfill.CsvBackfill Backfill => Engine.Backfill;

    public DuckDbServingCache Serving => Engine.Serving;

    public DuckDbDatabase Database => Engine.Database;

    /// <summary>Writes a file into the local bucket directory; returns its object name.</summary>
    public string PutObject(string objectName, byte[] content)
    {
        var path = Path.Combine(Options.BucketDirectory!, objectName);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return objectName;
    }

    public async Task<long> CountAsync(string table)
    {
        var rows = await QueryAsync($"SELECT count(*) FROM {table}");
        return (long)rows[0][0]!;
    }

    public async Task<IReadOnlyList<DeadLetter>> ErrorsAsync()
    {
        var rows = await QueryAsync("SELECT source, event_id, payload, error FROM ingest_errors ORDER BY event_id");
        return rows.Select(r => new DeadLetter((string)r[0]!, (string)r[1]!, (string)r[2]!, (string)r[3]!)).ToList();
    }

    /// <summary>Every row of user_interaction, as records.</summary>
    public Task<IReadOnlyList<Stored<Interaction>>> InteractionsAsync() => StoredRows.InteractionsAsync(WholeTableAsync);

    /// <summary>Every row of content_meta, as records.</summary>
    public Task<IReadOnlyList<Stored<ContentMeta>>> ContentMetaAsync() => StoredRows.ContentMetaAsync(WholeTableAsync);

    /// <summary>Every row of ingest_errors, as records.</summary>
    public Task<IReadOnlyList<Stored<DeadLetter>>> IngestErrorsAsync() => StoredRows.IngestErrorsAsync(WholeTableAsync);

    /// <summary>Every row of load_log, as records, in the order the attempts started (then finished).</summary>
    public async Task<IReadOnlyList<LoadLogEntry>> LoadLogAsync() =>
        (await StoredRows.LoadLogAsync(WholeTableAsync)).OrderBy(l => l.StartedAt).ThenBy(l => l.FinishedAt).ToList();

    private Task<IReadOnlyList<object?[]>> WholeTableAsync(string table) => QueryAsync($"SELECT * FROM {table}");

    /// <summary>Runs a test-written query (no user input) and returns its rows as object arrays.</summary>
    public Task<IReadOnlyList<object?[]>> QueryAsync(string sql) => QueryAsync(Database, sql);

    /// <summary>Runs a test-written query (no user input) on any DuckDB warehouse.</summary>
    public static async Task<IReadOnlyList<object?[]>> QueryAsync(DuckDbDatabase database, string sql)
    {
        await using var connection = await database.OpenReaderAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }
            rows.Add(row);
        }
        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        await Engine.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless.
        }
    }
}

