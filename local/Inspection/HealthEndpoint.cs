using Pipeline.Domain;
using Pipeline.Local.PubSub;

namespace Pipeline.Local.Inspection;

/// <summary>
/// <c>GET /healthz</c>: 200 when the warehouse answers a query, 503 when it does not; and what was kept aside — the
/// messages never acknowledged (the dead-letter files) and the records refused (the <c>ingest_errors</c> table).
/// </summary>
public static class HealthEndpoint
{
    /// <summary>Probes the warehouse and counts both kinds of dead letters.</summary>
    /// <param name="services">The stack's services (the DuckDB warehouse, when the stack runs on it).</param>
    /// <param name="deadLetters">The undeliverable messages.</param>
    /// <param name="cancellationToken">Cancels the probe.</param>
    public static async Task<IResult> HandleAsync(IServiceProvider services, UndeliveredMessageStore deadLetters, CancellationToken cancellationToken)
    {
        var kept = (await deadLetters.ListAsync(cancellationToken)).Count;
        if (services.GetService<IWarehouseInspection>() is not { } warehouse)
        {
            return Results.Ok(new { status = "ok", warehouse = "bigquery (not probed)", deadLetteredMessages = kept });
        }
        try
        {
            var refused = await warehouse.CountDeadLettersAsync(cancellationToken);
            return Results.Ok(new { status = "ok", warehouse = "ok", deadLetteredMessages = kept, deadLetteredRecords = refused });
        }
        catch (Exception e) when (e is DuckDB.NET.Data.DuckDBException or IOException)
        {
            return Results.Json(new { status = "unavailable", warehouse = e.Message, deadLetteredMessages = kept }, statusCode: 503);
        }
    }
}
