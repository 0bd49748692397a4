using Pipeline.Domain;
using Pipeline.Domain.Query;
using Pipeline.Domain.Rows;

namespace Pipeline.Tests.Fixtures;

/// <summary>
/// A warehouse that misbehaves on purpose, around a real one: it fails before writing (down), fails after writing
/// (the acknowledgement is lost, so the platform redelivers what is already stored), throttles, or is slow.
/// Faults are drawn from a seeded random source, so a failing run can be replayed.
/// </summary>
public sealed class FaultyWarehouse(IWarehouse inner, int seed, double failBefore, double failAfter, double slow) : IWarehouse
{
    private readonly Random _random = new(seed);

    public int FaultsInjected;
    public int Writes;

    public async Task<WriteOutcome> WriteAsync(IngestBatch batch, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Writes);
        var draw = Draw();
        if (draw < failBefore)
        {
            Interlocked.Increment(ref FaultsInjected);
            throw new IOException(draw < failBefore / 2 ? "injected: warehouse unavailable" : "injected: rateLimitExceeded");
        }
        if (draw < failBefore + slow)
        {
            Interlocked.Increment(ref FaultsInjected);
            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }
        var outcome = await inner.WriteAsync(batch, cancellationToken);
        if (draw >= 1 - failAfter)
        {
            Interlocked.Increment(ref FaultsInjected);
            throw new TimeoutException("injected: committed, but the answer was lost");
        }
        return outcome;
    }

    public Task<IReadOnlyList<CategoryCount>> CountCategoriesAsync(ReadingWindow window, CancellationToken cancellationToken) =>
        inner.CountCategoriesAsync(window, cancellationToken);

    private double Draw()
    {
        lock (_random)
        {
            return _random.NextDouble();
        }
    }
}
