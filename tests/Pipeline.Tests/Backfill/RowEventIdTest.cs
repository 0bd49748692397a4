using DuckDB.NET.Data;
using Pipeline.Domain.Backfill;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Backfill;

/// <summary>
/// A backfilled row's event id is read by one pattern in C# (the in-memory answers) and in DuckDB (their first build),
/// and names exactly the object whose replacement deletes the row.
/// </summary>
public sealed class RowEventIdTest
{
    public static TheoryData<string, string?> Ids => new()
    {
        { "gs://b/user_interaction/a.csv#1700000000000000:2", "gs://b/user_interaction/a.csv" },
        { "gs://b/a.csv#5:x.csv#12:3", "gs://b/a.csv#5:x.csv" },
        { "gs://b/new\nline.csv#1:2", "gs://b/new\nline.csv" },
        { "gs://b/a.csv#1:2\n", null },
        { "gs://b/a.csv#1:", null },
        { "gs://b/a.csv#:2", null },
        { "1796130049619001", null },
        { "1796130049619001:3", null },
    };

    [Theory]
    [MemberData(nameof(Ids))]
    public async Task Object_IsTheSameInCSharpInDuckDbAndForTheReplacingDelete(string eventId, string? expected)
    {
        Assert.Equal(expected, CsvLoad.ObjectOfRow(eventId));

        await using var store = new TempWarehouse();
        await using var connection = await store.Database.OpenReaderAsync(default);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT CASE WHEN regexp_matches($id, '{CsvLoad.RowEventIdPattern}') THEN regexp_extract($id, '{CsvLoad.RowEventIdPattern}', 1) END, "
            + "starts_with($id, $prefix) AND regexp_matches(substr($id, length($prefix) + 1), $own)";
        command.Parameters.Add(new DuckDBParameter("id", eventId));
        command.Parameters.Add(new DuckDBParameter("prefix", (expected ?? "none") + "#"));
        command.Parameters.Add(new DuckDBParameter("own", CsvLoad.OwnRowSuffixPattern));
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(expected, reader.IsDBNull(0) ? null : reader.GetString(0));
        Assert.Equal(expected is not null, reader.GetBoolean(1));
    }
}
