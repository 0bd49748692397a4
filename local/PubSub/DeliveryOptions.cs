using Pipeline.Domain.Retries;

namespace Pipeline.Local.PubSub;

/// <summary>How the local Pub/Sub retries a function that does not acknowledge (any non-2xx), like a push subscription.</summary>
public sealed record DeliveryOptions
{
    /// <summary>Deliveries of one message, the first included, before it is dead-lettered.</summary>
    public int MaxAttempts { get; init; } = 6;

    /// <summary>The wait between deliveries: 100 ms after the first failure, doubling, at most 2 s, less up to half at random.</summary>
    public Backoff Backoff { get; init; } = new(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2));
}
