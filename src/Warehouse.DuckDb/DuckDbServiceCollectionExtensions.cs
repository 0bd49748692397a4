using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Pipeline.Warehouse.DuckDb;

/// <summary>
/// Wires the embedded warehouse: <c>DUCKDB_PATH</c> (default <c>.data/warehouse.duckdb</c>) and, for backfill,
/// <c>DUCKDB_BUCKET_DIR</c>, the local directory that stands for the bucket.
/// </summary>
public static class DuckDbServiceCollectionExtensions
{
    public const string PathVariable = "DUCKDB_PATH";
    public const string BucketDirVariable = "DUCKDB_BUCKET_DIR";
    public const string DefaultPath = ".data/warehouse.duckdb";

    public static IServiceCollection AddDuckDbWarehouse(this IServiceCollection services, IConfiguration configuration) =>
        services.AddDuckDbWarehouse(new DuckDbOptions(configuration[PathVariable] is { Length: > 0 } path ? path : DefaultPath)
        {
            BucketDirectory = configuration[BucketDirVariable] is { Length: > 0 } bucket ? bucket : null,
        });

    public static IServiceCollection AddDuckDbWarehouse(this IServiceCollection services, DuckDbOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<DuckDbWarehouse>();
        services.AddSingleton<IWarehouse>(provider => provider.GetRequiredService<DuckDbWarehouse>());
        return services;
    }
}
