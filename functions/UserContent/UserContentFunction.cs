using System.Text.Encodings.Web;
using System.Text.Json;
using Pipeline.Domain;
using Pipeline.Domain.Query;
using Pipeline.Functions.Framework;
using Pipeline.Functions.Hosting;

namespace Pipeline.Functions.UserContent;

/// <summary>
/// <c>GET /user_content/?user_id=…&amp;query_date=…</c>: the reader's category mix over the 15 dates ending at
/// query_date, as a flat JSON object <c>{category: share}</c> (docs/semantics.md). 400 for bad input, 405 for other methods,
/// 503 when the warehouse cannot answer.
/// </summary>
[FunctionsStartup(typeof(Startup))]
public sealed class UserContentFunction(IWarehouse warehouse, ILogger<UserContentFunction> logger) : IHttpFunction
{
    /// <summary>Category names and messages are written as they are (the body is JSON, never embedded in HTML).</summary>
    private static readonly JsonWriterOptions s_jsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <inheritdoc />
    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var cancellationToken = context.RequestAborted;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            context.Response.Headers.Allow = "GET, HEAD";
            await WriteErrorAsync(context, StatusCodes.Status405MethodNotAllowed, $"method {request.Method} is not allowed; use GET");
            return;
        }
        if (request.QueryString.Value?.Length > UserContentQuery.MaxQueryStringLength)
        {
            await WriteErrorAsync(context, StatusCodes.Status414UriTooLong,
                $"the query string is longer than {UserContentQuery.MaxQueryStringLength} characters");
            return;
        }
        if (!UserContentQuery.TryParse(request.Query, out var window, out var error))
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, error);
            return;
        }
        IReadOnlyList<CategoryCount> counts;
        try
        {
            counts = await warehouse.CountCategoriesAsync(window, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // One line (the engine's own message says what is wrong); the stack trace only at debug level.
            logger.LogError("UserContent query failed for query_date {QueryDate}: {Reason}",
                window.QueryDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), e.Message);
            logger.LogDebug(e, "UserContent query failure");
            await WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "the warehouse is unavailable; retry later");
            return;
        }
        await WriteJsonAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteStartObject();
            foreach (var (category, share) in CategoryShares.From(counts))
            {
                json.WriteNumber(category, share);
            }
            json.WriteEndObject();
        });
    }

    private static Task WriteErrorAsync(HttpContext context, int status, string message) =>
        WriteJsonAsync(context, status, json =>
        {
            json.WriteStartObject();
            json.WriteString("error", message);
            json.WriteEndObject();
        });

    private static async Task WriteJsonAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }
        await using var json = new Utf8JsonWriter(context.Response.BodyWriter, s_jsonOptions);
        write(json);
        await json.FlushAsync(context.RequestAborted);
    }
}
