using Pipeline.Domain;

namespace Pipeline.Tests.Conformance;

/// <summary>
/// One engine behind the warehouse port, for <see cref="WarehouseConformance"/>: the port itself, a bucket to put
/// dumps in, and a way to read a table back whole (columns in the order of <c>deploy/bigquery.sql</c>).
/// </summary>
public interface IWarehouseUnderTest : IAsyncDisposable
{
    IWarehouse Warehouse { get; }

    /// <summary>The engine's backfill use case.</summary>
    Pipeline.Domain.Backfill.CsvBackfill Backfill { get; }

    /// <summary>The bucket the engine's backfill reads.</summary>
    string Bucket { get; }

    /// <summary>Puts an object in the bucket; the generation the backfill will be told.</summary>
    Task PutObjectAsync(string objectName, long generation, byte[] content);

    /// <summary>Every row of a table as C# values (long, double, string, UTC DateTime, null).</summary>
    Task<IReadOnlyList<object?[]>> RowsAsync(string table);
}
