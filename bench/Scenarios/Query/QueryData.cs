using System.Globalization;
using DuckDB.NET.Data;
using Pipeline.Domain.Query;

namespace Pipeline.Bench.Scenarios.Query;

/// <summary>
/// The generated readers, contents and reads of one (layout, size), and the requests asked of them.
/// <para>
/// The reader: a regular reader of a news site. <see cref="ReadsPerReader"/> reads over <see cref="Days"/> days on
/// average (≈ 1.7 a day), spread over the days; activity is skewed but bounded — the busiest readers read about 5×
/// the average, the lightest about 0.56× (reader = ⌊users · (0.2 v + 0.8 v²)⌋ for a uniform v). 60 % of a reader's reads are
/// in the reader's favourite category, the rest anywhere; within a category a few contents are read far more than
/// the rest (index = ⌊n · w²⌋). 45 % of reads are finished (read_percent > 90): 30 % at 100, 15 % between 90 and 100
/// (including exactly 90, which is not finished), the rest below 90. A content has 1 to 3 distinct categories; 2 % have
/// none yet (no content_meta row), so their reads count nowhere. A 15-day window then holds ≈ 25 reads of which ≈ 11
/// are finished, and nearly every window of every reader has one.
/// </para>
/// <para>
/// The size grows by readers, not by reads per reader: <see cref="Users"/> is rows / <see cref="ReadsPerReader"/>
/// over the same days, so an answer is the same work at every size and growth measures the table only.
/// Both layouts hold the same rows (row i is a function of i; the random layout writes them in the order of a
/// multiplicative permutation of i), so their answers are the same.
/// </para>
/// </summary>
public sealed record QueryData(QueryLayout Layout, long Rows, int Contents)
{
    public const int ReadsPerReader = 200;

    public const int Days = 120;

    private const int Categories = 20;

    private const double FavouriteShare = 0.6;

    /// <summary>DuckDB's row group: the unit its min/max statistics can skip.</summary>
    private const int RowGroupRows = 122_880;

    private static readonly string[] s_categoryNames =
    [
        "politics", "business", "technology", "science", "health", "sport", "football", "culture", "film", "music",
        "books", "travel", "food", "fashion", "environment", "education", "money", "opinion", "world", "local",
    ];

    public static DateOnly FirstDate { get; } = new(2020, 3, 27);

    public DateOnly LastDate => FirstDate.AddDays(Days - 1);

    public int Users => (int)Math.Max(1, Rows / ReadsPerReader);

    /// <summary>Names the figures: <c>random_10m</c>, <c>time_100k</c>.</summary>
    public string Label => $"{Layout.ToString().ToLowerInvariant()}_{SizeLabel(Rows)}";

