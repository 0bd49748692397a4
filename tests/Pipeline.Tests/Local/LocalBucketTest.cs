using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Local;

public sealed class LocalBucketTest
{
    [Fact]
    public async Task DumpsDroppedIntoTheBucket_BecomeQueryableWithNoOtherStep()
    {
        // One dump is there before start-up, the other arrives while the stack runs. The watcher polls on the
        // stack's clock, which the test moves instead of waiting for it.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var stack = await LocalStackHost.StartAsync(services => services.AddSingleton<TimeProvider>(clock), options =>
            Write(Path.Combine(options.BucketDir, "content_meta", "meta.csv"), "pratilipi_id,category_name\n12,romance\n13,drama\n"));
        var client = stack.Client;
        Write(Path.Combine(stack.Options.BucketDir, "user_interaction", "2022", "reads.csv"),
            "user_id,pratilipi_id,read_percent,updated_at\n65045,12,95,2022-03-27 10:00:00\n65045,13,99,2022-03-20\n65045,13,50,2022-03-21\n");
        var loads = await WaitForLoadsAsync(client, clock, count: 2);

        Assert.All(loads, load => Assert.Equal("loaded", load.GetProperty("status").GetString()));
        var reads = loads.Single(l => l.GetProperty("target").GetString() == "user_interaction");
        Assert.Equal("gs://local-bucket/user_interaction/2022/reads.csv", reads.GetProperty("object").GetString());
        Assert.Equal(3, reads.GetProperty("rows_loaded").GetInt64());
        Assert.Equal(0, reads.GetProperty("rows_rejected").GetInt64());
        Assert.Equal(JsonValueKind.Null, reads.GetProperty("error").ValueKind);
        Assert.True(long.Parse(reads.GetProperty("generation").GetString()!) > 0);
        var shares = await client.GetFromJsonAsync<Dictionary<string, double>>("/user_content/?user_id=65045&query_date=2022-03-27");
        Assert.Equal(new Dictionary<string, double> { ["romance"] = 0.5, ["drama"] = 0.5 }, shares);
    }

    private static void Write(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    /// <summary>Moves the clock one poll at a time (a file is delivered once it stood still over one poll) until the loads are there.</summary>
    private static async Task<List<JsonElement>> WaitForLoadsAsync(HttpClient client, FakeTimeProvider clock, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var loads = (await client.GetFromJsonAsync<List<JsonElement>>("/local/loads"))!;
            if (loads.Count >= count || DateTime.UtcNow > deadline)
            {
                return loads;
            }
            clock.Advance(TimeSpan.FromMilliseconds(500));
            await Task.Delay(20);
        }
    }
}
