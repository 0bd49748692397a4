namespace Pipeline.Domain.Retries;

/// <summary>
/// The wait between two attempts, the one shape every layer that retries uses (the BigQuery adapter's calls, resends
/// and upload resumes; the local stack's Pub/Sub delivery and bucket watcher): <see cref="Initial"/> after the first
/// failure, multiplied by <see cref="Factor"/> after each further one, at most <see cref="Max"/>, then a random share
/// of up to <see cref="Jitter"/> taken off so that clients failing together do not retry together. How many attempts
/// a layer makes, and the deadline that bounds them, are the layer's own (docs/architecture.md, Retries).
/// </summary>
/// <param name="Initial">The wait after the first failed attempt, before jitter.</param>
/// <param name="Max">The longest wait, before jitter.</param>
/// <param name="Factor">How much longer each further wait is; 2 doubles it.</param>
/// <param name="Jitter">The largest share of a wait taken off at random, from 0 (none: the waits are exact) to 1.</param>
public sealed record Backoff(TimeSpan Initial, TimeSpan Max, double Factor = 2, double Jitter = 0.5)
{
    /// <summary>The wait after failed attempt number <paramref name="failures"/> (from 1), with a random jitter.</summary>
    public TimeSpan Delay(int failures) => Delay(failures, Random.Shared.NextDouble());

    /// <summary>
    /// The wait after failed attempt number <paramref name="failures"/> (from 1): <see cref="Initial"/> ×
    /// <see cref="Factor"/>^(failures − 1), at most <see cref="Max"/>, less <see cref="Jitter"/> × <paramref name="sample"/>
    /// of it.
    /// </summary>
    /// <param name="failures">Failed attempts so far, at least 1.</param>
    /// <param name="sample">Where in the jitter range this wait falls, from 0 (the full wait) to 1 (the shortest).</param>
    public TimeSpan Delay(int failures, double sample)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failures, 1);
        var exponential = Initial.TotalMilliseconds * Math.Pow(Factor, Math.Min(failures - 1, 64));
        var capped = Math.Min(exponential, Max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (1 - Jitter * Math.Clamp(sample, 0, 1)));
    }
}
