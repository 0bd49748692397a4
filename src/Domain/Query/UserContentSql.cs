namespace Pipeline.Domain.Query;

/// <summary>
/// The UserContent query, defined once: finished reads of one user in the window, each event id once, joined with
/// the distinct (content_id, category_name) pairs of the contents read, counted per category. Every value is a named
/// parameter — <c>user_id</c> (INT64), <c>from_ts</c> (inclusive) and <c>until_ts</c> (exclusive) TIMESTAMPs,
/// <c>finished_above</c> (FLOAT64) — and only table names, from configuration, are part of the text.
/// </summary>
public static class UserContentSql
{
    /// <summary>The parameter holding the user whose reads are counted (INT64).</summary>
    public const string UserId = "user_id";

    /// <summary>The parameter holding the window's inclusive start on <c>updated_at</c> (TIMESTAMP).</summary>
    public const string From = "from_ts";

    /// <summary>The parameter holding the window's exclusive end on <c>updated_at</c> (TIMESTAMP).</summary>
    public const string Until = "until_ts";

    /// <summary>The parameter holding the percentage a read must exceed to count as finished (FLOAT64).</summary>
    public const string FinishedAbove = "finished_above";

    /// <summary>DuckDB's dialect: <c>$name</c> parameters.</summary>
    public static string DuckDb(string interactions, string contentMeta) => Text(interactions, contentMeta, '$');

    /// <summary>
    /// GoogleSQL: <c>@name</c> parameters. The range on updated_at prunes the table's DAY partitions; the equality on
    /// user_id uses its clustering.
    /// </summary>
    public static string BigQuery(string interactions, string contentMeta) => Text(interactions, contentMeta, '@');

    private static string Text(string interactions, string contentMeta, char parameter) => $"""
        WITH reads AS (
            SELECT event_id, ANY_VALUE(content_id) AS content_id
            FROM {interactions}
            WHERE user_id = {parameter}{UserId} AND updated_at >= {parameter}{From} AND updated_at < {parameter}{Until}
              AND read_percent > {parameter}{FinishedAbove}
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
