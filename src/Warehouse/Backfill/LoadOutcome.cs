namespace Pipeline.Warehouse.Backfill;

/// <summary>What happened to one backfill attempt; each outcome is also a <c>load_log</c> row.</summary>
public sealed record LoadOutcome(LoadStatus Status, long RowsLoaded, long RowsRejected, string? Error)
{
    public static LoadOutcome Skipped(string why) => new(LoadStatus.Skipped, 0, 0, why);

    public static LoadOutcome Failed(string why, long rowsRejected = 0) => new(LoadStatus.Failed, 0, rowsRejected, why);
}

public enum LoadStatus
{
    Loaded,
    Failed,
    Skipped,
}
