using Pipeline.Domain.Retries;

namespace Pipeline.Tests.Reliability;

/// <summary>The one back-off every retrying layer waits with.</summary>
public sealed class BackoffTest
{
    private static readonly Backoff s_backoff = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(4));

    [Fact]
    public void Waits_StartAtInitialAndMultiplyUpToMax()
    {
        var waits = Enumerable.Range(1, 7).Select(n => s_backoff.Delay(n, sample: 0).TotalMilliseconds);

        Assert.Equal([200, 400, 800, 1600, 3200, 4000, 4000], waits);
    }

    [Fact]
    public void Jitter_TakesAtMostItsShareOff()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(100), s_backoff.Delay(1, sample: 1));
        Assert.Equal(TimeSpan.FromSeconds(2), s_backoff.Delay(30, sample: 1));
        Assert.All(Enumerable.Range(0, 200), _ => Assert.InRange(s_backoff.Delay(3), TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(800)));
        Assert.Equal(TimeSpan.FromSeconds(8), new Backoff(TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(1), Jitter: 0).Delay(3, sample: 1));
    }
}
