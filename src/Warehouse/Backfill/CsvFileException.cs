namespace Pipeline.Warehouse.Backfill;

/// <summary>The file as a whole cannot be loaded (no header, a required column missing, not CSV, not gzip).</summary>
public sealed class CsvFileException(string message, Exception? inner = null) : Exception(message, inner);
