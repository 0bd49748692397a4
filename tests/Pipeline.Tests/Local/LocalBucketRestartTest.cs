using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Pipeline.Local.Bucket;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Local;

public sealed class LocalBucketRestartTest : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "pipeline-tests", Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task Restart_AnnouncesOnlyObjectsWhoseGenerationHasNoLoadLogRow()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        // First run: a dump dropped before start and one uploaded through the JSON API both load.
        await using (var first = await StartAsync(clock, options => Write(Path.Combine(options.BucketDir, "content_meta", "meta.csv"),
            "content_id,category_name\n12,romance\n")))
        {
            var upload = await first.Client.PostAsync("/upload/storage/v1/b/local-bucket/o?uploadType=media&name=user_interaction%2Freads.csv",
                new StringContent("user_id,pratilipi_id,read_percent,updated_at\n65045,12,95,2022-03-27\n", Encoding.UTF8, "text/csv"));
            upload.EnsureSuccessStatusCode();
            Assert.Equal(2, (await LocalLoads.WaitForAsync(first.Client, count: 2, clock)).Count);
        }
        // Between runs: one dump is rewritten (a new version), one is added, the uploaded one is left alone.
        Write(Path.Combine(_dataDir, "bucket", "content_meta", "meta.csv"), "content_id,category_name\n12,romance\n13,drama\n");
        File.SetLastWriteTimeUtc(Path.Combine(_dataDir, "bucket", "content_meta", "meta.csv"), DateTime.UtcNow.AddMinutes(1));
        Write(Path.Combine(_dataDir, "bucket", "content_meta", "more.csv"), "content_id,category_name\n14,horror\n");

        await using var second = await StartAsync(clock);
        var loads = await LocalLoads.WaitForAsync(second.Client, count: 4, clock);
        for (var i = 0; i < 6; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            await second.Services.GetRequiredService<LocalBucketWatcher>().PollAsync(CancellationToken.None);
        }
        loads = (await second.Client.GetFromJsonAsync<List<JsonElement>>("/local/loads"))!;

        // Four rows: the first run's two, the rewritten dump's new generation and the new dump; no "skipped" row.
        Assert.Equal(4, loads.Count);
        Assert.All(loads, load => Assert.Equal("loaded", load.GetProperty("status").GetString()));
        Assert.Single(loads, l => l.GetProperty("object").GetString() == "gs://local-bucket/user_interaction/reads.csv");
        Assert.Equal(2, loads.Count(l => l.GetProperty("object").GetString() == "gs://local-bucket/content_meta/meta.csv"));
        LocalLoads.Of(loads, "content_meta/more.csv");
    }

    private Task<LocalStackHost> StartAsync(FakeTimeProvider clock, Action<Pipeline.Local.LocalOptions>? prepare = null) =>
        LocalStackHost.StartAsync(services => services.AddSingleton<TimeProvider>(clock), prepare, _dataDir);

    private static void Write(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }
}
