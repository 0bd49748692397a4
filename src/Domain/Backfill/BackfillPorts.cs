using Pipeline.Domain.Rows;

namespace Pipeline.Domain.Backfill;

/// <summary>
/// An engine's <c>load_log</c>: what <see cref="CsvBackfill"/> reads to decide, and where it records the attempts
/// that load nothing (skipped, failed). A loaded attempt is recorded by <see cref="IBackfillWrite.CommitAsync"/>, in
/// the same transaction as its rows.
/// </summary>
public interface ILoadLog
{
    /// <summary>Every recorded outcome of this object into this load's target table, any generation.</summary>
    Task<IReadOnlyList<LoadLogEntry>> ReadAsync(CsvLoad load, CancellationToken cancellationToken);

    /// <summary>Records one attempt that loaded nothing.</summary>
    Task AppendAsync(CsvLoad load, LoadOutcome outcome, DateTime startedAt, CancellationToken cancellationToken);
}

/// <summary>An engine's way in for validated backfill rows: one <see cref="IBackfillWrite"/> per attempt.</summary>
public interface IBackfillSink
{
    /// <summary>
    /// Starts writing one object generation. What the commit replaces is decided at the commit
    /// (<see cref="IBackfillWrite.CommitAsync"/>), the one place a decision reaches the engine.
    /// </summary>
    Task<IBackfillWrite> BeginAsync(CsvLoad load, DateTime startedAt, CancellationToken cancellationToken);
}

/// <summary>
/// One attempt's rows on their way in. Nothing is visible until <see cref="CommitAsync"/>; disposing without
/// committing abandons everything written.
/// </summary>
public interface IBackfillWrite : IAsyncDisposable
{
    /// <summary>Adds validated interaction rows (an attempt whose target is <c>user_interaction</c>).</summary>
    ValueTask AddAsync(IReadOnlyList<Interaction> rows, CancellationToken cancellationToken);

    /// <summary>Adds validated content-meta rows (an attempt whose target is <c>content_meta</c>).</summary>
    ValueTask AddAsync(IReadOnlyList<ContentMeta> rows, CancellationToken cancellationToken);

    /// <summary>
    /// In one transaction: replaces the older generation's rows (if <paramref name="decision"/> says so), keeps the
    /// added rows, dead-letters <paramref name="deadLetters"/> and records <paramref name="outcome"/> in load_log.
    /// Throws <see cref="BackfillConflictException"/> when it lost a race and wrote nothing; the caller may then
    /// decide again and call it once more with the new decision (the added rows are kept for that).
    /// </summary>
    Task CommitAsync(IReadOnlyList<DeadLetter> deadLetters, LoadOutcome outcome, LoadDecision decision, CancellationToken cancellationToken);
}

/// <summary>Where the objects are: a bucket, or a local directory standing for one.</summary>
public interface IObjectSource
{
    /// <summary>
    /// The bytes of the object generation <paramref name="load"/> names, as stored (gzip stays gzip).
    /// Throws <see cref="FileNotFoundException"/> when it does not exist (any more).
    /// </summary>
    Task<Stream> OpenReadAsync(CsvLoad load, CancellationToken cancellationToken);
}
