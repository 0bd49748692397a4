namespace Pipeline.Warehouse.Query;

/// <summary>
/// The UserContent query, one text per engine dialect, every value a bound parameter:
/// finished reads of one user in the window, each event id once, joined with the distinct
/// (content_id, category_name) pairs, counted per category.
/// Parameters, in order: user_id, from (inclusive), until (exclusive), finished-above percentage.
/// </summary>
public static class UserContentSql
{
    /// <summary>DuckDB: positional <c>?</c> parameters; table names are configuration, quoted.</summary>
    public static string DuckDb(string interactions, string contentMeta) => $"""
        WITH reads AS (
            SELECT event_id, any_value(content_id) AS content_id
            FROM {interactions}
            WHERE user_id = ? AND updated_at >= ? AND updated_at < ? AND read_percent > ?
            GROUP BY event_id
        ),
        categories AS (
            SELECT DISTINCT content_id, category_name FROM {contentMeta}
        )
        SELECT categories.category_name, count(*) AS reads
        FROM reads JOIN categories ON categories.content_id = reads.content_id
        GROUP BY categories.category_name
        """;
}
