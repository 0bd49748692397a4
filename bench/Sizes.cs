namespace Pipeline.Bench;

/// <summary>How big each scenario is: the sizes, or small ones for a smoke run (<c>--quick</c>).</summary>
/// <param name="QueryRows">Interactions of the query scenario (both layouts), and the smaller size of query-50m.</param>
/// <param name="QueryLargeRows">The larger size of query-50m.</param>
/// <param name="QueryContents">Contents in the catalogue, whatever the number of interactions.</param>
/// <param name="QueryRequests">UserContent requests at concurrency 1 (the in-process sample is the first 200 of them).</param>
/// <param name="QueryLoadRequests">UserContent requests, and as many bare ones, at concurrency 32.</param>
public sealed record Sizes(int IngestEvents, int FreshnessMessages, int BackfillRows,
    long QueryRows, long QueryLargeRows, int QueryContents, int QueryRequests, int QueryLoadRequests)
{
    public static readonly Sizes Full = new(100_000, 1000, 10_000_000, 10_000_000, 50_000_000, 100_000, 2000, 10_000);

    public static readonly Sizes Quick = new(2_000, 200, 100_000, 100_000, 500_000, 1_000, 200, 1_000) { BurstParts = 4, BurstPartRows = 50_000 };

    /// <summary>Parts dropped at once into the local bucket (backfill-burst).</summary>
    public int BurstParts { get; init; } = 20;

    /// <summary>Rows of each part (backfill-burst).</summary>
    public int BurstPartRows { get; init; } = 500_000;
}
