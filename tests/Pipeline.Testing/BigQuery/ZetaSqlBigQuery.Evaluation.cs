using System.Text.Json.Nodes;
using Pipeline.Tests.GoogleSql;

namespace Pipeline.Tests.Fixtures;

// The fake's requests to ZetaSQL's reference evaluator. They are built here rather than through
// ZetaSqlEngine.EvaluateQueryAsync / EvaluateModifyAsync for three reasons: parameters may be NULL (a typed parameter
// with an empty ValueProto), only the tables a statement reads are sent, and DELETE and UPDATE need to know WHICH rows
// they touched. On a table without a primary key the evaluator answers one DELETE row per deleted row with no cells
// (and UPDATE rows with the new cells only), so nothing says which of several equal rows went. So for DELETE and
// UPDATE every table gets a hidden pseudo-column holding the row's position, declared its primary key: then each
// touched row comes back with old_primary_key = its position (pseudo-columns are invisible to SELECT * and
// cannot be written, so the statement means what it says). INSERT is evaluated without it: rows it inserts would all
// have a NULL key, which the evaluator refuses as duplicates.
internal sealed partial class ZetaSqlBigQuery
{
    private const string RowPositionColumn = "__fake_bigquery_row_position";

    private sealed record Parameter(string Name, SqlType Type, object? Value);

    private sealed record Selected(IReadOnlyList<(string Name, SqlType Type)> Columns, IReadOnlyList<object?[]> Rows);

    /// <summary>A row a DML statement touched: INSERT/UPDATE/DELETE, its new cells, and (with positions) its position before.</summary>
    private sealed record Touched(string Operation, object?[] Cells, int? Position);

    private sealed record Modified(string Table, IReadOnlyList<Touched> Rows);

    private async Task<Selected> EvaluateQueryAsync(string sql, JsonObject analyzed, IReadOnlyList<Parameter> parameters)
    {
        var response = await EvaluateAsync("EvaluateQuery", sql, analyzed, parameters, positions: false);
        var columns = (response["prepared"]?["columns"]?.AsArray() ?? [])
            .Select(c => (c!["name"]?.GetValue<string>() ?? "", SqlType.FromProto(c["type"]!)))
            .ToList();
        foreach (var (name, type) in columns.Where(c => !BigQueryValues.IsSupported(c.Item2)))
        {
            throw new StatementFailure($"FakeBigQuery (ZetaSQL mode) cannot answer column {name} of type {type.Kind}: {sql}");
        }
        var rows = (response["content"]?["table_data"]?["row"]?.AsArray() ?? []).Select(r => Cells(r!["cell"])).ToList();
        return new Selected(columns, rows);
    }

    private async Task<Modified> EvaluateModifyAsync(string sql, JsonObject analyzed, IReadOnlyList<Parameter> parameters, bool positions)
    {
        var response = await EvaluateAsync("EvaluateModify", sql, analyzed, parameters, positions);
        var rows = (response["content"]?.AsArray() ?? []).Select(r => new Touched(
            r!["operation"]!.GetValue<string>(),
            Cells(r["cell"]),
            r["old_primary_key"] is JsonArray { Count: 1 } key ? (int)(long)SqlType.FromValue((JsonObject)key[0]!)! : null)).ToList();
        return new Modified(response["table_name"]!.GetValue<string>(), rows);
    }

    private async Task<JsonNode> EvaluateAsync(string method, string sql, JsonObject analyzed, IReadOnlyList<Parameter> parameters, bool positions)
    {
        try
        {
            return await _engine.CallAsync(method, EvaluateRequest(sql, ReferencedTables(analyzed), parameters, positions));
        }
        catch (ZetaSqlException e) when (e.Details.Contains("content set", StringComparison.Ordinal))
        {
            // A table the walk of the resolved statement missed: send them all.
            return await _engine.CallAsync(method, EvaluateRequest(sql, _tables.Keys, parameters, positions));
        }
    }

    private JsonObject EvaluateRequest(string sql, IEnumerable<string> tables, IReadOnlyList<Parameter> parameters, bool positions)
    {
        var catalog = Catalog().ToProto(_engine.LanguageOptions);
        if (positions)
        {
            foreach (var table in catalog["table"]!.AsArray())
            {
                var columns = table!["column"]!.AsArray();
                columns.Add(new JsonObject
                {
                    ["name"] = RowPositionColumn, ["type"] = SqlType.Int64.ToProto(), ["is_pseudo_column"] = true, ["is_writable_column"] = false,
                });
                table["primary_key_column_index"] = new JsonArray(JsonValue.Create(columns.Count - 1));
            }
        }
        var content = new JsonObject();
        foreach (var name in tables.Distinct(StringComparer.Ordinal))
        {
            if (!_tables.TryGetValue(name, out var table))
            {
                continue;
            }
            var rows = new JsonArray();
            for (var i = 0; i < table.Rows.Count; i++)
            {
                var cells = new JsonArray();
                var row = table.Rows[i];
                for (var c = 0; c < row.Length; c++)
                {
                    cells.Add(table.Columns[c].Type.ToValue(row[c]));
                }
                if (positions)
                {
                    cells.Add(SqlType.Int64.ToValue((long)i));
                }
                rows.Add(new JsonObject { ["cell"] = cells });
            }
            content[name] = new JsonObject { ["table_data"] = new JsonObject { ["row"] = rows } };
        }
        return new JsonObject
        {
            ["sql"] = sql,
            ["options"] = _engine.AnalyzerOptions(ParameterTypes(parameters)),
            ["simple_catalog"] = catalog,
            ["table_content"] = content,
            ["params"] = new JsonArray([.. parameters.Select(p => (JsonNode)new JsonObject { ["name"] = p.Name, ["value"] = p.Type.ToValue(p.Value) })]),
        };
    }

    private static IReadOnlyDictionary<string, SqlType> ParameterTypes(IReadOnlyList<Parameter> parameters) =>
        parameters.ToDictionary(p => p.Name, p => p.Type, StringComparer.OrdinalIgnoreCase);

    /// <summary>The tables a resolved statement scans (every <c>table</c> reference in its tree).</summary>
    private static HashSet<string> ReferencedTables(JsonNode node)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<JsonNode>([node]);
        while (pending.TryPop(out var current))
        {
            if (current is JsonObject o)
            {
                if (o["table"] is JsonObject table && table["name"] is JsonValue name && name.TryGetValue<string>(out var text))
                {
                    names.Add(text);
                }
                foreach (var (_, child) in o)
                {
                    if (child is JsonObject or JsonArray)
                    {
                        pending.Push(child);
                    }
                }
            }
            else if (current is JsonArray a)
            {
                foreach (var child in a)
                {
                    if (child is not null)
                    {
                        pending.Push(child);
                    }
                }
            }
        }
        return names;
    }

    private static object?[] Cells(JsonNode? cells)
    {
        try
        {
            return (cells?.AsArray() ?? []).Select(c => SqlType.FromValue((JsonObject)c!)).ToArray();
        }
        catch (NotSupportedException e)
        {
            throw new StatementFailure($"FakeBigQuery (ZetaSQL mode) cannot hold this value: {e.Message}");
        }
    }
}
