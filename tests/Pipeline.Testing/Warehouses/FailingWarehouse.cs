using Pipeline.Domain;
using Pipeline.Domain.Backfill;
using Pipeline.Domain.Query;
using Pipeline.Domain.Rows;

namespace Pipeline.Tests.Fixtures;

/// <summary>A warehouse that is down: every write, read and load-log access throws, as an unreachable engine would.</summary>
public sealed class FailingWarehouse : IWarehouse, ILoadLog, IBackfillSink
{
    public int Attempts;

    /// <summary>The backfill use case over this engine (its object source is never reached).</summary>
    public CsvBackfill Backfill() => new(this, this, new MemoryObjects(), TimeProvider.System);

    public Task<WriteOutcome> WriteAsync(IngestBatch batch, CancellationToken cancellationToken) => Fail<WriteOutcome>();

    public Task<IReadOnlyList<CategoryCount>> CountCategoriesAsync(ReadingWindow window, CancellationToken cancellationToken) =>
        Fail<IReadOnlyList<CategoryCount>>();

    public Task<IReadOnlyList<LoadLogEntry>> ReadAsync(CsvLoad load, CancellationToken cancellationToken) => Fail<IReadOnlyList<LoadLogEntry>>();

    public Task AppendAsync(CsvLoad load, LoadOutcome outcome, DateTime startedAt, CancellationToken cancellationToken) => Fail<bool>();

    public Task<IBackfillWrite> BeginAsync(CsvLoad load, DateTime startedAt, CancellationToken cancellationToken) =>
        Fail<IBackfillWrite>();

    private Task<T> Fail<T>()
    {
        Interlocked.Increment(ref Attempts);
        throw new IOException("warehouse unavailable");
    }
}
