using Pipeline.Domain;
using Pipeline.Domain.Backfill;
using Pipeline.Tests.Fixtures;
using Pipeline.Tests.GoogleSql;
using Pipeline.Warehouse.BigQuery;

namespace Pipeline.Tests.Conformance;

/// <summary>
/// The production adapter, over HTTP, against the fake BigQuery in its stateful mode: the tables of
/// <c>deploy/bigquery.sql</c> in memory, and every query, DML statement and script statement executed by ZetaSQL's
/// reference evaluator. Dumps come from an in-memory bucket.
/// </summary>
public sealed class BigQueryUnderTest : IWarehouseUnderTest
{
    private readonly FakeBigQuery _bigQuery;
    private readonly ServiceProvider _services;
    private readonly MemoryObjects _objects = new();

    private BigQueryUnderTest(FakeBigQuery bigQuery, TimeProvider clock)
    {
        _bigQuery = bigQuery;
        _services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(clock)
            .AddSingleton<IObjectSource>(_objects)
            .AddBigQueryWarehouse(BigQueryFunctions.Options(bigQuery))
            .BuildServiceProvider();
        Warehouse = _services.GetRequiredService<IWarehouse>();
        Backfill = _services.GetRequiredService<CsvBackfill>();
    }

    public static async Task<IWarehouseUnderTest> StartAsync(ZetaSqlEngine engine, TimeProvider clock) =>
        new BigQueryUnderTest(await FakeBigQuery.StartAsync(engine, "proj", "ds"), clock);

    public IWarehouse Warehouse { get; }

    public CsvBackfill Backfill { get; }

    public string Bucket => "dumps";

    public Task PutObjectAsync(string objectName, long generation, byte[] content)
    {
        _objects.Put($"gs://{Bucket}/{objectName}", generation, content);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<object?[]>> RowsAsync(string table) => _bigQuery.RowsAsync(table);

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await _bigQuery.DisposeAsync();
    }
}
