namespace Pipeline.Domain.Rows;

/// <summary>A dead letter as stored: the refused record, why, and when it arrived.</summary>
/// <param name="Source">Which input produced it (<see cref="DeadLetterSources"/>).</param>
/// <param name="EventId">Its event id.</param>
/// <param name="Payload">The raw payload, as text (or <c>base64:…</c>).</param>
/// <param name="Error">The reason, naming the field.</param>
/// <param name="ReceivedAt">When it was written (UTC).</param>
public sealed record StoredDeadLetter(string Source, string EventId, string? Payload, string Error, DateTime ReceivedAt);
