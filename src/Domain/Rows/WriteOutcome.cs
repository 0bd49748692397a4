namespace Pipeline.Domain.Rows;

/// <summary>What a write stored.</summary>
/// <param name="NewlyStored">
/// How many of the batch's rows (interactions and content_meta) were not stored before: 0 for a redelivery. Null when
/// the engine cannot tell (BigQuery's insertAll drops duplicates by insertId without saying which).
/// </param>
/// <param name="ReusedEventIds">
/// How many of the batch's event ids were already stored with other content: those records were dead-lettered, not
/// stored (an engine that cannot tell says 0).
/// </param>
public sealed record WriteOutcome(int? NewlyStored, int ReusedEventIds = 0)
{
    /// <summary>An engine that cannot tell what was new.</summary>
    public static WriteOutcome Unknown { get; } = new((int?)null);
}
