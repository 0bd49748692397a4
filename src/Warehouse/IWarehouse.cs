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
    /// Returns only once the rows are durable; throws when they may not be (the caller answers 5xx).
    /// </summary>
    Task WriteAsync(IngestBatch batch, CancellationToken cancellationToken);

    /// <summary>Counts the window's distinct finished reads per category (DESIGN §5); empty when nothing matches.</summary>
    Task<IReadOnlyList<CategoryCount>> CountCategoriesAsync(ReadingWindow window, CancellationToken cancellationToken);
}
