using System.Net.Http.Json;
using System.Text;
using Pipeline.Domain;
using Pipeline.Domain.Rows;
using Pipeline.Local.PubSub;
using Pipeline.Tests.Fixtures;
using Pipeline.Warehouse.DuckDb;
using Xunit.Abstractions;

namespace Pipeline.Tests.Reliability;

/// <summary>
/// Under load, the warehouse fails before writing, fails after writing, throttles and stalls; the functions answer
/// 5xx, the local Pub/Sub redelivers, and in the end every message is stored once and the query counts it once.
/// </summary>
public sealed class TransientFaultTest(ITestOutputHelper output)
{
    public const int Messages = 600;

    [Fact]
    public async Task FaultsUnderLoad_EveryMessageLandsOnceAndCountsOnce()
    {
        await using var stack = await LocalStackHost.StartAsync(services =>
        {
            services.AddSingleton(new DeliveryOptions { MaxAttempts = 30, Backoff = new(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(20)) });
            services.AddSingleton(provider =>
                new FaultyWarehouse(provider.GetRequiredService<DuckDbWarehouse>(), seed: 7, failBefore: 0.3, failAfter: 0.2, slow: 0.1));
            services.AddSingleton<IWarehouse>(provider => provider.GetRequiredService<FaultyWarehouse>());
        });
        var client = stack.Client;
        var duckDb = stack.Services.GetRequiredService<DuckDbWarehouse>();
        await duckDb.WriteAsync(new IngestBatch([], Enumerable.Range(0, Messages).Select(i => new ContentMeta($"meta-{i}", i, $"cat-{i}", null)).ToList(), [], DateTime.UtcNow), default);

        var batches = Enumerable.Range(0, Messages / 10).Select(async b =>
        {
            var messages = Enumerable.Range(b * 10, 10).Select(i => new
            {
                data = Convert.ToBase64String(Encoding.UTF8.GetBytes($$"""{"user_id":42,"content_id":{{i}},"read_percent":99,"updated_at":"2022-03-20"}""")),
            });
            var response = await client.PostAsJsonAsync("/v1/projects/demo/topics/user-interaction:publish", new { messages });
            response.EnsureSuccessStatusCode();
            return (await response.Content.ReadFromJsonAsync<PublishResponse>())!.MessageIds;
        });
        var ids = (await Task.WhenAll(batches)).SelectMany(i => i).ToList();

        var faulty = stack.Services.GetRequiredService<FaultyWarehouse>();
        var kept = await stack.Services.GetRequiredService<UndeliveredMessageStore>().ListAsync(default);
        var stored = await TempWarehouse.QueryAsync(stack.Services.GetRequiredService<DuckDbDatabase>(), "SELECT event_id, count(*) FROM user_interaction GROUP BY event_id");
        var shares = await client.GetFromJsonAsync<Dictionary<string, double>>("/user_content/?user_id=42&query_date=2022-03-27");
        output.WriteLine($"messages: {Messages}, writes attempted: {faulty.Writes}, faults injected: {faulty.FaultsInjected}, dead-lettered: {kept.Count}, stored: {stored.Count}");

        Assert.True(faulty.FaultsInjected > Messages / 4, "the faults must really have happened");
        Assert.Empty(kept);
        Assert.Equal(ids.Order(), stored.Select(r => (string)r[0]!).Order());
        Assert.All(stored, r => Assert.Equal(1L, (long)r[1]!));
        Assert.Equal(Messages, shares!.Count);
        Assert.All(shares.Values, share => Assert.Equal(1.0 / Messages, share, 12));
    }
}
