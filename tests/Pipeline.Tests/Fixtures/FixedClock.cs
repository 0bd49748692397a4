namespace Pipeline.Tests.Fixtures;

/// <summary>A clock that always reads the same instant, for byte-exact request bodies.</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
