namespace Pipeline.Domain.Backfill;

/// <summary>What happened to one backfill attempt; each outcome is also a <c>load_log</c> row.</summary>
/// <param name="Status">Whether the generation loaded, failed for good or was skipped.</param>
/// <param name="RowsLoaded">Valid rows committed to the target table (0 unless loaded).</param>
/// <param name="RowsRejected">Rows refused by the field rules: dead-lettered when loaded, counted only when failed.</param>
/// <param name="Error">Why it failed or was skipped, or how many rows a load dead-lettered; null for a clean load.</param>
public sealed record LoadOutcome(LoadStatus Status, long RowsLoaded, long RowsRejected, string? Error)
{
    /// <summary>An attempt that loads nothing because <see cref="GenerationRule"/> says so.</summary>
    public static LoadOutcome Skipped(string why) => new(LoadStatus.Skipped, 0, 0, why);

    /// <summary>A file that cannot be loaded (missing, not gzip or UTF-8, too many bad rows): final for this generation.</summary>
    public static LoadOutcome Failed(string why, long rowsRejected = 0) => new(LoadStatus.Failed, 0, rowsRejected, why);
}

/// <summary>The outcome of a backfill attempt, as <c>load_log.status</c> records it (<see cref="GenerationRule.Status"/>).</summary>
public enum LoadStatus
{
    /// <summary>The generation's valid rows are committed, with its dead letters.</summary>
    Loaded,

    /// <summary>The file cannot be loaded; nothing was written and the generation is not tried again.</summary>
    Failed,

    /// <summary>Nothing to do: the generation is already loaded, superseded or already failed.</summary>
    Skipped,
}
