using System.Net.Http.Json;
using Pipeline.Local.Demo;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Local;

public sealed class DemoTest
{
    [Fact]
    public async Task Demo_MakesTheSeedUrlAnswerWithSharesThatSumToOne()
    {
        await using var stack = await LocalStackHost.StartAsync();
        await stack.Services.GetRequiredService<DemoLoader>().LoadAsync(new DemoDataset(), default);

        var shares = await stack.Client.GetFromJsonAsync<Dictionary<string, double>>("/user_content/?user_id=65045&query_date=2022-03-27");

        Assert.True(shares!.Count >= 10, $"only {shares.Count} categories");
        Assert.All(shares.Keys, category => Assert.Contains(category, DemoDataset.Categories));
        Assert.Equal(1.0, shares.Values.Sum(), 9);
        // The bucket watcher may see the demo dumps too; it can only skip them (same generations).
        var loads = await stack.QueryAsync("SELECT object, status, rows_loaded FROM load_log WHERE status <> 'skipped' ORDER BY object");
        Assert.Equal(2, loads.Count);
        Assert.Equal(["gs://local-bucket/content_meta/demo-content-meta.csv", "loaded"], loads[0][..2]);
        Assert.Equal(["gs://local-bucket/user_interaction/demo-user-interaction.csv", "loaded", (long)DemoDataset.InteractionCount], loads[1]);
    }

    [Fact]
    public async Task DemoRestart_AddsNoLoadLogRows()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "pipeline-tests", Guid.NewGuid().ToString("N"));
        try
        {
            await using (var first = await LocalStackHost.StartAsync(dataDir: dataDir))
            {
                await first.Services.GetRequiredService<DemoLoader>().LoadAsync(new DemoDataset(), default);
            }
            await using var second = await LocalStackHost.StartAsync(dataDir: dataDir);
            var before = await second.QueryAsync("SELECT count(*) FROM load_log");

            await second.Services.GetRequiredService<DemoLoader>().LoadAsync(new DemoDataset(), default);

            Assert.Equal(before, await second.QueryAsync("SELECT count(*) FROM load_log"));
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public void DemoReaders_AreAsManyAsTheReadmeSays()
    {
        var readers = new DemoDataset().Interactions().Select(i => i.UserId).Distinct().Count();

        Assert.Contains($" {readers} readers", Repository.Read("README.md"));
    }
}
