using Pipeline.Functions.Hosting;
using Pipeline.Warehouse.BigQuery;

namespace Pipeline.Functions.UserContent;

/// <summary>Production services: the query on BigQuery.</summary>
public sealed class Startup : FunctionsStartup
{
    /// <inheritdoc />
    public override void ConfigureServices(WebHostBuilderContext context, IServiceCollection services) =>
        services.RefuseLegacyWarehouseVariables(context.Configuration).AddBigQueryWarehouse(context.Configuration);
}
