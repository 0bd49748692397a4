using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Pipeline.Domain.Backfill;

namespace Pipeline.Warehouse.DuckDb;

/// <summary>
/// Wires the embedded warehouse: <c>DUCKDB_PATH</c> (default <c>.data/warehouse.duckdb</c>) and, for backfill,
/// <c>DUCKDB_BUCKET_DIR</c>, the local directory that stands for the bucket.
/// </summary>
public static class DuckDbServiceCollectionExtensions
{
    /// <summary>The variable naming the DuckDB file.</summary>
    public const string PathVariable = "DUCKDB_PATH";

    /// <summary>The variable naming the directory that stands for the bucket (<see cref="DuckDbOptions.BucketDirectory"/>).</summary>
    public const string BucketDirVariable = "DUCKDB_BUCKET_DIR";

    /// <summary>The DuckDB file when <see cref="PathVariable"/> is not set, relative to the working directory.</summary>
    public const string DefaultPath = ".data/warehouse.duckdb";

    /// <summary>Adds the embedded warehouse configured from <see cref="PathVariable"/> and <see cref="BucketDirVariable"/>.</summary>
    public static IServiceCollection AddDuckDbWarehouse(this IServiceCollection services, IConfiguration configuration) =>
        services.AddDuckDbWarehouse(new DuckDbOptions(configuration[PathVariable] is { Length: > 0 } path ? path : DefaultPath)
        {
            BucketDirectory = configuration[BucketDirVariable] is { Length: > 0 } bucket ? bucket : null,
        });

    /// <summary>
    /// Adds the embedded engine on <paramref name="options"/>, each part a singleton over one <see cref="DuckDbDatabase"/>:
    /// the <see cref="IWarehouse"/> (<see cref="DuckDbWarehouse"/>, reading through <see cref="DuckDbServingCache"/>),
    /// backfill's ports (<see cref="DuckDbBackfillStore"/>, the bucket directory as <see cref="IObjectSource"/>) and
    /// <see cref="CsvBackfill"/> over them, and <see cref="IWarehouseInspection"/>. A <see cref="TimeProvider"/> or
    /// <see cref="IObjectSource"/> registered before is kept.
    /// </summary>
    public static IServiceCollection AddDuckDbWarehouse(this IServiceCollection services, DuckDbOptions options)
    {
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<DuckDbDatabase>();
        services.AddSingleton<DuckDbServingCache>();
        services.AddSingleton<DuckDbWarehouse>();
        services.AddSingleton<IWarehouse>(provider => provider.GetRequiredService<DuckDbWarehouse>());
        services.AddSingleton<DuckDbBackfillStore>();
        services.AddSingleton<ILoadLog>(provider => provider.GetRequiredService<DuckDbBackfillStore>());
        services.AddSingleton<IBackfillSink>(provider => provider.GetRequiredService<DuckDbBackfillStore>());
        services.TryAddSingleton<IObjectSource>(_ => new BucketDirectorySource(options.BucketDirectory));
        services.AddSingleton<CsvBackfill>();
        services.AddSingleton<DuckDbInspection>();
        services.AddSingleton<IWarehouseInspection>(provider => provider.GetRequiredService<DuckDbInspection>());
        return services;
    }
}
