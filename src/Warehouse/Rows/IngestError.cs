namespace Pipeline.Warehouse.Rows;

/// <summary>A dead-lettered record: its raw payload and why it was refused. Nothing is dropped silently.</summary>
/// <param name="Source">Which input produced it (a function or a backfill object).</param>
/// <param name="EventId">The record's event id (unique with <paramref name="Source"/>).</param>
public sealed record IngestError(string Source, string EventId, string Payload, string Error);
