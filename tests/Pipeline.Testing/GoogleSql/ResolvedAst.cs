using System.Text.Json.Nodes;

namespace Pipeline.Tests.GoogleSql;

/// <summary>
/// Reading ZetaSQL's resolved AST as <see cref="ZetaSqlEngine.AnalyzeScriptAsync"/> gives it: the <c>Any…Proto</c>
/// messages as JSON, where a node of an abstract kind is a oneof wrapper <c>{"&lt;member&gt;": {…}, "node": "&lt;member&gt;"}</c>
/// (nested once per level of the class hierarchy) and a node's base-class fields sit under <c>parent</c>.
/// </summary>
public static class ResolvedAst
{
    /// <summary>
    /// The concrete node inside (possibly nested) oneof wrappers and its kind, the member's name without <c>_node</c>:
    /// <c>resolved_table_scan</c>, <c>resolved_function_call</c>, <c>resolved_column_ref</c>, <c>resolved_parameter</c>, ….
    /// A concrete node itself comes back with kind null.
    /// </summary>
    public static (string? Kind, JsonObject Node) Unwrap(JsonObject node)
    {
        string? kind = null;
        while (node["node"] is JsonValue member && member.TryGetValue<string>(out var name) && node[name] is JsonObject inner)
        {
            kind = name.EndsWith("_node", StringComparison.Ordinal) ? name[..^"_node".Length] : name;
            node = inner;
        }
        return (kind, node);
    }

    /// <summary>A field of a node or of one of its bases (the <c>parent</c> chain).</summary>
    public static JsonNode? Field(JsonObject node, string name)
    {
        for (JsonObject? n = node; n is not null; n = n["parent"] as JsonObject)
        {
            if (n[name] is { } value)
            {
                return value;
            }
        }
        return null;
    }

    /// <summary>Every node of the given kind anywhere in the tree, concrete (unwrapped), in document order.</summary>
    public static IEnumerable<JsonObject> All(JsonNode root, string kind)
    {
        var stack = new Stack<JsonNode>([root]);
        while (stack.TryPop(out var current))
        {
            if (current is JsonObject obj)
            {
                if (obj["node"] is not null && Unwrap(obj) is (var found, var node) && found == kind)
                {
                    yield return node;
                }
                foreach (var (_, child) in obj.Reverse())
                {
                    if (child is not null)
                    {
                        stack.Push(child);
                    }
                }
            }
            else if (current is JsonArray array)
            {
                foreach (var child in array.Reverse())
                {
                    if (child is not null)
                    {
                        stack.Push(child);
                    }
                }
            }
        }
    }

    /// <summary>The name of a function a <c>resolved_function_call</c> calls, without ZetaSQL's prefix: <c>$and</c>, <c>$equal</c>, <c>date</c>, ….</summary>
    public static string FunctionName(JsonObject call) =>
        (Field(call, "function")?["name"]?.GetValue<string>() ?? "").Replace("ZetaSQL:", "", StringComparison.Ordinal);

    /// <summary>A function call's arguments, each unwrapped.</summary>
    public static IReadOnlyList<(string? Kind, JsonObject Node)> Arguments(JsonObject call) =>
        (Field(call, "argument_list") as JsonArray ?? []).Select(a => Unwrap((JsonObject)a!)).ToList();

    /// <summary>The conjuncts of a boolean expression: the operands of (nested) <c>AND</c>s, or the expression itself.</summary>
    public static IEnumerable<(string? Kind, JsonObject Node)> Conjuncts(JsonObject expression) => Conjuncts(Unwrap(expression));

    private static IEnumerable<(string? Kind, JsonObject Node)> Conjuncts((string? Kind, JsonObject Node) expression) =>
        expression.Kind == "resolved_function_call" && FunctionName(expression.Node) == "$and"
            ? Arguments(expression.Node).SelectMany(Conjuncts)
            : [expression];

    /// <summary>The column a <c>resolved_column_ref</c> names: its id (unique in the statement) and name.</summary>
    public static (string Id, string Name) ColumnOf(JsonObject columnRef)
    {
        var column = (JsonObject)Field(columnRef, "column")!;
        return (column["column_id"]!.GetValue<string>(), column["name"]!.GetValue<string>());
    }
}
