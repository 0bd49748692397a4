using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Pipeline.Domain.Backfill;
using Pipeline.Domain.Rows;
using Pipeline.Local;
using Pipeline.Local.Bucket;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Local;

/// <summary>
/// Many parts dropped at once into the local bucket load in parallel, each exactly once, with nothing refused for
/// lack of room: the same rows and dead letters as loading them one by one.
/// </summary>
public sealed class LocalBurstTest
{
    private const int Dropped = 46;
    private const int Uploaded = 4;
    private const string Uploads = "/upload/storage/v1/b/local-bucket/o";

    [Fact]
    public async Task FiftyPartsDroppedAtOnce_LoadInParallelExactlyOnce_NoneRefused_SameRowsAsOneByOne()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var logs = new FakeLoggerProvider();
        var answers = new ConcurrentBag<int>();
        var running = 0;
        var overlapped = new TaskCompletionSource();
        var backfill = new LocalFunctions().ByName["BackfillCsv"];
        await using var stack = await LocalStackHost.StartAsync(services =>
        {
            services.AddSingleton<TimeProvider>(clock);
            services.AddSingleton<ILoggerProvider>(logs);
            services.AddSingleton(new AnnounceOptions { MaxConcurrentDeliveries = 4 });
            services.AddSingleton(new LocalFunctions
            {
                ByName = new Dictionary<string, RequestDelegate>(new LocalFunctions().ByName)
                {
                    ["BackfillCsv"] = async context =>
                    {
                        if (Interlocked.Increment(ref running) > 1)
                        {
                            overlapped.TrySetResult();
                        }
                        try
                        {
                            // The first deliveries wait (a while, not for ever) for a second one to be under way with them.
                            await Task.WhenAny(overlapped.Task, Task.Delay(TimeSpan.FromSeconds(3)));
                            await backfill(context);
                        }
                        finally
                        {
                            Interlocked.Decrement(ref running);
                            answers.Add(context.Response.StatusCode);
                        }
                    },
                },
            });
        });
        var client = stack.Client;

        // 46 parts written into the directory and 4 uploaded through the JSON API, all at once; one uploaded part is
        // then written again (a new generation) while the burst loads.
        var parts = Enumerable.Range(0, Dropped + Uploaded).ToDictionary(i => $"user_interaction/burst/part-{i:D2}.csv", i => Part(i, version: 1));
        foreach (var (name, content) in parts.Take(Dropped))
        {
            var path = Path.Combine(stack.Options.BucketDir, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, content);
        }
        await Task.WhenAll(parts.Skip(Dropped).Select(p => UploadAsync(client, p.Key, p.Value)));
        var rewritten = parts.Keys.Last();
        var firstVersion = parts[rewritten];
        parts[rewritten] = Part(Dropped + Uploaded - 1, version: 2);
        var newest = await UploadAsync(client, rewritten, parts[rewritten]);

        var loaded = await WaitForLoadedAsync(stack, clock, parts.Count);

        Assert.True(overlapped.Task.IsCompleted, "no two deliveries were ever under way at once");
        Assert.Equal(parts.Count, loaded.Count);
        Assert.All(answers, status => Assert.InRange(status, 200, 299));
        Assert.DoesNotContain(logs.Collector.GetSnapshot(), e => e.Level >= LogLevel.Warning && e.Category == typeof(LocalBucketWatcher).FullName);
        var log = await LoadLogAsync(stack);
        Assert.DoesNotContain(log, e => e.Status == "failed");
        var loads = log.Where(e => e.Status == "loaded").Select(e => (e.Object, Generation: long.Parse(e.Generation, CultureInfo.InvariantCulture))).ToList();
        Assert.Equal(loads.Count, loads.Distinct().Count());
        Assert.Equal(newest, loaded[$"gs://local-bucket/{rewritten}"]);

        // The same parts, at the same generations (the rewritten part's first one too, if it loaded), loaded one by
        // one into a second warehouse.
        await using var oneByOne = new TempWarehouse();
        foreach (var (uri, generation) in loads.OrderBy(l => l.Generation))
        {
            var name = uri["gs://local-bucket/".Length..];
            oneByOne.PutObject(name, Encoding.UTF8.GetBytes(name == rewritten && generation != newest ? firstVersion : parts[name]));
            var outcome = await oneByOne.Backfill.LoadAsync(
                CsvLoad.ForObject(LocalBucketWatcher.BucketName, name, generation, RecordKind.Interaction), CancellationToken.None);
            Assert.Equal(LoadStatus.Loaded, outcome.Status);
        }
        Assert.Equal(Rows(await oneByOne.InteractionsAsync()), Rows(await stack.InteractionsAsync()));
        Assert.Equal(
            (await oneByOne.ErrorsAsync()).Select(d => (d.EventId, d.Payload, d.Error)),
            (await stack.QueryAsync("SELECT event_id, payload, error FROM ingest_errors ORDER BY event_id")).Select(r => ((string)r[0]!, (string)r[1]!, (string)r[2]!)));
    }

    /// <summary>Part <paramref name="index"/>: 100 reads of its own users and one bad row (dead-lettered).</summary>
    private static string Part(int index, int version)
    {
        var text = new StringBuilder("user_id,pratilipi_id,read_percent,updated_at\n");
        for (var j = 0; j < 100; j++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{index * 1000 + j},{j % 17 + version},{(index + j) % 101},2022-03-{j % 28 + 1:D2} 10:00:00\n");
        }
        return text.Append("not-a-user,1,50,2022-03-01\n").ToString();
    }

    private static async Task<long> UploadAsync(HttpClient client, string name, string content)
    {
        var response = await client.PostAsync($"{Uploads}?uploadType=media&name={Uri.EscapeDataString(name)}", new StringContent(content, Encoding.UTF8, "text/csv"));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return long.Parse(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("generation").GetString()!, CultureInfo.InvariantCulture);
    }

    /// <summary>The newest loaded generation of each object, once <paramref name="count"/> objects have one (or 60 s passed).</summary>
    private static async Task<Dictionary<string, long>> WaitForLoadedAsync(LocalStackHost stack, FakeTimeProvider clock, int count)
    {
        var watcher = stack.Services.GetRequiredService<LocalBucketWatcher>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var loaded = (await LoadLogAsync(stack)).Where(e => e.Status == "loaded")
                .GroupBy(e => e.Object).ToDictionary(g => g.Key, g => g.Max(e => long.Parse(e.Generation, CultureInfo.InvariantCulture)));
            if (loaded.Count >= count || DateTime.UtcNow > deadline)
            {
                // Further passes over more time: nothing more is delivered, nothing is retried.
                for (var i = 0; i < 3; i++)
                {
                    clock.Advance(TimeSpan.FromSeconds(1));
                    await watcher.PollAsync(CancellationToken.None);
                }
                return loaded;
            }
            clock.Advance(TimeSpan.FromMilliseconds(500));
            await watcher.PollAsync(CancellationToken.None);
        }
    }

    private static async Task<List<(string Object, string Generation, string Status)>> LoadLogAsync(LocalStackHost stack) =>
        [.. (await stack.QueryAsync("SELECT object, generation, status FROM load_log")).Select(r => ((string)r[0]!, (string)r[1]!, (string)r[2]!))];

    private static List<Interaction> Rows(IEnumerable<Stored<Interaction>> stored) => [.. stored.Select(s => s.Row).OrderBy(r => r.EventId, StringComparer.Ordinal)];
}