    public static string SizeLabel(long rows) => rows % 1_000_000 == 0 ? $"{rows / 1_000_000}m"
        : rows % 1000 == 0 ? $"{rows / 1000}k" : rows.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Random readers (uniform over every reader, busy or not) and query dates uniform over the generated dates, so
    /// every window holds the query date and so overlaps the data (windows of the first 14 dates only in part).
    /// </summary>
    public ReadingWindow[] Requests(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => new ReadingWindow(random.Next(Users), FirstDate.AddDays(random.Next(Days))))];
    }

    /// <summary>Writes the rows straight into the product's tables (created by the warehouse), then checkpoints.</summary>
    public async Task GenerateAsync(DuckDBConnection connection)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = InteractionsSql() + ContentMetaSql() + "CHECKPOINT;";
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The mean span of updated_at, in days, over the table's row groups in physical (rowid) order.</summary>
    public static async Task<double> RowGroupSpanDaysAsync(DuckDBConnection connection)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT avg(epoch(last_at) - epoch(first_at)) / 86400 FROM (
                SELECT rowid // {RowGroupRows} AS row_group, min(updated_at) AS first_at, max(updated_at) AS last_at
                FROM user_interaction GROUP BY row_group)
            """;
        return Convert.ToDouble(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Row i: event id <c>bench:i</c> (unique, so the seed's SQL, which does not de-duplicate, counts what the
    /// product counts); updated_at = first date + i · spacing, so i's order is time order; reader, content and
    /// read_percent from independent hashes of i. The time layout writes i = 0, 1, …; the random layout writes
    /// i = j · a mod rows for j = 0, 1, … (a coprime with rows: each i once, consecutive rows days apart). DuckDB keeps
    /// an INSERT's order (preserve_insertion_order is on by default).
    /// </summary>
    private string InteractionsSql()
    {
        var spacingMicros = Days * 86_400_000_000L / Rows;
        var position = Layout == QueryLayout.Time ? "j" : $"(j * {Multiplier(Rows)}) % {Rows}";
        var perCategory = Math.Max(1, Contents / Categories);
        return $"""
            INSERT INTO user_interaction (event_id, user_id, content_id, read_percent, updated_at, ingested_at)
            SELECT 'bench:' || i,
                   user_id,
                   floor({perCategory} * content_draw * content_draw)::BIGINT * {Categories}
                       + CASE WHEN favourite_draw < {FavouriteShare.ToString(CultureInfo.InvariantCulture)} THEN (hash(user_id) % {Categories})::BIGINT
                              ELSE (hash(i * 8 + 5) % {Categories})::BIGINT END,
                   CASE WHEN finish < 300 THEN 100.0
                        WHEN finish < 450 THEN 90 + (finish - 300)::DOUBLE / 15
                        ELSE (finish - 450)::DOUBLE * 90 / 550 END,
                   TIMESTAMP '{FirstDate:yyyy-MM-dd}' + to_microseconds(i * {spacingMicros}),
                   TIMESTAMP '{LastDate.AddDays(1):yyyy-MM-dd}'
            FROM (
                SELECT i,
                       floor({Users} * (0.2 * reader_draw + 0.8 * reader_draw * reader_draw))::BIGINT AS user_id,
                       {Draw("i * 8 + 2")} AS content_draw,
                       {Draw("i * 8 + 3")} AS favourite_draw,
                       (hash(i * 8 + 4) % 1000)::BIGINT AS finish
                FROM (SELECT i, {Draw("i * 8 + 1")} AS reader_draw FROM (SELECT {position} AS i FROM range({Rows}) t(j))));

            """;
    }

    /// <summary>
    /// Content c: primary category c mod 20 (the one the reads above pick it by), 1 to 3 categories
    /// (c mod 20 + k · step) mod 20 for k &lt; n with step in 1..9, so never the same (content_id, category_name) pair
    /// twice — the seed's SQL, which does not de-duplicate pairs, counts what the product counts. Every 50th content
    /// has no row.
    /// </summary>
    private string ContentMetaSql() => $"""
        INSERT INTO content_meta (event_id, content_id, category_name, updated_at, ingested_at)
        SELECT 'bench-meta:' || c || ':' || k, c,
               [{string.Join(", ", s_categoryNames.Select(n => $"'{n}'"))}][1 + (c % {Categories} + k * step) % {Categories}],
               TIMESTAMP '{FirstDate:yyyy-MM-dd}', TIMESTAMP '{LastDate.AddDays(1):yyyy-MM-dd}'
        FROM (SELECT c, (1 + hash(c * 4 + 1) % 3)::BIGINT AS categories, (1 + hash(c * 4 + 2) % 9)::BIGINT AS step
              FROM range({Contents}) t(c)), range(3) r(k)
        WHERE k < categories AND c % 50 <> 49;

        """;

    /// <summary>A uniform draw in [0, 1) from a hash of <paramref name="of"/>.</summary>
    private static string Draw(string of) => $"(hash({of}) % 1048576)::DOUBLE / 1048576";

    /// <summary>The integer nearest rows · (golden ratio − 1) that is coprime with rows: consecutive rows far apart in time.</summary>
    private static long Multiplier(long rows)
    {
        var candidate = Math.Max(1, (long)(rows * 0.6180339887));
        while (Gcd(candidate, rows) != 1)
        {
            candidate++;
        }
        return candidate;
    }

    private static long Gcd(long a, long b) => b == 0 ? a : Gcd(b, a % b);
}
