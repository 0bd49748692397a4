namespace Pipeline.Domain.Backfill;

/// <summary>
/// This object generation cannot be loaded, and never will be: the backfill records it as <c>failed</c>, which is
/// final (<see cref="GenerationRule"/>). Only the file's own problems are this exception — no header, a required
/// column missing, too many bad rows, not UTF-8, not gzip, no such object — or an engine that has given up on the
/// generation for good. Anything else that goes wrong is the warehouse's or the store's failure and is thrown on, so
/// the event is delivered again.
/// </summary>
public sealed class CsvFileException(string message, Exception? inner = null) : Exception(message, inner);
