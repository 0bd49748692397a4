using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Pipeline.Local;
using Pipeline.Local.Bucket;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Local;

/// <summary>The local bucket's announcements are retried a bounded number of times, and giving up is logged.</summary>
public sealed class BucketWatcherRetryTest
{
    [Fact]
    public async Task BackfillThatNeverAcknowledges_IsRetriedMaxAttemptsThenLoggedAsAnError()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var logs = new FakeLoggerProvider();
        var deliveries = 0;
        await using var stack = await LocalStackHost.StartAsync(services =>
        {
            services.AddSingleton<TimeProvider>(clock);
            services.AddSingleton<ILoggerProvider>(logs);
            services.AddSingleton(new AnnounceOptions { MaxAttempts = 3 });
            services.AddSingleton(new LocalFunctions
            {
                ByName = new Dictionary<string, RequestDelegate>(new LocalFunctions().ByName)
                {
                    ["BackfillCsv"] = context =>
                    {
                        Interlocked.Increment(ref deliveries);
                        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                        return Task.CompletedTask;
                    },
                },
            });
        }, options =>
        {
            Directory.CreateDirectory(Path.Combine(options.BucketDir, "content_meta"));
            File.WriteAllText(Path.Combine(options.BucketDir, "content_meta", "meta.csv"), "content_id,category_name\n12,romance\n");
        });
        var watcher = stack.Services.GetRequiredService<LocalBucketWatcher>();

        // Far more polls, over far more time, than the three attempts need (2 s, then 4 s apart).
        for (var i = 0; i < 40; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(30));
            await watcher.PollAsync(CancellationToken.None);
        }

        Assert.Equal(3, deliveries);
        var gaveUp = Assert.Single(logs.Collector.GetSnapshot(), e => e.Level == LogLevel.Error && e.Category == typeof(LocalBucketWatcher).FullName);
        Assert.Contains("gs://local-bucket/content_meta/meta.csv#", gaveUp.Message);
        Assert.Contains("3 attempts", gaveUp.Message);
        Assert.Contains("last answer 503", gaveUp.Message);
        Assert.Contains("write the file again", gaveUp.Message);
    }
}
