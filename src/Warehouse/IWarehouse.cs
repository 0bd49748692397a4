using Pipeline.Warehouse.Backfill;
using Pipeline.Warehouse.Query;
using Pipeline.Warehouse.Rows;

namespace Pipeline.Warehouse;

/// <summary>
/// The warehouse port. Functions talk to this and never know the engine; adapters (DuckDB, BigQuery) implement it.
/// </summary>
public interface IWarehouse
{
    /// <summary>
    /// Makes the batch durable. Rows whose event id is already stored are not stored again.
    /// Returns only once the rows are durable, with how many were new; throws when they may not be (the caller
    /// answers 5xx).
    /// </summary>
    Task<WriteOutcome> WriteAsync(IngestBatch batch, CancellationToken cancellationToken);

    /// <summary>Counts the window's distinct finished reads per category (docs/semantics.md); empty when nothing matches.</summary>
    Task<IReadOnlyList<CategoryCount>> CountCategoriesAsync(ReadingWindow window, CancellationToken cancellationToken);

    /// <summary>
    /// Loads one CSV object (docs/semantics.md) exactly once per (object, generation): good rows into the target table,
    /// bad rows to the dead-letter table, a newer generation replacing an older one's rows, the outcome recorded in
    /// <c>load_log</c>. A file that cannot be loaded is a <see cref="LoadStatus.Failed"/> outcome, not an exception;
    /// exceptions mean the warehouse itself failed (the caller answers 5xx).
    /// </summary>
    Task<LoadOutcome> LoadCsvAsync(CsvLoad load, CancellationToken cancellationToken);
}
