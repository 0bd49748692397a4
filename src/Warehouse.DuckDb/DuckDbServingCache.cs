using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using DuckDB.NET.Data;
using Pipeline.Domain.Backfill;
using Pipeline.Domain.Query;
using Pipeline.Domain.Rows;

namespace Pipeline.Warehouse.DuckDb;

/// <summary>
/// UserContent's read on the embedded engine. Answers come from memory (<see cref="FinishedReads"/>): built from the
/// tables on first use, under the write lock so that no write slips between the snapshot and the first update, then
/// kept in step by every commit with exactly the rows it stored (<see cref="Current"/>). Until they are built, and for
/// the one window they cannot answer, <see cref="UserContentSql"/> answers on a pooled reader connection.
/// </summary>
/// <param name="database">The file it reads.</param>
public sealed class DuckDbServingCache(DuckDbDatabase database) : IAsyncDisposable
{
    private readonly string _userContentSql = UserContentSql.DuckDb(DuckDbSchema.Quote(database.Tables.Interactions), DuckDbSchema.Quote(database.Tables.ContentMeta));
    private readonly ConcurrentBag<DuckDBConnection> _queryConnections = [];
    private readonly object _buildGate = new();
    private FinishedReads? _reads;
    private Task? _building;

    /// <summary>Whether answers come from memory yet (the first query, or <see cref="PrepareAsync"/>, starts building them).</summary>
    public bool ServesFromMemory => Volatile.Read(ref _reads) is not null;

    /// <summary>Why answers are not served from memory, when the tables rule it out; null otherwise.</summary>
    public string? ServingFromMemoryRefused { get; private set; }

    /// <summary>
    /// The in-memory answers, or null while they are not built. A writer holding the write lock applies its committed
    /// rows to it: building cannot run meanwhile, since building takes the lock too.
    /// </summary>
    internal FinishedReads? Current => Volatile.Read(ref _reads);

    /// <summary>The window's counts: from memory when built, otherwise by the SQL (and building starts).</summary>
    /// <param name="window">The user and the dates.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    public async Task<IReadOnlyList<CategoryCount>> CountCategoriesAsync(ReadingWindow window, CancellationToken cancellationToken)
    {
        if (Current is { } reads && FinishedReads.Covers(window))
        {
            return reads.CountCategories(window);
        }
        _ = StartBuilding();
        return await CountCategoriesBySqlAsync(window, cancellationToken);
    }

    /// <summary>
    /// The window's answer by <see cref="UserContentSql"/> on a pooled reader connection: what the in-memory answers
    /// must equal, and what answers while they are being built.
    /// </summary>
    /// <param name="window">The user and the dates.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    public async Task<IReadOnlyList<CategoryCount>> CountCategoriesBySqlAsync(ReadingWindow window, CancellationToken cancellationToken)
    {
        var connection = _queryConnections.TryTake(out var pooled) ? pooled : await database.OpenReaderAsync(cancellationToken);
        try
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
        finally
        {
            _queryConnections.Add(connection);
        }
    }

    /// <summary>Builds the in-memory answers now; returns once they serve. The local stack calls it at start.</summary>
    public Task PrepareAsync() => StartBuilding();

    /// <summary>After a commit of ingested batches, under the write lock: the interactions it stored, and its content_meta rows.</summary>
    internal void ServeCommitted(IEnumerable<Interaction> stored, IEnumerable<ContentMeta> contentMeta)
    {
        if (Current is { } reads)
        {
            reads.AddInteractions(stored);
            reads.AddContentMeta(contentMeta);
        }
    }

    /// <summary>
    /// Under the write lock: drops the answers served from memory (a commit whose rows they may lack); the SQL answers
    /// until the next query has built them again from the tables.
    /// </summary>
    internal void Forget()
    {
        lock (_buildGate)
        {
            Volatile.Write(ref _reads, null);
            _building = null;
        }
    }

