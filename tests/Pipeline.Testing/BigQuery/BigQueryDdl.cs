using System.Text;
using Pipeline.Domain.Schema;
using Pipeline.Warehouse.BigQuery;

namespace Pipeline.Tests.Warehouse;

/// <summary>
/// <c>deploy/bigquery.sql</c> as <see cref="WarehouseSchema"/> declares it: one idempotent CREATE TABLE a table, with
/// its partitioning, clustering and description. The file is committed (deploy runs it with <c>bq</c>);
/// <c>SchemaDdlTest</c> regenerates it and fails when it differs.
/// </summary>
public static class BigQueryDdl
{
    public const string Path = "deploy/bigquery.sql";

    /// <summary>The environment variable that makes <c>SchemaDdlTest</c> write the file instead of failing.</summary>
    public const string WriteVariable = "PIPELINE_WRITE_DDL";

    public const string RegenerateCommand =
        $"{WriteVariable}=1 dotnet test tests/Pipeline.Tests --filter FullyQualifiedName~Pipeline.Tests.Warehouse.SchemaDdlTest";

    public static string Generate()
    {
        var sql = new StringBuilder($"""
            -- The tables in GoogleSQL, generated from src/Domain/Schema/WarehouseSchema.cs: do not edit, regenerate with
            --   {RegenerateCommand}
            -- Idempotent: safe to run again. Run with the dataset as default, e.g.:
            --   bq query --use_legacy_sql=false --dataset_id="$PROJECT:$DATASET" < deploy/bigquery.sql
            -- (create the dataset first: bq mk --location="$LOCATION" --dataset "$PROJECT:$DATASET").

            """);
        foreach (var table in WarehouseSchema.BigQueryTables)
        {
            sql.Append('\n').Append(CreateTable(table));
        }
        return sql.ToString();
    }

    private static string CreateTable(TableDeclaration table)
    {
        var nameWidth = table.Columns.Max(c => c.Name.Length);
        var typeWidth = table.Columns.Max(c => BackfillScript.SqlType(c.Type).Length);
        var columns = table.Columns.Select(c => c.Nullable
            ? $"  {c.Name.PadRight(nameWidth)} {BackfillScript.SqlType(c.Type)}"
            : $"  {c.Name.PadRight(nameWidth)} {BackfillScript.SqlType(c.Type).PadRight(typeWidth)} NOT NULL");
        var sql = new StringBuilder($"CREATE TABLE IF NOT EXISTS {table.Name} (\n{string.Join(",\n", columns)}\n)\n");
        if (table.PartitionByDay is { } day)
        {
            sql.Append($"PARTITION BY DATE({day})\n");
        }
        if (table.ClusterBy.Count > 0)
        {
            sql.Append($"CLUSTER BY {string.Join(", ", table.ClusterBy)}\n");
        }
        return sql.Append($"OPTIONS (description = '{table.Description.Replace("\\", "\\\\").Replace("'", "\\'")}');\n").ToString();
    }
}
