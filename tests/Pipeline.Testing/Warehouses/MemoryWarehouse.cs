using System.Collections.Concurrent;
using Pipeline.Warehouse;
using Pipeline.Warehouse.Query;
using Pipeline.Warehouse.Rows;

namespace Pipeline.Tests.Fixtures;

/// <summary>A warehouse that keeps every batch in memory: for tests of the functions' answers, not of storage.</summary>
public sealed class MemoryWarehouse : IWarehouse
{
    public ConcurrentQueue<IngestBatch> Batches { get; } = new();

    public Task<WriteOutcome> WriteAsync(IngestBatch batch, CancellationToken cancellationToken)
    {
        Batches.Enqueue(batch);
        return Task.FromResult(WriteOutcome.Unknown);
    }

    public Task<IReadOnlyList<CategoryCount>> CountCategoriesAsync(ReadingWindow window, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<CategoryCount>>([]);
}
