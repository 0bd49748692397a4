namespace Pipeline.Local.PubSub;

/// <summary>How the local Pub/Sub retries a function that does not acknowledge (any non-2xx), like a push subscription.</summary>
public sealed record DeliveryOptions
{
    /// <summary>Deliveries of one message, the first included, before it is dead-lettered.</summary>
    public int MaxAttempts { get; init; } = 6;

    /// <summary>The wait after the first failed attempt, before jitter; it doubles with each further failure.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between attempts, before jitter.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The wait after failed attempt number <paramref name="attempt"/> (from 1): exponential, capped at
    /// <see cref="MaxBackoff"/>, then a random 50–100% of that.
    /// </summary>
    public TimeSpan Backoff(int attempt)
    {
        var exponential = InitialBackoff.TotalMilliseconds * Math.Pow(2, attempt - 1);
        var capped = Math.Min(exponential, MaxBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.5 + Random.Shared.NextDouble() / 2));
    }
}
