using CsCheck;
using Pipeline.Domain.Query;
using Pipeline.Domain.Rows;
using Pipeline.Tests.Fixtures;
using Pipeline.Warehouse.BigQuery;
using Pipeline.Warehouse.BigQuery.Rest;

namespace Pipeline.Tests.GoogleSql;

/// <summary>
/// The production UserContent text for BigQuery (<see cref="UserContentSql.BigQuery"/>), run by GoogleSQL's reference
/// evaluator over the DDL's tables: it gives the hand-computed answer, and the same counts as the DuckDB text
/// (<see cref="UserContentSql.DuckDb"/>, through <c>DuckDbWarehouse.CountCategoriesAsync</c>) on the same raw rows.
/// </summary>
[Collection(ZetaSqlCollection.Name)]
public sealed class UserContentSemanticsTest(ZetaSqlEngine engine)
{
    private static readonly TableReference s_interactions = new("proj", "ds", "user_interaction");
    private static readonly TableReference s_contentMeta = new("proj", "ds", "content_meta");
    private static readonly DateTime s_ingestedAt = new(2022, 4, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime s_origin = new(2022, 3, 1, 0, 0, 0, DateTimeKind.Utc);

    private static readonly long[] s_users = [7, 9_007_199_254_740_993, long.MaxValue];
    // 2^53 and 2^53 + 1 are one double: ids must stay integers all the way. The last content never has metadata.
    private static readonly long[] s_contents = [1, 2, 9_007_199_254_740_992, 9_007_199_254_740_993, long.MaxValue, 4242];
    private static readonly double[] s_percents = [0, 89.99, 90, Math.BitIncrement(90), 90.01, 100];
    private static readonly string[] s_categoryNames = ["romance", "drama", "horror", "crime"];

    [Fact]
    public async Task GoldenDataset_ReferenceEvaluatorGivesTheHandComputedShares()
    {
        // The rows UserContentGoldenTest ingests through the local stack (its data is inline in that test, so it is
        // restated here as stored rows), for user 7 and query date 2022-03-27: the window is 2022-03-13 … 2022-03-27.
        DateTime At(string utc) => DateTime.SpecifyKind(DateTime.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc);
        List<ContentMeta> categories =
        [
            new("c1", 1, "romance", null),
            new("c2", 2, "romance", null), new("c3", 2, "drama", null), new("c4", 2, "family", null),
            new("c5", 3, "horror", null),
            new("c6", 3, "horror", null), // the same pair again (the record that says pratilipi_id)
            new("c7", 5, "crime", null),
        ];
        List<Interaction> interactions =
        [
            new("e1", 7, 1, 95, At("2022-03-13 00:00:00")),   // first date's first second: in    → romance
            new("e2", 7, 1, 95, At("2022-03-12 23:59:59")),   // one second before the window: out
            new("e3", 7, 5, 95, At("2022-03-27 23:59:59")),   // query date's last second: in     → crime
            new("e4", 7, 5, 95, At("2022-03-28 00:00:00")),   // one second after the window: out
            new("e5", 7, 1, 95, At("2022-03-12 23:00:00")),   // 2022-03-13T01:00:00+02:00: out
            new("e6", 7, 5, 95, At("2022-03-27 20:00:00")),   // 2022-03-28T01:00:00+05:00: in    → crime
            new("e7", 7, 1, 90, At("2022-03-20 00:00:00")),   // 90 is not "over 90": out
            new("e8", 7, 1, 90.01, At("2022-03-20 00:00:00")), // in                              → romance
            new("e9", 7, 2, 100, At("2022-03-20 00:00:00")),  // three categories, once in each   → romance, drama, family
            new("e10", 7, 3, 95, At("2022-03-21 00:00:00")),  // duplicated pair                  → horror once
            new("e11", 7, 4, 95, At("2022-03-21 00:00:00")),  // content without metadata: nowhere
            new("e12", 8, 5, 95, At("2022-03-21 00:00:00")),  // another reader: out
            // A redelivered event stored twice (the golden test's idempotent ingest stores it once): counted once.
            new("redelivered-1", 7, 2, 100, At("2022-03-22 00:00:00")),
            new("redelivered-1", 7, 2, 100, At("2022-03-22 00:00:00")),
        ];

        var counts = await ReferenceCountsAsync(interactions, categories, new ReadingWindow(7, new DateOnly(2022, 3, 27)));
        var shares = CategoryShares.From(counts.Select(c => new CategoryCount(c.Key, c.Value)).ToList());

        // romance 4 (reads of 1, 1, 2, redelivered 2), crime 2, drama 2, family 2, horror 1: 11 in all.
        Assert.Equal(new Dictionary<string, long> { ["romance"] = 4, ["crime"] = 2, ["drama"] = 2, ["family"] = 2, ["horror"] = 1 }, counts);
        Assert.Equal(new Dictionary<string, double>
        {
            ["romance"] = 4 / 11.0, ["crime"] = 2 / 11.0, ["drama"] = 2 / 11.0, ["family"] = 2 / 11.0, ["horror"] = 1 / 11.0,
        }, shares.ToDictionary());
    }

    /// <summary>
    /// An event: user, content and percentage (indices into the arrays above), an instant (<see cref="Instant"/>),
    /// and whether it was delivered twice (the second copy is another row with the same event_id).
    /// </summary>
    private static readonly Gen<(int User, int Content, int Percent, int Edge, long Offset, bool Twice)> s_event =
        Gen.Select(Gen.Int[0, s_users.Length - 1], Gen.Int[0, s_contents.Length - 1], Gen.Int[0, s_percents.Length - 1],
            Gen.Int[0, 5], Gen.Long[0, ReadingWindow.Days * 86_400_000_000L - 1], Gen.Int[0, 3])
        .Select((user, content, percent, edge, offset, twice) => (user, content, percent, edge, offset, twice == 0));

    /// <summary>Category rows (content without the last, category); pairs repeat often with these few values.</summary>
    private static readonly Gen<List<(int Content, int Category)>> s_pairs =
        Gen.Select(Gen.Int[0, s_contents.Length - 2], Gen.Int[0, s_categoryNames.Length - 1]).List[0, 12];

    [Fact]
    public async Task RandomRows_ReferenceEvaluatorAgreesWithDuckDb()
    {
        await using var store = new TempWarehouse();
        var catalog = await Catalog();
        var answered = 0;
        var iterations = 0;

        await Gen.Select(s_event.List[0, 30], s_pairs, Gen.Int[0, s_users.Length - 1], Gen.Int[0, 30])
            .SampleAsync(async (events, pairs, user, day) =>
            {
                var window = new ReadingWindow(s_users[user], DateOnly.FromDateTime(s_origin).AddDays(day));
                var interactions = events.SelectMany((e, i) =>
                {
                    var row = new Interaction($"e{i}", s_users[e.User], s_contents[e.Content], s_percents[e.Percent], Instant(window, e.Edge, e.Offset));
                    return e.Twice ? new[] { row, row } : [row];
                }).ToList();
                var categories = pairs.Select((p, i) => new ContentMeta($"c{i}", s_contents[p.Content], s_categoryNames[p.Category], null)).ToList();

                var expected = await ReferenceCountsAsync(interactions, categories, window, catalog);
                var actual = await DuckDbCountsAsync(store, interactions, categories, window);

                // Expected: GoogleSQL's reference evaluator; actual: DuckDB.
                Assert.Equal(expected.OrderBy(c => c.Key), actual.OrderBy(c => c.Key));
                iterations++;
                if (expected.Count > 0)
                {
                    answered++;
                }
            }, iter: 150, threads: 1);

        // Not vacuous: a good share of the samples count something (about a third do; a sixth is a safe floor for a
        // random seed, which varies from run to run).
        Assert.True(answered > iterations / 6, $"only {answered} of {iterations} samples had reads to count");
    }

    /// <summary>
    /// The instant of an event: on or just outside the window's edges — the first date's 00:00:00.000000 (in) and
    /// one microsecond before (out), the query date's 23:59:59.999999 (in) and the next midnight (out) — or anywhere
    /// inside, or up to the window's length before or after it.
    /// </summary>
    private static DateTime Instant(ReadingWindow window, int edge, long offsetMicroseconds) => edge switch
    {
        0 => window.FromUtc.AddMicroseconds(-1),
        1 => window.FromUtc,
        2 => window.UntilUtc.AddMicroseconds(-1),
        3 => window.UntilUtc,
        4 => window.FromUtc.AddMicroseconds(offsetMicroseconds),
        _ => offsetMicroseconds % 2 == 0
            ? window.FromUtc.AddMicroseconds(-1 - offsetMicroseconds / 2)
            : window.UntilUtc.AddMicroseconds(offsetMicroseconds / 2),
    };

    private async Task<BigQueryCatalog> Catalog() => (await BigQueryCatalog.FromDdlAsync(engine)).WithDdlTablesIn("proj", "ds");

    private async Task<Dictionary<string, long>> ReferenceCountsAsync(
        List<Interaction> interactions, List<ContentMeta> categories, ReadingWindow window, BigQueryCatalog? catalog = null)
    {
        catalog ??= await Catalog();
        var sql = UserContentSql.BigQuery(BigQueryOptions.Sql(s_interactions), BigQueryOptions.Sql(s_contentMeta));
        var interactionsTable = $"{s_interactions.ProjectId}.{s_interactions.DatasetId}.{s_interactions.TableId}";
        var contentMetaTable = $"{s_contentMeta.ProjectId}.{s_contentMeta.DatasetId}.{s_contentMeta.TableId}";
        var tables = new Dictionary<string, IReadOnlyList<object?[]>>
        {
            [interactionsTable] = interactions.Select(r => Row(catalog, interactionsTable, new()
            {
                ["event_id"] = r.EventId, ["user_id"] = r.UserId, ["content_id"] = r.ContentId, ["read_percent"] = r.ReadPercent,
                ["updated_at"] = r.UpdatedAt, ["ingested_at"] = s_ingestedAt,
            })).ToList(),
            [contentMetaTable] = categories.Select(c => Row(catalog, contentMetaTable, new()
            {
                ["event_id"] = c.EventId, ["content_id"] = c.ContentId, ["category_name"] = c.CategoryName,
                ["updated_at"] = c.UpdatedAt, ["ingested_at"] = s_ingestedAt,
            })).ToList(),
        };
        var parameters = new Dictionary<string, object>
        {
            [UserContentSql.UserId] = window.UserId,
            [UserContentSql.From] = window.FromUtc,
            [UserContentSql.Until] = window.UntilUtc,
            [UserContentSql.FinishedAbove] = ReadingWindow.FinishedAbovePercent,
        };

        var result = await engine.EvaluateQueryAsync(sql, catalog, tables, parameters);

        return result.Rows.ToDictionary(r => (string)r[0]!, r => (long)r[1]!);
    }

    /// <summary>Every row stored as given — redeliveries twice, as an at-least-once loader could leave them — then DuckDB's count.</summary>
    private static async Task<Dictionary<string, long>> DuckDbCountsAsync(
        TempWarehouse store, List<Interaction> interactions, List<ContentMeta> categories, ReadingWindow window)
    {
        await using (var connection = await store.Database.OpenReaderAsync(default))
        {
            await using (var clear = connection.CreateCommand())
            {
                clear.CommandText = $"DELETE FROM {store.Options.Tables.Interactions}; DELETE FROM {store.Options.Tables.ContentMeta};";
                await clear.ExecuteNonQueryAsync();
            }
            using (var appender = connection.CreateAppender(null, null, store.Options.Tables.Interactions))
            {
                foreach (var r in interactions)
                {
                    appender.CreateRow().AppendValue(r.EventId).AppendValue(r.UserId).AppendValue(r.ContentId)
                        .AppendValue(r.ReadPercent).AppendValue(r.UpdatedAt).AppendValue(s_ingestedAt).EndRow();
                }
            }
            using (var appender = connection.CreateAppender(null, null, store.Options.Tables.ContentMeta))
            {
                foreach (var c in categories)
                {
                    appender.CreateRow().AppendValue(c.EventId).AppendValue(c.ContentId).AppendValue(c.CategoryName)
                        .AppendNullValue().AppendValue(s_ingestedAt).EndRow();
                }
            }
        }
        var counts = await store.Serving.CountCategoriesBySqlAsync(window, default);
        return counts.ToDictionary(c => c.Category, c => c.Count);
    }

    /// <summary>A row in the catalog's column order, from values by column name (every column must be given).</summary>
    private static object?[] Row(BigQueryCatalog catalog, string table, Dictionary<string, object?> values)
    {
        var columns = catalog.ColumnsOf(table);
        Assert.Equal(columns.Select(c => c.Name).Order(), values.Keys.Order());
        return columns.Select(c => values[c.Name]).ToArray();
    }
}
