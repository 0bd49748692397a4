using Pipeline.Domain.Retries;

namespace Pipeline.Local.Bucket;

/// <summary>
/// How the bucket watcher retries an "object finalized" event BackfillCsv does not acknowledge (any non-2xx), like
/// production's trigger with its dead-letter policy (<c>_MAX_DELIVERY_ATTEMPTS</c>, 10).
/// </summary>
public sealed record AnnounceOptions
{
    /// <summary>Deliveries of one object version, the first included, before the watcher gives up on it and logs an error.</summary>
    public int MaxAttempts { get; init; } = 10;

    /// <summary>
    /// Deliveries under way at once (by default one per core): objects dropped together load in parallel, and the rest
    /// wait in the watcher for a free slot; none is refused for lack of room.
    /// </summary>
    public int MaxConcurrentDeliveries { get; init; } = Environment.ProcessorCount;

    /// <summary>The wait between deliveries: 2 s after the first failure, doubling, at most 60 s (about 5 minutes in all).</summary>
    public Backoff Backoff { get; init; } = new(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(60), Jitter: 0);
}
