using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Pipeline.Local.Bucket;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Local;

/// <summary>An object the product does not load is listed in /local/loads as ignored, saying why and the name it needs.</summary>
public sealed class IgnoredObjectsTest
{
    [Fact]
    public async Task ObjectsWhereTheProductDoesNotLook_AreListedIgnoredWithTheNameTheyNeed()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var stack = await LocalStackHost.StartAsync(services => services.AddSingleton<TimeProvider>(clock));
        const string Csv = "user_id,content_id,read_percent,updated_at\n7,12,95,2022-03-27\n";
        Write(Path.Combine(stack.Options.BucketDir, "user_interactions", "typo.csv"), Csv);
        Write(Path.Combine(stack.Options.BucketDir, "root.csv"), Csv);
        Write(Path.Combine(stack.Options.BucketDir, "user_interaction", "reads"), Csv);
        var upload = await stack.Client.PostAsync("/upload/storage/v1/b/local-bucket/o?uploadType=media&name=notes.txt", new StringContent("hello"));
        upload.EnsureSuccessStatusCode();
        for (var i = 0; i < 4; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            await stack.Services.GetRequiredService<LocalBucketWatcher>().PollAsync(CancellationToken.None);
        }
        var loads = (await stack.Client.GetFromJsonAsync<List<JsonElement>>("/local/loads"))!;

        Assert.Equal(
            [
                ("gs://local-bucket/notes.txt", "not a .csv or .csv.gz and not under user_interaction/ or content_meta/: move it to user_interaction/notes.csv or content_meta/notes.csv"),
                ("gs://local-bucket/root.csv", "not under user_interaction/ or content_meta/: move it to user_interaction/root.csv or content_meta/root.csv"),
                ("gs://local-bucket/user_interaction/reads", "not a .csv or .csv.gz: rename it to user_interaction/reads.csv"),
                ("gs://local-bucket/user_interactions/typo.csv", "not under user_interaction/ or content_meta/ (user_interactions/ is not user_interaction/): move it to user_interaction/typo.csv"),
            ],
            loads.Select(l => (l.GetProperty("object").GetString(), l.GetProperty("error").GetString())));
        Assert.All(loads, l => Assert.Equal(("ignored", ""), (l.GetProperty("status").GetString(), l.GetProperty("target").GetString())));
        Assert.Empty(await stack.InteractionsAsync());
    }

    private static void Write(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }
}
