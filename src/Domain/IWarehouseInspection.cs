using Pipeline.Domain.Backfill;
using Pipeline.Domain.Rows;

namespace Pipeline.Domain;

/// <summary>
/// What an operator reads back from the warehouse: the backfill's load_log and the dead letters. Kept apart from
/// <see cref="IWarehouse"/>, which the functions use; the local stack's <c>/local/loads</c>, <c>/local/errors</c> and
/// <c>/healthz</c> read through this.
/// </summary>
public interface IWarehouseInspection
{
    /// <summary>Every load_log row, of every object, oldest attempt first.</summary>
    Task<IReadOnlyList<LoadLogEntry>> ReadLoadLogAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The newest dead letters first, at most <paramref name="limit"/>, of one <paramref name="source"/> (any when
    /// null) received in [<paramref name="since"/>, <paramref name="until"/>) (unbounded when null).
    /// </summary>
    Task<IReadOnlyList<StoredDeadLetter>> ReadDeadLettersAsync(string? source, DateTime? since, DateTime? until, int limit, CancellationToken cancellationToken);

    /// <summary>How many dead letters the table holds.</summary>
    Task<long> CountDeadLettersAsync(CancellationToken cancellationToken);
}
