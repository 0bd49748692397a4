using Microsoft.Extensions.Time.Testing;

namespace Pipeline.Tests.Fixtures;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that reads one instant (for byte-exact request bodies) while its timers run in
/// real time. It is for hosts where the product's clock is also the HTTP pipeline's: the BigQuery adapter's retries,
/// time budget and upload back-off wait on the same <see cref="TimeProvider"/>, and a fake timer that no test moves
/// would hang the first retry, while moving it under a request in flight would time the request out. Where a test
/// drives the waits itself, it uses a plain <see cref="FakeTimeProvider"/> and <see cref="FakeTimeProvider.Advance"/>.
/// </summary>
public sealed class FixedClock(DateTimeOffset now) : FakeTimeProvider(now)
{
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        TimeProvider.System.CreateTimer(callback, state, dueTime, period);
}
