namespace Pipeline.Domain.Backfill;

/// <summary>
/// A commit that lost a race with another delivery's commit and wrote nothing: either another commit of the same
/// target committed while this one ran (<see cref="BackfillConflict.ConcurrentCommit"/>), or the object's load_log
/// changed after this delivery decided (<see cref="BackfillConflict.BasisChanged"/>). <see cref="CsvBackfill"/> reads
/// the load_log again and decides again; it is not the file's failure and not the warehouse's.
/// </summary>
public sealed class BackfillConflictException(BackfillConflict kind, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Which race was lost.</summary>
    public BackfillConflict Kind { get; } = kind;
}

/// <summary>How a commit lost a race (<see cref="BackfillConflictException"/>).</summary>
public enum BackfillConflict
{
    /// <summary>The object's load_log no longer holds the rows the decision was taken on.</summary>
    BasisChanged,

    /// <summary>The engine cancelled the commit because another commit of the same target committed first.</summary>
    ConcurrentCommit,
}

/// <summary>
/// A row of <c>backfill_lock</c>: one per backfill target table. Every loading commit updates its target's row, so
/// two commits that overlap in time both mutate one row and the engine lets only the first commit
/// (docs/backfill-concurrency.md).
/// </summary>
/// <param name="Target">The target table's id, as load_log's <c>target</c>.</param>
/// <param name="Claims">How many loading commits have claimed the row (each adds one).</param>
public sealed record BackfillClaim(string Target, long Claims);
