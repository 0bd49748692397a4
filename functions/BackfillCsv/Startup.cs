using Pipeline.Functions.Hosting;
using Pipeline.Warehouse.BigQuery;

namespace Pipeline.Functions.BackfillCsv;

/// <summary>Production services: the backfill options and BigQuery.</summary>
public sealed class Startup : FunctionsStartup
{
    /// <inheritdoc />
    public override void ConfigureServices(WebHostBuilderContext context, IServiceCollection services) =>
        services.RefuseLegacyWarehouseVariables(context.Configuration)
            .AddSingleton(BackfillOptions.From(context.Configuration))
            .AddBigQueryWarehouse(context.Configuration);
}
