using Microsoft.Extensions.Time.Testing;
using Pipeline.Tests.Fixtures;
using Pipeline.Warehouse.BigQuery;
using Pipeline.Warehouse.BigQuery.Rest;

namespace Pipeline.Tests.BigQuery;

/// <summary>A running job is polled once a second by the injected clock: the test moves a fake clock instead of waiting.</summary>
public sealed class JobPollingTest
{
    [Fact]
    public async Task RunningJob_IsPolledEachSecondOfTheClockUntilDone()
    {
        var clock = new FakeTimeProvider(BigQueryFunctions.Now);
        await using var bigQuery = await FakeBigQuery.StartAsync();
        bigQuery.Script("GET", "/jobs/j1", 200, Job("RUNNING"));
        bigQuery.Script("GET", "/jobs/j1", 200, Job("DONE"));
        // The fake clock times the polls only: the HTTP pipeline's retries and time budget keep real time, since
        // moving a clock under a request in flight would time it out.
        await using var services = new ServiceCollection().AddLogging().AddBigQueryWarehouse(BigQueryFunctions.Options(bigQuery)).BuildServiceProvider();
        var client = new BigQueryRestClient(services.GetRequiredService<IHttpClientFactory>(), clock);

        var waiting = client.WaitForJobAsync(new Job(new JobReference("proj", "j1", "EU"), null, new JobStatus("RUNNING", null, null)), default);
        clock.Advance(TimeSpan.FromMilliseconds(999));
        await Task.Delay(100);
        Assert.Empty(bigQuery.Calls("GET", "/jobs/j1"));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!waiting.IsCompleted && DateTime.UtcNow < deadline)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(waiting, Task.Delay(20));
        }

        Assert.Equal("DONE", (await waiting).Status!.State);
        Assert.Equal(2, bigQuery.Calls("GET", "/jobs/j1").Count);
    }

    private static string Job(string state) =>
        $$$"""{"jobReference":{"projectId":"proj","jobId":"j1","location":"EU"},"status":{"state":"{{{state}}}"}}""";
}
