using System.Net;
using System.Text.Json;
using Pipeline.Functions.Framework;
using Pipeline.Functions.Hosting;
using Pipeline.Functions.Hosting.Logging;
using Pipeline.Ingestion;
using Pipeline.Local.Bucket;
using Pipeline.Local.Demo;
using Pipeline.Local.PubSub;
using Pipeline.Local.Storage;
using Pipeline.Warehouse.BigQuery;
using Pipeline.Warehouse.DuckDb;

namespace Pipeline.Local;

/// <summary>
/// Every function in one process over one DuckDB file (DuckDB allows one writing process), with the platform
/// pieces played locally: Pub/Sub publish, Eventarc delivery, raw function endpoints. Loopback only.
/// </summary>
public static class LocalStack
{
    private static readonly JsonSerializerOptions s_snakeCase = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>
    /// The host with every service registered: Kestrel on loopback at <see cref="LocalOptions.Port"/>, the warehouse
    /// (DuckDB with its bucket watcher, or BigQuery), the functions, local Pub/Sub and the demo loader.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(LocalOptions options)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.AddFunctionConsole(deployed: false);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = CloudEventRequestReader.MaxBodyBytes;
            kestrel.Listen(IPAddress.Loopback, options.Port);
        });
        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        if (options.OnBigQuery)
        {
            // GOOGLE_CLOUD_PROJECT, BIGQUERY_DATASET, BIGQUERY_LOCATION and Application Default Credentials.
            services.AddBigQueryWarehouse(builder.Configuration);
        }
        else
        {
            services.AddDuckDbWarehouse(new DuckDbOptions(options.DatabasePath) { BucketDirectory = options.BucketDir });
            services.AddSingleton<LocalBucketWatcher>();
            services.AddHostedService(provider => provider.GetRequiredService<LocalBucketWatcher>());
            services.AddStorageJsonApi();
        }
        services.AddPubSubIngestion();
        LocalFunctions.Register(services, builder.Configuration);
        services.AddSingleton(new DeliveryOptions());
        services.AddSingleton(new DeadLetterStore(options.DeadLetterDir));
        services.AddSingleton<FunctionInvoker>();
        services.AddSingleton<LocalPubSub>();
        services.AddSingleton<DemoLoader>();
        return builder;
    }

    /// <summary>
    /// Builds the app and maps its endpoints: <c>/healthz</c>, Pub/Sub's <c>topics.publish</c>, <c>/local/loads</c>
    /// (the load log), <c>/user_content</c>, and each function raw at <c>/functions/&lt;name&gt;</c>.
    /// </summary>
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        var app = builder.Build();
        if (app.Services.GetService<DuckDbWarehouse>() is { } duckDb)
        {
            // UserContent answers from memory once this is built (the SQL answers until then).
            app.Lifetime.ApplicationStarted.Register(() => _ = duckDb.PrepareServingAsync());
        }
        app.MapGet("/healthz", HealthAsync);
        app.MapPost("/v1/projects/{project}/topics/{topic}:publish", PublishAsync);
        app.MapGet("/local/loads", async (IServiceProvider services, CancellationToken cancellationToken) =>
            services.GetService<DuckDbWarehouse>() is not { } warehouse
                ? Results.Json(new { error = "the load log is in BigQuery: query the load_log table" }, statusCode: 404)
                // The load_log's own column names: the same naming policy that names the tables' columns.
                : Results.Json(await warehouse.ReadLoadLogAsync(cancellationToken), s_snakeCase));
        var functions = app.Services.GetRequiredService<LocalFunctions>();
        app.Map("/user_content", branch => branch.Run(functions.ByName["UserContent"]));
        foreach (var (name, function) in functions.ByName)
        {
            app.Map($"/functions/{name}", branch => branch.Run(function));
        }
        // The Cloud Storage JSON API over the local bucket (DuckDB only), for STORAGE_EMULATOR_HOST.
        app.MapStorageJsonApi();
        return app;
    }

    /// <summary>The stack's state: 200 when the warehouse answers a query, 503 when it does not; and what was kept undelivered.</summary>
    private static async Task<IResult> HealthAsync(IServiceProvider services, DeadLetterStore deadLetters, CancellationToken cancellationToken)
    {
        var kept = (await deadLetters.ListAsync(cancellationToken)).Count;
        if (services.GetService<DuckDbWarehouse>() is not { } warehouse)
        {
            return Results.Ok(new { status = "ok", warehouse = "bigquery (not probed)", deadLetteredMessages = kept });
        }
        try
        {
            await using var connection = await warehouse.OpenReaderAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(cancellationToken);
            return Results.Ok(new { status = "ok", warehouse = "ok", deadLetteredMessages = kept });
        }
        catch (Exception e) when (e is DuckDB.NET.Data.DuckDBException or IOException)
        {
            return Results.Json(new { status = "unavailable", warehouse = e.Message, deadLetteredMessages = kept }, statusCode: 503);
        }
    }

    private static async Task<IResult> PublishAsync(string project, string topic, HttpRequest request, LocalPubSub pubSub)
    {
        PublishRequest? body;
        try
        {
            body = await request.ReadFromJsonAsync<PublishRequest>(JsonSerializerOptions.Web, request.HttpContext.RequestAborted);
        }
        catch (JsonException e)
        {
            return Results.Json(GoogleError.Of(400, "INVALID_ARGUMENT", $"Invalid JSON payload: {e.Message}"), statusCode: 400);
        }
        return await pubSub.PublishAsync(project, topic, body);
    }
}
