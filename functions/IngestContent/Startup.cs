using Pipeline.Functions.Hosting;
using Pipeline.Ingestion;
using Pipeline.Warehouse.BigQuery;

namespace Pipeline.Functions.IngestContent;

/// <summary>Production services: the Pub/Sub ingestion on BigQuery.</summary>
public sealed class Startup : FunctionsStartup
{
    /// <inheritdoc />
    public override void ConfigureServices(WebHostBuilderContext context, IServiceCollection services) =>
        services.AddPubSubIngestion().RefuseLegacyWarehouseVariables(context.Configuration).AddBigQueryWarehouse(context.Configuration);
}
