using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.GoogleSql;

public sealed record CatalogColumn(string Name, SqlType Type);

public sealed record CatalogTable(string Name, IReadOnlyList<CatalogColumn> Columns);

/// <summary>
/// The tables ZetaSQL resolves names against, built from <c>deploy/bigquery.sql</c> — the one source of the BigQuery
/// schema — as ZetaSQL itself resolves that DDL, so the catalog proves the DDL analyzes in BigQuery's mode too.
/// The DDL's tables are there under their own names (the DDL runs with a default dataset); the product names them
/// <c>`project.dataset.table`</c>, and a backquoted path is one identifier, so <see cref="WithDdlTablesIn"/> adds them
/// under such full names. Immutable: each <c>With…</c> returns a new catalog.
/// </summary>
public sealed class BigQueryCatalog
{
    public const string DdlPath = "deploy/bigquery.sql";

    private readonly ImmutableDictionary<string, CatalogTable> _tables;

    private BigQueryCatalog(IReadOnlyList<CatalogTable> ddlTables, ImmutableDictionary<string, CatalogTable> tables)
    {
        DdlTables = ddlTables;
        _tables = tables;
    }

    /// <summary>No tables: only built-in functions resolve.</summary>
    public static BigQueryCatalog Empty { get; } = new([], ImmutableDictionary<string, CatalogTable>.Empty.WithComparers(StringComparer.Ordinal));

    /// <summary>The tables that <c>deploy/bigquery.sql</c> creates, under their names in the DDL, in its order.</summary>
    public IReadOnlyList<CatalogTable> DdlTables { get; }

    public IEnumerable<CatalogTable> Tables => _tables.Values;

    /// <summary>Analyzes every statement of the repository's DDL (each must be a CREATE TABLE) and catalogs the tables.</summary>
    public static Task<BigQueryCatalog> FromDdlAsync(ZetaSqlEngine engine, CancellationToken cancellationToken = default) =>
        FromDdlAsync(engine, Repository.Read(DdlPath), cancellationToken);

    public static async Task<BigQueryCatalog> FromDdlAsync(ZetaSqlEngine engine, string ddl, CancellationToken cancellationToken = default)
    {
        var tables = new List<CatalogTable>();
        foreach (var statement in await engine.AnalyzeScriptAsync(ddl, Empty, cancellationToken: cancellationToken))
        {
            if (statement.Kind != "RESOLVED_CREATE_TABLE_STMT")
            {
                throw new InvalidOperationException($"The catalog is built from CREATE TABLE statements only; this is {statement.Kind}: {statement.Sql}");
            }
            var node = statement.Node;
            var name = string.Join('.', Field(node, "name_path")!.AsArray().Select(p => p!.GetValue<string>()));
            var columns = Field(node, "column_definition_list")!.AsArray()
                .Select(c => new CatalogColumn(c!["name"]!.GetValue<string>(), SqlType.FromProto(c["type"]!)))
                .ToList();
            tables.Add(new CatalogTable(name, columns));
        }
        return new BigQueryCatalog(tables, Empty._tables.SetItems(tables.Select(t => KeyValuePair.Create(t.Name, t))));
    }

    /// <summary>Adds the DDL's tables under full names, e.g. <c>proj.ds.user_interaction</c> for <c>`proj.ds.user_interaction`</c>.</summary>
    public BigQueryCatalog WithDdlTablesIn(string project, string dataset) =>
        DdlTables.Aggregate(this, (catalog, table) => catalog.WithTable($"{project}.{dataset}.{table.Name}", table.Columns));

    /// <summary>Adds (or replaces) a table with the given schema, e.g. a staging table whose columns are all STRING.</summary>
    public BigQueryCatalog WithTable(string name, IReadOnlyList<CatalogColumn> columns) =>
        new(DdlTables, _tables.SetItem(name, new CatalogTable(name, columns)));

    public BigQueryCatalog WithTable(string name, params (string Name, SqlType Type)[] columns) =>
        WithTable(name, columns.Select(c => new CatalogColumn(c.Name, c.Type)).ToList());

    public IReadOnlyList<CatalogColumn> ColumnsOf(string table) =>
        _tables.TryGetValue(table, out var found)
            ? found.Columns
            : throw new KeyNotFoundException($"No table {table} in the catalog; it has {string.Join(", ", _tables.Keys.Order())}.");

    /// <summary>The <c>SimpleCatalogProto</c>, with the built-in functions of the given language.</summary>
    public JsonObject ToProto(JsonObject languageOptions) => new()
    {
        ["table"] = new JsonArray([.. _tables.Values.OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => (JsonNode)new JsonObject
        {
            ["name"] = t.Name,
            ["column"] = new JsonArray([.. t.Columns.Select(c => (JsonNode)new JsonObject { ["name"] = c.Name, ["type"] = c.Type.ToProto() })]),
        })]),
        ["builtin_function_options"] = new JsonObject { ["language_options"] = languageOptions.DeepClone() },
    };

    /// <summary>A field of a resolved node or of one of its bases (the protos nest a node's base class as <c>parent</c>).</summary>
    private static JsonNode? Field(JsonObject node, string name)
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
}
