using Pipeline.Domain.Query;
using Pipeline.Domain.Rows;

namespace Pipeline.Domain;

/// <summary>
/// The warehouse port: the ingest functions' writes and UserContent's read. Functions talk to this and never know the
/// engine; adapters (DuckDB, BigQuery) implement it. Backfill is its own use case (<see cref="Backfill.CsvBackfill"/>,
/// over the engine's load-log store, row sink and object source), and the operator's reads are
/// <see cref="IWarehouseInspection"/>.
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

}
