using System.Collections;
using System.Globalization;
using DuckDB.NET.Data;
using Pipeline.Domain.Query;

namespace Pipeline.Bench.Scenarios.Query;

/// <summary>The seed's UserContent SQL, the reference the product's answers and speed are held to.</summary>
public static class SeedQuery
{
    /// <summary>The seed's query, in DuckDB's dialect and otherwise unchanged (its literals bound as parameters).</summary>
    private const string Sql = """
        select list(struct_pack(category_name := category_name, category_count := category_count)) as json_val from (
            select user_id, category_name, count(*) as category_count from (
                    SELECT A.*, B.category_name from (
                        SELECT * FROM user_interaction
                        WHERE updated_at >= ? and updated_at <= ? and user_id = ? and read_percent > 90
                    ) as A
                    inner join
                    (
                        SELECT * FROM content_meta
                    ) as B on A.content_id=B.content_id
            ) group by user_id, category_name
        ) group by user_id
        """;

    /// <summary>
    /// The seed's counts for <paramref name="window"/>, by category. Its bounds are bound to the product's window,
    /// [first date 00:00, the day after the query date 00:00): the lower one as it is, the upper one as that instant
    /// less 1 µs — DuckDB's timestamps count microseconds, so the seed's inclusive <c>&lt;=</c> keeps exactly what the
    /// product's exclusive <c>&lt;</c> keeps. (The seed's own literals meant the query date's midnight as the upper
    /// bound; the product counts the whole query date, docs/semantics.md.)
    /// </summary>
    public static async Task<Dictionary<string, long>> CountAsync(DuckDBConnection connection, ReadingWindow window)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Sql;
        command.Parameters.Add(new DuckDBParameter(window.FromUtc));
        command.Parameters.Add(new DuckDBParameter(window.UntilUtc.AddTicks(-TimeSpan.TicksPerMicrosecond)));
        command.Parameters.Add(new DuckDBParameter(window.UserId));
        await using var reader = await command.ExecuteReaderAsync();
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        // One row with a list of {category_name, category_count} when the reader finished something, no row otherwise.
        while (await reader.ReadAsync())
        {
            foreach (IDictionary<string, object?> entry in (IEnumerable)reader.GetValue(0))
            {
                counts.Add((string)entry["category_name"]!, Convert.ToInt64(entry["category_count"], CultureInfo.InvariantCulture));
            }
        }
        return counts;
    }
}
