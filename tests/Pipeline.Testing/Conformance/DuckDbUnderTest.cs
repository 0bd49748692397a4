using Pipeline.Domain;
using Pipeline.Tests.Fixtures;
using Pipeline.Warehouse.DuckDb;

namespace Pipeline.Tests.Conformance;

/// <summary>The embedded engine in a temporary directory; its bucket is a directory, whose files have one generation.</summary>
public sealed class DuckDbUnderTest : IWarehouseUnderTest
{
    private readonly TempWarehouse _store;

    public DuckDbUnderTest(TimeProvider clock)
    {
        var directory = Path.Combine(Path.GetTempPath(), "pipeline-tests", Guid.NewGuid().ToString("N"));
        _store = new TempWarehouse(directory, clock);
    }

    public IWarehouse Warehouse => _store.Warehouse;

    public Pipeline.Domain.Backfill.CsvBackfill Backfill => _store.Backfill;

    public string Bucket => "local-bucket";

    public Task PutObjectAsync(string objectName, long generation, byte[] content)
    {
        // The directory keeps one generation of each name: the current bytes stand for whichever the event names.
        _store.PutObject(objectName, content);
        return Task.CompletedTask;
    }

    public async Task<IReadOnlyList<object?[]>> RowsAsync(string table) =>
        (await _store.QueryAsync($"SELECT * FROM {table}")).Select(r => r.Select(v => v is DateTime t ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : v).ToArray()).ToList();

    public ValueTask DisposeAsync() => _store.DisposeAsync();
}
