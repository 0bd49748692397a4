using Pipeline.Domain.Rows;
using Pipeline.Domain.Schema;
using Pipeline.Tests.Fixtures;
using Pipeline.Warehouse.BigQuery;

namespace Pipeline.Tests.Warehouse;

/// <summary>What the engines derive from <see cref="WarehouseSchema"/>, checked against the declaration itself.</summary>
public sealed class WarehouseSchemaTest : IAsyncLifetime
{
    private readonly TempWarehouse _store = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _store.DisposeAsync();

    [Fact]
    public async Task DuckDbTables_HaveTheDeclaredColumnsInOrder()
    {
        foreach (var table in WarehouseSchema.All)
        {
            var columns = await _store.QueryAsync(
                $"SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = '{table.Name}' ORDER BY ordinal_position");

            Assert.Equal(table.Columns.Select(c => $"{c.Name} {DuckDbType(c.Type)} {(c.Nullable ? "YES" : "NO")}"), columns.Select(r => $"{r[0]} {r[1]} {r[2]}"));
        }
    }

    [Fact]
    public async Task DuckDbDeadLetters_AreKeyedByTheDeclaredKey()
    {
        var keys = await _store.QueryAsync(
            "SELECT table_name, constraint_column_names FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY' AND table_name <> 'ingested_events'");

        var key = Assert.Single(keys);
        Assert.Equal(WarehouseSchema.IngestErrors.Name, key[0]);
        Assert.Equal(WarehouseSchema.IngestErrors.Key, ((System.Collections.IEnumerable)key[1]!).Cast<string>());
    }

    [Fact]
    public void BackfillStaging_IsTheLineThenTheTargetsRowColumnsButTheEventIdThenTheDeadLettersOthers()
    {
        foreach (var (kind, table) in new (RecordKind, TableDeclaration)[] { (RecordKind.Interaction, WarehouseSchema.UserInteraction), (RecordKind.ContentMeta, WarehouseSchema.ContentMeta) })
        {
            Assert.Equal(
                ["line INT64", .. table.Columns.Where(c => c.Name is not ("ingested_at" or "event_id"))
                    .Select(c => $"{c.Name} {(c.Type == ColumnType.Timestamp ? "INT64" : BackfillScript.SqlType(c.Type))}"), "payload STRING", "error STRING"],
                BackfillScript.StagingSchema(kind).Fields.Select(f => $"{f.Name} {f.Type}"));
        }
    }

    [Fact]
    public void Accessors_GiveTheRowsValuesInOrder()
    {
        var at = new DateTime(2022, 3, 27, 0, 0, 0, DateTimeKind.Utc);
        var row = new ContentMeta("e", 12, "romance", null);

        Assert.Equal(["e", 12L, "romance", null, at], WarehouseSchema.ContentMeta.Columns.Select(c => c.ValueOf(row, at)));
    }

    [Fact]
    public void ADeclaredTypeThatIsNotTheAccessors_IsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => new Column<Interaction>("user_id", ColumnType.String, r => r.UserId));

        Assert.Contains("user_id is declared String but its value is a Int64", e.Message);
    }

    [Fact]
    public void ExtrasNamingNoColumn_AreRefused()
    {
        Assert.Throws<KeyNotFoundException>(() => new TableDeclaration<Interaction>("t", [new("event_id", ColumnType.String, r => r.EventId)])
        {
            Description = "d",
            ClusterBy = ["user_id"],
        });
        Assert.Throws<ArgumentException>(() => new TableDeclaration<Interaction>("t", [new("event_id", ColumnType.String, r => r.EventId)])
        {
            Description = "d",
            PartitionByDay = "event_id",
        });
    }

    private static string DuckDbType(ColumnType type) => type switch
    {
        ColumnType.String => "VARCHAR",
        ColumnType.Int64 => "BIGINT",
        ColumnType.Float64 => "DOUBLE",
        _ => "TIMESTAMP",
    };
}
