using System.Globalization;
using Pipeline.Domain;
using Pipeline.Domain.Rows;

namespace Pipeline.Local.Inspection;

/// <summary>
/// <c>GET /local/errors?source=&amp;since=&amp;until=&amp;limit=</c>: the records the functions refused, newest first,
/// with their payload and reason — what a user would query <c>ingest_errors</c> for on BigQuery. <c>source</c> is a
/// function (IngestInteraction, IngestContent, BackfillCsv; any other is 400 naming these); <c>since</c> and <c>until</c> are ISO-8601 UTC times or
/// dates; <c>limit</c> defaults to 100, at most 10 000. A bad parameter gets 400 naming it.
/// </summary>
public static class DeadLettersEndpoint
{
    /// <summary>The rows returned when no limit is given.</summary>
    public const int DefaultLimit = 100;

    /// <summary>The most rows one request returns.</summary>
    public const int MaxLimit = 10_000;

    /// <summary>Reads the filtered dead letters.</summary>
    /// <param name="request">The query string.</param>
    /// <param name="services">The stack's services (the DuckDB warehouse, when the stack runs on it).</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    public static async Task<IResult> HandleAsync(HttpRequest request, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (services.GetService<IWarehouseInspection>() is not { } warehouse)
        {
            return Results.Json(new { error = "the dead letters are in BigQuery: query the ingest_errors table" }, statusCode: 404);
        }
        var query = request.Query;
        if (!TryTime(query["since"], "since", out var since, out var error) || !TryTime(query["until"], "until", out var until, out error))
        {
            return Results.Json(new { error }, statusCode: 400);
        }
        var limit = DefaultLimit;
        if (query["limit"].ToString() is { Length: > 0 } text
            && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            return Results.Json(new { error = $"limit: must be a whole number from 1 to {MaxLimit}, got '{text}'" }, statusCode: 400);
        }
        string? source = null;
        if (query["source"].ToString() is { Length: > 0 } name)
        {
            // An unknown source would match nothing and read as "no errors": refused, naming the ones there are.
            source = DeadLetterSources.All.FirstOrDefault(s => string.Equals(s, name, StringComparison.OrdinalIgnoreCase));
            if (source is null)
            {
                return Results.Json(new { error = $"source: must be one of {string.Join(", ", DeadLetterSources.All)}, got '{name}'" },
                    InspectionJson.SnakeCase, statusCode: 400);
            }
        }
        var rows = await warehouse.ReadDeadLettersAsync(source, since, until, limit, cancellationToken);
        return Results.Json(rows.Select(DeadLetterView.Of), InspectionJson.SnakeCase);
    }

    private static bool TryTime(string? text, string name, out DateTime? value, out string error)
    {
        value = null;
        error = "";
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }
        if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time))
        {
            value = time;
            return true;
        }
        error = $"{name}: not an ISO-8601 time or date, got '{text}'";
        return false;
    }
}
