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
            WHERE content_id IN (SELECT content_id FROM reads)
        )
        SELECT categories.category_name, count(*) AS reads
        FROM reads JOIN categories ON categories.content_id = reads.content_id
        GROUP BY categories.category_name
        """;

    /// <summary>
    /// GoogleSQL: named parameters @user_id (INT64), @from_ts and @until_ts (TIMESTAMP), @finished_above (FLOAT64).
    /// The range on updated_at prunes the table's DAY partitions; the equality on user_id uses its clustering.
    /// </summary>
    public static string BigQuery(string interactions, string contentMeta) => $"""
        WITH reads AS (
            SELECT event_id, ANY_VALUE(content_id) AS content_id
            FROM {interactions}
            WHERE user_id = @user_id AND updated_at >= @from_ts AND updated_at < @until_ts AND read_percent > @finished_above
            GROUP BY event_id
        ),
        categories AS (
            SELECT DISTINCT content_id, category_name FROM {contentMeta}
            WHERE content_id IN (SELECT content_id FROM reads)
        )
        SELECT categories.category_name, COUNT(*) AS reads
        FROM reads JOIN categories ON categories.content_id = reads.content_id
        GROUP BY categories.category_name
        """;
}
