namespace Pipeline.Domain.Backfill;

/// <summary>A CSV row that broke a rule: its line number (the header is line 1), its raw text and why.</summary>
public sealed record CsvRejection(int Line, string Raw, string Reason);