    /// <summary>Finishes the answers being built, then closes the pooled connections.</summary>
    public async ValueTask DisposeAsync()
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
        while (_queryConnections.TryTake(out var connection))
        {
            await connection.DisposeAsync();
        }
    }

    private Task StartBuilding()
    {
        lock (_buildGate)
        {
            if (_building is null || _building.IsFaulted)
            {
                _building = Task.Run(() => database.WithWriterAsync(Build, CancellationToken.None));
            }
            return _building;
        }
    }

    /// <summary>
    /// Every finished read and every distinct pair, read on the writer connection while no write can commit: the reads
    /// ordered by user and date, each with the id of the backfilled object it came from, so no event id is read.
    /// A table holding an event id twice (which only a loader outside this product writes) stays with the SQL, which
    /// counts each event id once.
    /// </summary>
    private bool Build(DuckDBConnection connection)
    {
        var table = DuckDbSchema.Quote(database.Tables.Interactions);
        if (HoldsAnEventIdTwice(connection, table))
        {
            ServingFromMemoryRefused = $"{database.Tables.Interactions} holds finished reads whose event_id is stored twice; the SQL answers";
            return false;
        }
        var reads = new FinishedReads();
        LoadFinished(connection, table, reads);
        reads.ReplaceContentMeta(ReadPairs(connection));
        Volatile.Write(ref _reads, reads);
        return true;
    }

    private static bool HoldsAnEventIdTwice(DuckDBConnection connection, string table)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT EXISTS (SELECT 1 FROM {table} WHERE read_percent > $finished_above GROUP BY user_id, event_id HAVING count(*) > 1)
            """;
        command.Parameters.Add(new DuckDBParameter("finished_above", ReadingWindow.FinishedAbovePercent));
        return command.ExecuteScalar() is true;
    }

    /// <summary>The objects first (few), then every finished read as four numbers, by user then date.</summary>
    private static void LoadFinished(DuckDBConnection connection, string table, FinishedReads reads)
    {
        // The one rule for a backfilled row's id (CsvLoad.RowEventIdPattern), a constant of ours spliced as a literal.
        const string pattern = "'" + CsvLoad.RowEventIdPattern + "'";
        const string backfilled = "contains(event_id, '#') AND regexp_matches(event_id, " + pattern + ")";
        const string objectOf = "regexp_extract(event_id, " + pattern + ", 1)";
        var objects = new List<string>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"""
                CREATE OR REPLACE TEMP TABLE serving_objects AS
                    SELECT object, (row_number() OVER (ORDER BY object) - 1)::INTEGER AS id
                    FROM (SELECT DISTINCT {objectOf} AS object FROM {table} WHERE read_percent > $finished_above AND {backfilled});
                SELECT object FROM serving_objects ORDER BY id;
                """;
            command.Parameters.Add(new DuckDBParameter("finished_above", ReadingWindow.FinishedAbovePercent));
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                objects.Add(reader.GetString(0));
            }
        }
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"""
                SELECT i.user_id, datediff('day', DATE '0001-01-01', CAST(i.updated_at AS DATE))::INTEGER, i.content_id, o.id
                FROM {table} AS i LEFT JOIN serving_objects AS o ON {backfilled.Replace("event_id", "i.event_id")} AND o.object = {objectOf.Replace("event_id", "i.event_id")}
                WHERE i.read_percent > $finished_above
                ORDER BY i.user_id, 2
                """;
            command.Parameters.Add(new DuckDBParameter("finished_above", ReadingWindow.FinishedAbovePercent));
            using var reader = command.ExecuteReader();
            var (days, contents, origins) = (new List<int>(), new List<long>(), new List<string?>());
            long? user = null;
            while (reader.Read())
            {
                var next = reader.GetInt64(0);
                if (user != next && user is { } done)
                {
                    reads.LoadUser(done, CollectionsMarshal.AsSpan(days), CollectionsMarshal.AsSpan(contents), CollectionsMarshal.AsSpan(origins));
                    days.Clear();
                    contents.Clear();
                    origins.Clear();
                }
                user = next;
                days.Add(reader.GetInt32(1));
                contents.Add(reader.GetInt64(2));
                origins.Add(reader.IsDBNull(3) ? null : objects[reader.GetInt32(3)]);
            }
            if (user is { } last)
            {
                reads.LoadUser(last, CollectionsMarshal.AsSpan(days), CollectionsMarshal.AsSpan(contents), CollectionsMarshal.AsSpan(origins));
            }
        }
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "DROP TABLE IF EXISTS serving_objects";
            command.ExecuteNonQuery();
        }
    }

    /// <summary>The distinct (content_id, category_name) pairs now stored, on the caller's connection.</summary>
    internal List<(long, string)> ReadPairs(DuckDBConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT DISTINCT content_id, category_name FROM {DuckDbSchema.Quote(database.Tables.ContentMeta)}";
        using var reader = command.ExecuteReader();
        var pairs = new List<(long, string)>();
        while (reader.Read())
        {
            pairs.Add((reader.GetInt64(0), reader.GetString(1)));
        }
        return pairs;
    }
}
