using System.Text.Json.Nodes;
using static Pipeline.Tests.GoogleSql.ResolvedAst;

namespace Pipeline.Tests.GoogleSql;

/// <summary>
/// A table's pruning keys as its analyzed <c>CREATE TABLE</c> says: the column of <c>PARTITION BY DATE(column)</c>
/// (DAY partitions of a TIMESTAMP) or <c>PARTITION BY column</c> (a DATE), and the first <c>CLUSTER BY</c> column.
/// </summary>
public sealed record PruningKeys(string PartitionColumn, string PartitionExpression, string ClusterColumn)
{
    /// <summary>Reads the keys from a <c>RESOLVED_CREATE_TABLE_STMT</c> node; throws for any other partitioning.</summary>
    public static PruningKeys FromCreateTable(JsonObject createTable)
    {
        var partition = Field(createTable, "partition_by_list") as JsonArray is [JsonObject only]
            ? Unwrap(only)
            : throw new InvalidOperationException("The table has not exactly one PARTITION BY expression.");
        var (column, expression) = partition switch
        {
            ("resolved_column_ref", var reference) => (ColumnOf(reference).Name, ColumnOf(reference).Name),
            ("resolved_function_call", var call) when FunctionName(call) == "date" && Arguments(call) is [("resolved_column_ref", var reference)] =>
                (ColumnOf(reference).Name, $"DATE({ColumnOf(reference).Name})"),
            _ => throw new InvalidOperationException($"Not a DAY partitioning by a column: {partition.Kind}"),
        };
        var cluster = Field(createTable, "cluster_by_list") as JsonArray is [JsonObject first, ..] && Unwrap(first) is ("resolved_column_ref", var clustered)
            ? ColumnOf(clustered).Name
            : throw new InvalidOperationException("The table is not clustered by a column.");
        return new PruningKeys(column, expression, cluster);
    }
}

/// <summary>
/// Checks, on a query's resolved AST, that every scan of a table is filtered right above it (a
/// <c>ResolvedFilterScan</c> whose input is the <c>ResolvedTableScan</c>) by top-level conjuncts that BigQuery can prune
/// with before reading: the bare partitioning column bounded below by one parameter and above by another, and the
/// bare leading clustering column equal to a parameter. "Bare" is conservative: a column inside a function or a
/// cast, or compared with anything but a query parameter, does not count, although BigQuery prunes some such forms.
/// </summary>
public static class ScanPruning
{
    private static readonly Dictionary<string, string> s_mirrored = new()
    {
        ["$equal"] = "$equal", ["$less"] = "$greater", ["$less_or_equal"] = "$greater_or_equal",
        ["$greater"] = "$less", ["$greater_or_equal"] = "$less_or_equal",
    };

    /// <summary>What keeps BigQuery from pruning the scans of <paramref name="table"/>; empty when nothing does.</summary>
    public static IReadOnlyList<string> Problems(JsonObject statement, string table, PruningKeys keys, string from, string until, string user)
    {
        var scans = All(statement, "resolved_table_scan").Where(s => Field(s, "table")?["name"]?.GetValue<string>() == table).ToList();
        if (scans.Count == 0)
        {
            return [$"the statement does not scan {table}"];
        }
        var filters = All(statement, "resolved_filter_scan").ToList();
        var problems = new List<string>();
        foreach (var scan in scans)
        {
            var filter = filters.FirstOrDefault(f => Field(f, "input_scan") is JsonObject input && ReferenceEquals(Unwrap(input).Node, scan));
            if (filter is null)
            {
                problems.Add($"a scan of {table} has no filter right above it");
                continue;
            }
            var ids = (Field(scan, "column_list") as JsonArray ?? [])
                .ToDictionary(c => c!["name"]!.GetValue<string>(), c => c!["column_id"]!.GetValue<string>());
            var comparisons = Conjuncts((JsonObject)Field(filter, "filter_expr")!).Select(c => Comparison(c)).OfType<(string, string, string)>().ToList();
            bool Has(string column, string parameter, params string[] operators) =>
                comparisons.Any(c => c.Item2 == ids[column] && c.Item3 == parameter && operators.Contains(c.Item1));
            if (!Has(keys.PartitionColumn, from, "$greater_or_equal", "$greater"))
            {
                problems.Add($"no conjunct bounds the partitioning column {keys.PartitionColumn} below by @{from}");
            }
            if (!Has(keys.PartitionColumn, until, "$less", "$less_or_equal"))
            {
                problems.Add($"no conjunct bounds the partitioning column {keys.PartitionColumn} above by @{until}");
            }
            if (!Has(keys.ClusterColumn, user, "$equal"))
            {
                problems.Add($"no conjunct sets the clustering column {keys.ClusterColumn} equal to @{user}");
            }
        }
        return problems;
    }

    /// <summary>The names of the table's columns the statement refers to anywhere: what BigQuery reads and bills.</summary>
    public static IReadOnlySet<string> ColumnsRead(JsonObject statement, string table)
    {
        var ids = All(statement, "resolved_table_scan")
            .Where(s => Field(s, "table")?["name"]?.GetValue<string>() == table)
            .SelectMany(s => Field(s, "column_list") as JsonArray ?? [])
            .Select(c => c!["column_id"]!.GetValue<string>())
            .ToHashSet();
        return All(statement, "resolved_column_ref").Select(ColumnOf).Where(c => ids.Contains(c.Id)).Select(c => c.Name).ToHashSet();
    }

    /// <summary>A comparison of a bare column with a bare parameter as (operator, column id, parameter), column first; else null.</summary>
    private static (string Operator, string Column, string Parameter)? Comparison((string? Kind, JsonObject Node) conjunct)
    {
        if (conjunct.Kind != "resolved_function_call" || !s_mirrored.TryGetValue(FunctionName(conjunct.Node), out var mirrored))
        {
            return null;
        }
        return Arguments(conjunct.Node) switch
        {
            [("resolved_column_ref", var column), ("resolved_parameter", var parameter)] =>
                (FunctionName(conjunct.Node), ColumnOf(column).Id, parameter["name"]!.GetValue<string>()),
            [("resolved_parameter", var parameter), ("resolved_column_ref", var column)] =>
                (mirrored, ColumnOf(column).Id, parameter["name"]!.GetValue<string>()),
            _ => null,
        };
    }
}
