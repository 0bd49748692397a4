using System.Collections.Concurrent;
using Pipeline.Domain;
using Pipeline.Domain.Query;
using Pipeline.Domain.Rows;

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
