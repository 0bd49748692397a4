using Pipeline.Warehouse;
using Pipeline.Warehouse.Backfill;
using Pipeline.Warehouse.Query;
using Pipeline.Warehouse.Rows;

namespace Pipeline.Tests.Fixtures;

/// <summary>A warehouse that is down: every write throws, as an unreachable engine would.</summary>
public sealed class FailingWarehouse : IWarehouse
{
    public int Attempts;

    public Task<WriteOutcome> WriteAsync(IngestBatch batch, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Attempts);
        throw new IOException("warehouse unavailable");
    }

    public Task<LoadOutcome> LoadCsvAsync(CsvLoad load, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Attempts);
        throw new IOException("warehouse unavailable");
    }

    public Task<IReadOnlyList<CategoryCount>> CountCategoriesAsync(ReadingWindow window, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Attempts);
        throw new IOException("warehouse unavailable");
    }
}
