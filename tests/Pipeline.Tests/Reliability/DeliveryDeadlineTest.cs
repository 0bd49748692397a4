using System.Net;
using Microsoft.Extensions.Time.Testing;
using Pipeline.Functions.IngestInteraction;
using Pipeline.Functions.Testing;
using Pipeline.Ingestion;
using Pipeline.Tests.Fixtures;
using Pipeline.Warehouse.BigQuery;
using Xunit.Abstractions;

namespace Pipeline.Tests.Reliability;

/// <summary>
/// A failing BigQuery gets a 5xx back to the event source within BIGQUERY_RETRY_BUDGET_SECONDS + 2 s, however its
/// failures combine (retries inside a call, resends of rows it did not take), well before the trigger's 60 s ack
/// deadline. The function runs on a fake clock that the test moves in small steps, so the time is the clock's, not
/// the machine's.
/// </summary>
public sealed class DeliveryDeadlineTest(ITestOutputHelper output)
{
    private const string Unavailable = """{"error":{"code":503,"message":"unavailable","errors":[{"reason":"backendError"}]}}""";
    private const string EveryRowStopped = """{"insertErrors":[{"index":0,"errors":[{"reason":"stopped","message":""}]}]}""";
    private static readonly TimeSpan s_slack = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task BigQueryAnswering503ToEveryCall_IngestAnswers5xxWithinTheBudgetPlusTwoSeconds()
    {
        await using var bigQuery = await FakeBigQuery.StartAsync();
        var (status, elapsed) = await DeliverAsync(bigQuery, _ => (503, Unavailable));

        var calls = bigQuery.Calls("POST", "/insertAll").Count;
        output.WriteLine($"answered {(int)status} after {elapsed.TotalSeconds:0.00} s of the clock, {calls} insertAll calls");
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.True(calls > 1, "the call was retried");
        Assert.InRange(elapsed, TimeSpan.Zero, Budget(bigQuery) + s_slack);
    }

    [Fact]
    public async Task BigQueryTakingNoRowAfterRetriedCalls_IngestAnswers5xxWithinTheBudgetPlusTwoSeconds()
    {
        // Each insertAll is retried through four 503s (~3 s of back-off) and then answered 200 with its row "stopped",
        // so it is resent: six such calls would take ~18 s if each call had a budget of its own.
        await using var bigQuery = await FakeBigQuery.StartAsync();
        var calls = 0;
        var (status, elapsed) = await DeliverAsync(bigQuery, _ => Interlocked.Increment(ref calls) % 5 == 0 ? (200, EveryRowStopped) : (503, Unavailable));

        output.WriteLine($"answered {(int)status} after {elapsed.TotalSeconds:0.00} s of the clock, {calls} insertAll calls");
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.True(calls > 5, "the row was resent after the first call took it not");
        Assert.InRange(elapsed, TimeSpan.Zero, Budget(bigQuery) + s_slack);
    }

    private static TimeSpan Budget(FakeBigQuery bigQuery) => BigQueryFunctions.Options(bigQuery).RetryBudget;

    /// <summary>
    /// Hosts IngestInteraction on a fake clock against <paramref name="bigQuery"/>, warms it up with one delivery
    /// BigQuery accepts, then makes every insertAll answer as <paramref name="insertAll"/> says and delivers one
    /// message, moving the clock 50 ms at a time until the answer comes. Returns it and the clock's time it took.
    /// </summary>
    private static async Task<(HttpStatusCode Status, TimeSpan Elapsed)> DeliverAsync(
        FakeBigQuery bigQuery, Func<RecordedRequest, (int Status, string Body)> insertAll)
    {
        var clock = new FakeTimeProvider(BigQueryFunctions.Now);
        await using var server = await FunctionTestServer<IngestInteractionFunction>.StartAsync(services =>
        {
            services.AddSingleton<TimeProvider>(clock);
            services.AddPubSubIngestion().AddBigQueryWarehouse(BigQueryFunctions.Options(bigQuery));
        });
        Assert.Equal(HttpStatusCode.OK, (await server.SendAsync(Messages.PubSub(Messages.SeedInteraction, "warm-up"))).StatusCode);
        bigQuery.Requests.Clear();
        for (var i = 0; i < 500; i++)
        {
            bigQuery.Script(r => r.Path.EndsWith("/insertAll", StringComparison.Ordinal) ? insertAll(r) : null);
        }

        var start = clock.GetUtcNow();
        var answer = server.SendAsync(Messages.PubSub(Messages.SeedInteraction, "failing"));
        var giveUp = DateTime.UtcNow.AddSeconds(60);
        while (!answer.IsCompleted && clock.GetUtcNow() - start < TimeSpan.FromMinutes(2) && DateTime.UtcNow < giveUp)
        {
            clock.Advance(TimeSpan.FromMilliseconds(50));
            await Task.WhenAny(answer, Task.Delay(10));
        }
        var elapsed = clock.GetUtcNow() - start;
        Assert.True(answer.IsCompleted, $"no answer after {elapsed.TotalSeconds:0.0} s of the clock");
        return ((await answer).StatusCode, elapsed);
    }
}
