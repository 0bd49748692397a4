namespace Pipeline.Bench;

/// <summary>How big each scenario is: the sizes, or small ones for a smoke run (<c>--quick</c>).</summary>
public sealed record Sizes(int IngestEvents, int FreshnessMessages, int BackfillRows, int QueryRows, int QueryUsers, int QueryContents, int QueryRequests)
{
    public static readonly Sizes Full = new(100_000, 1000, 10_000_000, 10_000_000, 200_000, 100_000, 2000);

    public static readonly Sizes Quick = new(2_000, 200, 100_000, 100_000, 2_000, 1_000, 100);
}
