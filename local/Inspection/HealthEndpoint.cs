using Pipeline.Domain;
using Pipeline.Local.PubSub;
using Pipeline.Warehouse.BigQuery;

namespace Pipeline.Local.Inspection;

/// <summary>
/// <c>GET /healthz</c>: 200 when the warehouse answers, 503 with its own error when it does not (DuckDB: a query;
/// BigQuery: <see cref="BigQueryHealthProbe"/>, <c>datasets.get</c> of the configured dataset); and what was kept
/// aside — the messages never acknowledged (the dead-letter files) and, on DuckDB, the records refused (the
/// <c>ingest_errors</c> table).
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
        if (services.GetService<BigQueryHealthProbe>() is { } bigQuery)
        {
            return await bigQuery.ProblemAsync(cancellationToken) is { } problem
                ? Results.Json(new { status = "unavailable", warehouse = $"bigquery: {problem}", deadLetteredMessages = kept }, statusCode: 503)
                : Results.Ok(new { status = "ok", warehouse = $"bigquery: dataset {bigQuery.Dataset} answered", deadLetteredMessages = kept });
        }
        var warehouse = services.GetRequiredService<IWarehouseInspection>();
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
