using Pipeline.Domain.Rows;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Warehouse;

public sealed class DuckDbWarehouseTest : IAsyncLifetime
{
    private readonly TempWarehouse _store = new();
    private static readonly DateTime s_at = new(2022, 3, 27, 0, 0, 0, DateTimeKind.Utc);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _store.DisposeAsync();

    [Fact]
    public async Task FirstUse_CreatesTheFourTablesAndTheEventLedger()
    {
        var tables = await _store.QueryAsync("SELECT table_name FROM information_schema.tables ORDER BY table_name");

        Assert.Equal(["content_meta", "ingest_errors", "ingested_events", "load_log", "user_interaction"], tables.Select(r => (string)r[0]!));
    }

    [Fact]
    public async Task SameEventIdWrittenAgain_IsStoredOnce()
    {
        var batch = new IngestBatch([new Interaction("m1", 1, 2, 95, s_at)], [new ContentMeta("c1", 2, "x", null)],
            [new DeadLetter("IngestInteraction", "m2", "{}", "user_id: missing")], s_at);

        await _store.Warehouse.WriteAsync(batch, default);
        await _store.Warehouse.WriteAsync(batch, default);
        await _store.Warehouse.WriteAsync(batch with { Interactions = [.. batch.Interactions, .. batch.Interactions] }, default);

        Assert.Equal(1, await _store.CountAsync("user_interaction"));
        Assert.Equal(1, await _store.CountAsync("content_meta"));
        Assert.Equal(1, await _store.CountAsync("ingest_errors"));
    }

    [Fact]
    public async Task LargeBatch_IsStoredWhole()
    {
        var rows = Enumerable.Range(0, 1000).Select(i => new Interaction($"m{i}", i, i * 2, i % 101, s_at.AddMinutes(i))).ToList();

        await _store.Warehouse.WriteAsync(new IngestBatch(rows, [], [], s_at), default);

        Assert.Equal(1000, await _store.CountAsync("user_interaction"));
        var last = await _store.QueryAsync("SELECT user_id, content_id, read_percent, updated_at FROM user_interaction WHERE event_id = 'm999'");
        Assert.Equal([999L, 1998L, 90.0, s_at.AddMinutes(999)], last[0]);
    }

    [Fact]
    public async Task BatchFailingPartWay_LeavesNothingWritten()
    {
        // The error row breaks a NOT NULL constraint after the interaction rows were inserted in the same transaction.
        var batch = new IngestBatch([new Interaction("m1", 1, 2, 95, s_at)], [], [new DeadLetter("s", "e", "{}", null!)], s_at);

        await Assert.ThrowsAnyAsync<Exception>(() => _store.Warehouse.WriteAsync(batch, default));

        Assert.Equal(0, await _store.CountAsync("user_interaction"));
        Assert.Equal(0, await _store.CountAsync("ingest_errors"));
    }

    [Fact]
    public async Task ConcurrentWrites_AllLandAndABadOneFailsAlone()
    {
        var good = Enumerable.Range(0, 200).Select(i =>
            _store.Warehouse.WriteAsync(new IngestBatch([new Interaction($"m{i}", i, 2, 95, s_at)], [], [], s_at), default)).ToList();
        var bad = _store.Warehouse.WriteAsync(new IngestBatch([new Interaction("bad", 1, 2, 95, s_at)], [], [new DeadLetter("s", "e", "{}", null!)], s_at), default);

        await Task.WhenAll(good);
        await Assert.ThrowsAnyAsync<Exception>(() => bad);

        Assert.Equal(200, await _store.CountAsync("user_interaction"));
        Assert.Empty(await _store.QueryAsync("SELECT * FROM user_interaction WHERE event_id = 'bad'"));
    }

    [Fact]
    public async Task TableWithAPrimaryKeyFromAnEarlierVersion_StillTakesRedeliveriesQuietly()
    {
        await using (var connection = new DuckDB.NET.Data.DuckDBConnection(_store.Options.ConnectionString))
        {
            Directory.CreateDirectory(_store.Directory);
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE user_interaction (event_id VARCHAR PRIMARY KEY, user_id BIGINT, content_id BIGINT, read_percent DOUBLE, updated_at TIMESTAMP, ingested_at TIMESTAMP); INSERT INTO user_interaction VALUES ('old', 1, 2, 95, '2022-03-27', now())";
            await command.ExecuteNonQueryAsync();
        }
        var batch = new IngestBatch([new Interaction("old", 1, 2, 95, s_at), new Interaction("new", 1, 3, 95, s_at)], [], [], s_at);

        await _store.Warehouse.WriteAsync(batch, default);
        await _store.Warehouse.WriteAsync(batch, default);

        Assert.Equal(2, await _store.CountAsync("user_interaction"));
    }
}
