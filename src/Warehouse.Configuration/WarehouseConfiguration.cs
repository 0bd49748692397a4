using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Warehouse.BigQuery;
using Pipeline.Warehouse.DuckDb;

namespace Pipeline.Warehouse.Configuration;

/// <summary>
/// <c>WAREHOUSE</c> = <c>bigquery</c> (the default: production) or <c>duckdb</c> (one function on a laptop).
/// Each adapter then reads its own variables and stops start-up naming any that is missing.
/// </summary>
public static class WarehouseConfiguration
{
    public const string Variable = "WAREHOUSE";

    public static IServiceCollection AddConfiguredWarehouse(this IServiceCollection services, IConfiguration configuration) =>
        (configuration[Variable]?.ToLowerInvariant() ?? "bigquery") switch
        {
            "bigquery" => services.AddBigQueryWarehouse(configuration),
            "duckdb" => services.AddDuckDbWarehouse(configuration),
            var other => throw new InvalidOperationException($"{Variable} must be 'bigquery' or 'duckdb', got '{other}'."),
        };
}
