namespace Pipeline.Domain.Backfill;

/// <summary>A <c>load_log</c> row: one backfill attempt's outcome.</summary>
public sealed record LoadLogEntry(
    string Object, string Generation, string Target, string Status, long RowsLoaded, long RowsRejected, string? Error,
    DateTime StartedAt, DateTime FinishedAt);
