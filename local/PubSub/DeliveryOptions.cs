namespace Pipeline.Local.PubSub;

/// <summary>How the local Pub/Sub retries a function that does not acknowledge (any non-2xx), like a push subscription.</summary>
public sealed record DeliveryOptions
{
    public int MaxAttempts { get; init; } = 6;

    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan Backoff(int attempt)
    {
        var exponential = InitialBackoff.TotalMilliseconds * Math.Pow(2, attempt - 1);
        var capped = Math.Min(exponential, MaxBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.5 + Random.Shared.NextDouble() / 2));
    }
}
