using System.Net.Http.Json;
using CsCheck;
using Pipeline.Domain;
using Pipeline.Domain.Rows;
using Pipeline.Functions.Testing;
using Pipeline.Functions.UserContent;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.UserContent;

/// <summary>
/// Random raw rows — a few users, contents, categories and dates around the window's edges, redeliveries stored twice,
/// duplicated category pairs — and the endpoint's answer compared with counts computed here from the same rows.
/// </summary>
public sealed class UserContentPropertyTest
{
    private static readonly DateTime s_origin = new(2022, 3, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly double[] s_percents = [0, 50, 89.99, 90, 90.01, 95, 100];

    /// <summary>Distinct events; redeliveries are added as exact copies of some of them.</summary>
    private static readonly Gen<List<Interaction>> s_deliveries =
        Gen.Select(
                Gen.Select(Gen.Long[1, 3], Gen.Long[1, 8], Gen.Int[0, s_percents.Length - 1], Gen.Int[0, 40 * 24 * 3600]).List[0, 50],
                Gen.Int[0, 1000].List[0, 15])
            .Select((events, redelivered) =>
            {
                var rows = events.Select((e, i) => new Interaction($"e{i}", e.Item1, e.Item2, s_percents[e.Item3], s_origin.AddSeconds(e.Item4))).ToList();
                return rows.Count == 0 ? rows : [.. rows, .. redelivered.Select(i => rows[i % rows.Count])];
            });

    /// <summary>Category rows with distinct event ids; the same (content, category) pair may occur several times.</summary>
    private static readonly Gen<List<ContentMeta>> s_categories =
        Gen.Select(Gen.Long[1, 7], Gen.Int[0, 3]).List[0, 20]
            .Select(pairs => pairs.Select((p, i) => new ContentMeta($"c{i}", p.Item1, "abcd"[p.Item2].ToString(), null)).ToList());

    [Fact]
    public async Task Endpoint_MatchesCountsComputedFromRawRows()
    {
        await Gen.Select(s_deliveries, s_categories, Gen.Long[1, 3], Gen.Int[0, 39])
            .SampleAsync(async (interactions, categories, userId, dayOffset) =>
            {
                var queryDate = DateOnly.FromDateTime(s_origin).AddDays(dayOffset);
                var expected = Expected(interactions, categories, userId, queryDate);

                var actual = await AskAsync(interactions, categories, userId, queryDate);

                Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
                foreach (var (category, share) in expected)
                {
                    Assert.Equal(share, actual[category], 12);
                }
            }, iter: 60, threads: 1);
    }

    private static Dictionary<string, double> Expected(
        List<Interaction> interactions, List<ContentMeta> categories, long userId, DateOnly queryDate)
    {
        var first = queryDate.AddDays(-14);
        var reads = interactions
            .DistinctBy(r => r.EventId)
            .Where(r => r.UserId == userId && r.ReadPercent > 90)
            .Where(r => DateOnly.FromDateTime(r.UpdatedAt) >= first && DateOnly.FromDateTime(r.UpdatedAt) <= queryDate);
        var pairs = categories.Select(c => (c.ContentId, c.CategoryName)).Distinct().ToList();
        var counts = reads
            .SelectMany(r => pairs.Where(p => p.ContentId == r.ContentId).Select(p => p.CategoryName))
            .GroupBy(name => name)
            .ToDictionary(g => g.Key, g => g.Count());
        var total = counts.Values.Sum();
        return counts.ToDictionary(kv => kv.Key, kv => (double)kv.Value / total);
    }

    private static async Task<Dictionary<string, double>> AskAsync(
        List<Interaction> interactions, List<ContentMeta> categories, long userId, DateOnly queryDate)
    {
        await using var store = new TempWarehouse();
        await store.Warehouse.WriteAsync(new IngestBatch([], categories, [], DateTime.UtcNow), default);
        // Every delivery as a row, redeliveries included, straight into the table (as an at-least-once loader
        // outside this product could leave it): counting each event_id once is the query's job.
        await using (var connection = await store.Database.OpenReaderAsync(default))
        using (var appender = connection.CreateAppender(null, null, "user_interaction"))
        {
            foreach (var r in interactions)
            {
                appender.CreateRow().AppendValue(r.EventId).AppendValue(r.UserId).AppendValue(r.ContentId)
                    .AppendValue(r.ReadPercent).AppendValue(r.UpdatedAt).AppendValue(DateTime.UtcNow).EndRow();
            }
        }
        // Built from the table as it now is: from memory when each event id is stored once, by the SQL when a
        // redelivery was stored twice — exact either way.
        await store.Serving.PrepareAsync();
        var finished = interactions.Where(r => r.ReadPercent > 90).ToList();
        Assert.Equal(finished.DistinctBy(r => r.EventId).Count() == finished.Count, store.Serving.ServesFromMemory);
        await using var server = await FunctionTestServer<UserContentFunction>.StartAsync(services => services.AddSingleton<IWarehouse>(store.Warehouse));
        using var client = server.CreateClient();
        return (await client.GetFromJsonAsync<Dictionary<string, double>>($"/user_content/?user_id={userId}&query_date={queryDate:yyyy-MM-dd}"))!;
    }
}
