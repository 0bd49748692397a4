using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using Pipeline.Domain;
using Pipeline.Domain.Rows;

namespace Pipeline.Bench.Scenarios;

/// <summary>
/// The seed's scenario: 1000 messages published at once through the Pub/Sub endpoint; the time until the last
/// one is visible to UserContent. Message i is a read of content i, whose only category is cat-i, so the answer
/// has 1000 keys exactly when every message is visible.
/// </summary>
public static class FreshnessScenario
{
    private const long Reader = 777;

    public static async Task<BenchResult> RunAsync(Sizes sizes, string workDir)
    {
        await using var stack = await BenchStack.StartAsync(Path.Combine(workDir, "freshness"));
        var n = sizes.FreshnessMessages;
        var categories = Enumerable.Range(0, n).Select(i => new ContentMeta($"meta-{i}", i, $"cat-{i}", null)).ToList();
        await stack.App.Services.GetRequiredService<IWarehouse>().WriteAsync(new IngestBatch([], categories, [], DateTime.UtcNow), default);
        // Warm the path once, with another reader.
        await PublishAsync(stack, 0, reader: 1);
        await stack.Client.GetStringAsync($"user_content/?user_id={Reader}&query_date=2022-03-27");

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, n).Select(i => PublishAsync(stack, i, Reader)));
        var acked = clock.Elapsed;
        var keys = 0;
        while (keys < n && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            keys = (await stack.Client.GetFromJsonAsync<Dictionary<string, double>>($"user_content/?user_id={Reader}&query_date=2022-03-27"))!.Count;
        }
        var visible = clock.Elapsed;
        var figures = new Dictionary<string, double>
        {
            ["messages"] = n,
            ["all_acknowledged_s"] = acked.TotalSeconds,
            ["last_visible_s"] = visible.TotalSeconds,
            ["visible_messages"] = keys,
            ["peak_rss_mb"] = Rss.PeakMegabytes(),
        };
        return new BenchResult("freshness", figures,
        [
            Target.AtMost(figures, "last_visible_s", 0.5),
            Target.AtLeast(figures, "visible_messages", n),
            Target.AtMost(figures, "peak_rss_mb", 2048),
        ], "publish calls run concurrently, one message each; the seed reports 5-10 s for the same");
    }

    private static async Task PublishAsync(BenchStack stack, int content, long reader)
    {
        var record = $$"""{"user_id":{{reader}},"content_id":{{content}},"read_percent":95,"updated_at":"2022-03-27 10:00:00"}""";
        var body = new { messages = new[] { new { data = Convert.ToBase64String(Encoding.UTF8.GetBytes(record)) } } };
        using var response = await stack.Client.PostAsJsonAsync("v1/projects/bench/topics/user-interaction:publish", body);
        response.EnsureSuccessStatusCode();
    }
}
