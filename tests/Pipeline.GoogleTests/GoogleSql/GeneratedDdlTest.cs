using Pipeline.Domain.Schema;
using Pipeline.Tests.Warehouse;

namespace Pipeline.Tests.GoogleSql;

/// <summary>
/// The DDL generated from <see cref="WarehouseSchema"/> (committed as <c>deploy/bigquery.sql</c>, which
/// <c>SchemaDdlTest</c> checks) is GoogleSQL that ZetaSQL resolves to the declared columns and types.
/// </summary>
[Collection(ZetaSqlCollection.Name)]
public sealed class GeneratedDdlTest(ZetaSqlEngine engine)
{
    [Fact]
    public async Task GeneratedDdl_AsZetaSqlResolvesIt_HasTheDeclaredColumns()
    {
        var catalog = await BigQueryCatalog.FromDdlAsync(engine, BigQueryDdl.Generate());

        Assert.Equal(
            string.Join("\n", WarehouseSchema.BigQueryTables.Select(t => $"{t.Name}: {string.Join(", ", t.Columns.Select(c => $"{c.Name} {ZetaSqlType(c.Type)}"))}")),
            string.Join("\n", catalog.DdlTables.Select(t => $"{t.Name}: {string.Join(", ", t.Columns.Select(c => $"{c.Name} {c.Type}"))}")));
    }

    private static SqlType ZetaSqlType(ColumnType type) => type switch
    {
        ColumnType.String => SqlType.String,
        ColumnType.Int64 => SqlType.Int64,
        ColumnType.Float64 => SqlType.Float64,
        _ => SqlType.Timestamp,
    };
}
