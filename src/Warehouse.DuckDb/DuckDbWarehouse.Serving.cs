using DuckDB.NET.Data;
using Pipeline.Warehouse.Query;
using Pipeline.Warehouse.Rows;

namespace Pipeline.Warehouse.DuckDb;

/// <summary>
/// UserContent answers from memory (<see cref="FinishedReads"/>): built from the tables on first use, under the write
/// lock so that no write slips between the snapshot and the first update, then kept in step by every commit with
/// exactly the rows it stored. Until it is built, and for the one window it cannot answer, the SQL answers.
/// </summary>
public sealed partial class DuckDbWarehouse
{
    private readonly object _buildGate = new();
    private FinishedReads? _reads;
    private Task? _building;

    /// <summary>Whether answers come from memory yet (the first query, or <see cref="PrepareServingAsync"/>, starts building them).</summary>
    public bool ServesFromMemory => Volatile.Read(ref _reads) is not null;

    /// <inheritdoc />
    public async Task<IReadOnlyList<CategoryCount>> CountCategoriesAsync(ReadingWindow window, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _reads) is { } reads && FinishedReads.Covers(window))
        {
            return reads.CountCategories(window);
        }
        _ = StartBuildingReads();
        return await CountCategoriesBySqlAsync(window, cancellationToken);
    }

    /// <summary>Builds the in-memory answers now; returns once they serve. The local stack calls it at start.</summary>
    public Task PrepareServingAsync() => StartBuildingReads();

    private Task StartBuildingReads()
    {
        lock (_buildGate)
        {
            if (_building is null || _building.IsFaulted)
            {
                _building = Task.Run(BuildReadsAsync);
            }
            return _building;
        }
    }

    private async Task StopBuildingReadsAsync()
    {
        Task? building;
        lock (_buildGate)
        {
            building = _building;
        }
        if (building is not null)
        {
            await building.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Every finished read and every distinct pair, read on the writer connection while no write can commit.</summary>
    private async Task BuildReadsAsync()
    {
        await _writeLock.WaitAsync();
        try
        {
            var connection = await WriterAsync(CancellationToken.None);
            var reads = new FinishedReads();
            reads.AddInteractions(ReadFinished(connection));
            reads.ReplaceContentMeta(ReadPairs(connection));
            Volatile.Write(ref _reads, reads);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private IEnumerable<Interaction> ReadFinished(DuckDBConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT event_id, user_id, content_id, read_percent, updated_at FROM {DuckDbSchema.Quote(_options.Tables.Interactions)}
            WHERE read_percent > $finished_above
            """;
        command.Parameters.Add(new DuckDBParameter("finished_above", ReadingWindow.FinishedAbovePercent));
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return ReadInteraction(reader);
        }
    }

    /// <summary>The distinct (content_id, category_name) pairs now stored, on the caller's connection.</summary>
    private List<(long, string)> ReadPairs(DuckDBConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT DISTINCT content_id, category_name FROM {DuckDbSchema.Quote(_options.Tables.ContentMeta)}";
        using var reader = command.ExecuteReader();
        var pairs = new List<(long, string)>();
        while (reader.Read())
        {
            pairs.Add((reader.GetInt64(0), reader.GetString(1)));
        }
        return pairs;
    }

    /// <summary>A row of (event_id, user_id, content_id, read_percent, updated_at).</summary>
    private static Interaction ReadInteraction(System.Data.Common.DbDataReader reader) =>
        new(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetDouble(3), reader.GetDateTime(4));

    /// <summary>After a commit of ingested batches: the interactions it stored, and its content_meta rows.</summary>
    private void ServeCommitted(IEnumerable<Interaction> stored, IEnumerable<ContentMeta> contentMeta)
    {
        if (Volatile.Read(ref _reads) is { } reads)
        {
            reads.AddInteractions(stored);
            reads.AddContentMeta(contentMeta);
        }
    }
}
