namespace Pipeline.Domain.Rows;

/// <summary>A dead-lettered record: its raw payload and why it was refused. Nothing is dropped silently.</summary>
/// <param name="Source">Which input produced it (a function or a backfill object).</param>
/// <param name="EventId">The record's event id (unique with <paramref name="Source"/>).</param>
/// <param name="Payload">What was refused, as received: the record's raw text (a CSV row's, cut when over-long), or a
/// whole unreadable message (<c>base64:</c> and its bytes when it is not UTF-8).</param>
/// <param name="Error">Why it was refused, naming the field when one is at fault.</param>
public sealed record DeadLetter(string Source, string EventId, string Payload, string Error);
