using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DuckDB.NET.Data;
using Pipeline.Domain.Query;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.UserContent;

/// <summary>
/// A dataset small enough to check by hand, ingested through the local stack's Pub/Sub endpoint and asked for
/// through /user_content/. Each read below is there to pin one rule of the answer (docs/semantics.md).
/// </summary>
public sealed class UserContentGoldenTest
{
    [Fact]
    public async Task GoldenDataset_AnswersTheHandComputedShares()
    {
        await using var stack = await LocalStackHost.StartAsync();
        var client = stack.Client;
        await PublishAsync(client, "content-meta",
            """{"content_id": 1, "category_name": "romance"}""",
            """[{"content_id": 2, "category_name": "romance"}, {"content_id": 2, "category_name": "drama"}, {"content_id": 2, "category_name": "family"}]""",
            """{"content_id": 3, "category_name": "horror"}""",
            """{"pratilipi_id": 3, "category_name": "horror"}""",
            """{"content_id": 5, "category_name": "crime"}""");
        await PublishAsync(client, "user-interaction",
            Read(1, "2022-03-13 00:00:00", 95),          // first date's first second: in          → romance
            Read(1, "2022-03-12 23:59:59", 95),          // one second before the window: out
            Read(5, "2022-03-27 23:59:59", 95),          // query date's last second: in           → crime
            Read(5, "2022-03-28 00:00:00", 95),          // one second after the window: out
            Read(1, "2022-03-13T01:00:00+02:00", 95),    // 2022-03-12 23:00 UTC: out
            Read(5, "2022-03-28T01:00:00+05:00", 95),    // 2022-03-27 20:00 UTC: in               → crime
            Read(1, "2022-03-20", 90),                   // 90 is not "over 90": out
            Read(1, "2022-03-20", 90.01),                // in                                     → romance
            Read(2, "2022-03-20", 100),                  // three categories: once in each         → romance, drama, family
            Read(3, "2022-03-21", 95),                   // duplicated (content, category) pair    → horror once
            Read(4, "2022-03-21", 95),                   // content without metadata: nowhere
            Read(5, "2022-03-21", 95, userId: 8));       // another reader: out
        // The same message delivered again (Eventarc redelivery) must not count twice.
        var redelivery = Fixtures.Messages.PubSub(Read(2, "2022-03-22", 100), "redelivered-1");
        await client.SendAsync(redelivery.ToHttpRequestMessage("/functions/IngestInteraction"));
        await client.SendAsync(redelivery.ToHttpRequestMessage("/functions/IngestInteraction"));

        var shares = await client.GetFromJsonAsync<Dictionary<string, double>>("/user_content/?user_id=7&query_date=2022-03-27");

        // romance 4 (reads of 1, 1, 2, redelivered 2), crime 2, drama 2, family 2, horror 1: 11 in all.
        Assert.Equal(new Dictionary<string, double>
        {
            ["romance"] = 4 / 11.0, ["crime"] = 2 / 11.0, ["drama"] = 2 / 11.0, ["family"] = 2 / 11.0, ["horror"] = 1 / 11.0,
        }, shares);
    }

    [Fact]
    public async Task DuplicatedRowsInAnExistingTable_CountOnce()
    {
        // A user may point the product at tables it did not create, without a primary key; an at-least-once
        // loader may have written an event twice. The query still counts each event_id once.
        var store = new TempWarehouse();
        await using (store)
        {
            Directory.CreateDirectory(store.Directory);
            await using (var connection = new DuckDBConnection(store.Options.ConnectionString))
            {
                await connection.OpenAsync();
                await using var command = connection.CreateCommand();
                command.CommandText = """
                    CREATE TABLE user_interaction (event_id VARCHAR, user_id BIGINT, content_id BIGINT, read_percent DOUBLE, updated_at TIMESTAMP, ingested_at TIMESTAMP);
                    CREATE TABLE content_meta (event_id VARCHAR, content_id BIGINT, category_name VARCHAR, updated_at TIMESTAMP, ingested_at TIMESTAMP);
                    INSERT INTO user_interaction VALUES
                        ('e1', 7, 1, 95, '2022-03-20', now()), ('e1', 7, 1, 95, '2022-03-20', now()),
                        ('e2', 7, 2, 95, '2022-03-20', now());
                    INSERT INTO content_meta VALUES ('c1', 1, 'romance', NULL, now()), ('c2', 2, 'drama', NULL, now());
                    """;
                await command.ExecuteNonQueryAsync();
            }

            var window = new ReadingWindow(7, new DateOnly(2022, 3, 27));
            var bySql = await store.Serving.CountCategoriesBySqlAsync(window, default);
            await store.Serving.PrepareAsync();
            var fromMemory = await store.Warehouse.CountCategoriesAsync(window, default);

            Assert.Equal([new CategoryCount("drama", 1), new CategoryCount("romance", 1)], bySql.OrderBy(c => c.Category));
            Assert.Equal([new CategoryCount("drama", 1), new CategoryCount("romance", 1)], fromMemory.OrderBy(c => c.Category));
            Assert.False(store.Serving.ServesFromMemory);
            Assert.Contains("stored twice", store.Serving.ServingFromMemoryRefused);
        }
    }

    private static string Read(long contentId, string updatedAt, double readPercent, long userId = 7) =>
        JsonSerializer.Serialize(new { user_id = userId, content_id = contentId, read_percent = readPercent, updated_at = updatedAt });

    private static async Task PublishAsync(HttpClient client, string topic, params string[] records)
    {
        var messages = records.Select(r => new { data = Convert.ToBase64String(Encoding.UTF8.GetBytes(r)) });
        var response = await client.PostAsJsonAsync($"/v1/projects/demo/topics/{topic}:publish", new { messages });
        response.EnsureSuccessStatusCode();
    }
}
