using System.Net;
using System.Text.Json;
using Pipeline.Domain;
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
    /// <summary>
    /// The host with every service registered: Kestrel on loopback at <see cref="LocalOptions.Port"/>, the warehouse
    /// (DuckDB with its bucket watcher, or BigQuery), the functions, local Pub/Sub and the demo loader.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(LocalOptions options)
    {
        var builder = WebApplication.CreateSlimBuilder();
        var pubSubListener = new PubSubListener();
        builder.Logging.AddFunctionConsole(deployed: false);
        // The stack says where it listens itself (StackAnnouncement), first; the host's own lines would come before it.
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = CloudEventRequestReader.MaxBodyBytes;
            kestrel.Listen(IPAddress.Loopback, options.Port);
            pubSubListener.Listen(kestrel, options.PubSubPort);
        });
        var services = builder.Services;
        services.AddSingleton(options);
        services.AddHostedService<StackAnnouncement>();
        services.AddSingleton(TimeProvider.System);
        if (options.OnBigQuery)
        {
            // GOOGLE_CLOUD_PROJECT, BIGQUERY_DATASET, BIGQUERY_LOCATION and Application Default Credentials.
            services.AddBigQueryWarehouse(builder.Configuration);
        }
        else
        {
            services.AddDuckDbWarehouse(new DuckDbOptions(options.DatabasePath) { BucketDirectory = options.BucketDir });
            services.AddSingleton(new AnnounceOptions());
            services.AddSingleton<IgnoredObjects>();
            services.AddSingleton<LocalBucketWatcher>();
            services.AddHostedService(provider => new StartedAfterServer<LocalBucketWatcher>(provider.GetRequiredService<LocalBucketWatcher>()));
            services.AddStorageJsonApi();
        }
        services.AddPubSubIngestion();
        LocalFunctions.Register(services, builder.Configuration);
        services.AddSingleton(new DeliveryOptions());
        services.AddSingleton(new UndeliveredMessageStore(options.DeadLetterDir));
        services.AddSingleton<FunctionInvoker>();
        services.AddSingleton<LocalPubSub>();
        services.AddSingleton<TopicRegistry>();
        services.AddSingleton(pubSubListener);
        // Pub/Sub refuses a publish request over 10,000,000 bytes with INVALID_ARGUMENT (PublishLimits): read up to
        // the body limit so that answer can be given; gRPC's own RESOURCE_EXHAUSTED only beyond.
        services.AddGrpc(grpc => grpc.MaxReceiveMessageSize = (int)CloudEventRequestReader.MaxBodyBytes);
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
        if (app.Services.GetService<DuckDbServingCache>() is { } serving)
        {
            // UserContent answers from memory once this is built (the SQL answers until then).
            app.Lifetime.ApplicationStarted.Register(() => _ = serving.PrepareAsync());
        }
        // gRPC on the Pub/Sub port only, and nothing else there (PubSubListener).
        app.UseRouting();
        app.Use(app.Services.GetRequiredService<PubSubListener>().GateAsync);
        app.MapGrpcService<PublisherService>();
        app.MapGet("/healthz", Inspection.HealthEndpoint.HandleAsync);
        app.MapGet("/local/errors", Inspection.DeadLettersEndpoint.HandleAsync);
        app.MapPost("/v1/projects/{project}/topics/{topic}:publish", PublishAsync);
        app.MapGet("/local/loads", async (IServiceProvider services, CancellationToken cancellationToken) =>
            services.GetService<IWarehouseInspection>() is not { } inspection
                ? Results.Json(new { error = "the load log is in BigQuery: query the load_log table" }, statusCode: 404)
                // The load_log's own column names: the same naming policy that names the tables' columns.
                // Then the bucket's objects BackfillCsv does not load, as "ignored" rows saying why and where they belong.
                : Results.Json((await inspection.ReadLoadLogAsync(cancellationToken))
                    .Concat(services.GetService<IgnoredObjects>()?.All() ?? []), Inspection.InspectionJson.SnakeCase));
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

    private static async Task<IResult> PublishAsync(string project, string topic, HttpRequest request, LocalPubSub pubSub)
    {
        PublishRequest? body;
        if (!request.HasJsonContentType())
        {
            return Results.Json(GoogleError.Of(400, "INVALID_ARGUMENT", "The request body must be JSON (Content-Type: application/json)."), statusCode: 400);
        }
        try
        {
            body = await request.ReadFromJsonAsync<PublishRequest>(JsonSerializerOptions.Web, request.HttpContext.RequestAborted);
        }
        catch (JsonException e)
        {
            return Results.Json(GoogleError.InvalidJson(e), statusCode: 400);
        }
        return await pubSub.PublishAsync(project, topic, body);
    }
}
