using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Pipeline.Warehouse.BigQuery;

/// <summary>
/// A function runs on BigQuery only: its image carries no other engine. <c>WAREHOUSE</c> once chose the engine and
/// means nothing now; a value other than <c>bigquery</c> stops start-up with one line saying where DuckDB went (the
/// local stack, which hosts every function in one process).
/// </summary>
public static class LegacyWarehouseVariables
{
    /// <summary>The environment variable that once chose the engine; only empty or <c>bigquery</c> is accepted.</summary>
    public const string Variable = "WAREHOUSE";

    /// <summary>The local stack's variable for the DuckDB file; a function refuses it rather than ignore it.</summary>
    public const string DuckDbPathVariable = "DUCKDB_PATH";

    /// <summary>
    /// Throws (the host prints one line and exits 1) when <c>WAREHOUSE</c> asks for anything but BigQuery, or
    /// <c>DUCKDB_PATH</c> is set.
    /// </summary>
    public static IServiceCollection RefuseLegacyWarehouseVariables(this IServiceCollection services, IConfiguration configuration)
    {
        if (configuration[DuckDbPathVariable] is { Length: > 0 } path)
        {
            // Once, a function alone with a relative DUCKDB_PATH wrote its database under functions/<F>/.data.
            throw new InvalidOperationException(
                $"{DuckDbPathVariable}={path.ReplaceLineEndings(" ")} is not read: a function runs on BigQuery only (set BIGQUERY_EMULATOR_HOST to use an emulator); " +
                "to run the functions on DuckDB, run the local stack: dotnet run --project local");
        }
        var value = configuration[Variable]?.Trim();
        if (string.IsNullOrEmpty(value) || string.Equals(value, "bigquery", StringComparison.OrdinalIgnoreCase))
        {
            return services;
        }
        throw new InvalidOperationException(
            $"{Variable}={value.ReplaceLineEndings(" ")} is not supported: a function runs on BigQuery only (set BIGQUERY_EMULATOR_HOST to use an emulator); " +
            "to run the functions on DuckDB, run the local stack: dotnet run --project local");
    }
}
