using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Pipeline.EventarcRequests;
using Pipeline.Events.Protobuf.Cloud.PubSub.V1;

namespace Pipeline.Bench.Scenarios;

/// <summary>
/// N Eventarc-style binary CloudEvents, one record each, at concurrency 32, to IngestInteraction over HTTP;
/// then the same load against a bare endpoint of the same host.
/// </summary>
public static class IngestScenario
{
    private const int Concurrency = 32;

    public static async Task<BenchResult> RunAsync(Sizes sizes, string workDir)
    {
        await using var stack = await BenchStack.StartAsync(Path.Combine(workDir, "ingest"));
        var warmup = Math.Min(2000, sizes.IngestEvents / 10);
        var requests = Enumerable.Range(0, sizes.IngestEvents + warmup).Select(Event).ToArray();
        async Task<bool> Send(string path, EventarcRequest request)
        {
            using var response = await stack.Client.SendAsync(request.ToHttpRequestMessage(path));
            return response.IsSuccessStatusCode;
        }
        await LoadDriver.RunAsync(warmup, Concurrency, i => Send("/functions/IngestInteraction", requests[sizes.IngestEvents + i]));
        await LoadDriver.RunAsync(warmup, Concurrency, i => Send("/bench/bare", requests[i]));

        var ingest = await LoadDriver.RunAsync(sizes.IngestEvents, Concurrency, i => Send("/functions/IngestInteraction", requests[i]));
        var bare = await LoadDriver.RunAsync(sizes.IngestEvents, Concurrency, i => Send("/bench/bare", requests[i]));

        var stored = await CountAsync(stack);
        var figures = new Dictionary<string, double>
        {
            ["events"] = sizes.IngestEvents,
            ["failures"] = ingest.Failures,
            ["rows_stored"] = stored,
            ["events_per_s"] = ingest.PerSecond,
            ["p50_ms"] = ingest.Percentile(50),
            ["p99_ms"] = ingest.Percentile(99),
            ["bare_per_s"] = bare.PerSecond,
            ["bare_p99_ms"] = bare.Percentile(99),
            ["ratio_to_bare"] = ingest.PerSecond / bare.PerSecond,
            ["peak_rss_mb"] = Rss.PeakMegabytes(),
        };
        return new BenchResult("ingest", figures,
        [
            Target.AtLeast(figures, "events_per_s", 15_000),
            Target.AtMost(figures, "p99_ms", 20),
            Target.AtLeast(figures, "ratio_to_bare", 0.4),
            Target.AtLeast(figures, "rows_stored", sizes.IngestEvents + warmup),
            Target.AtMost(figures, "peak_rss_mb", 2048),
        ]);
    }

    private static EventarcRequest Event(int i)
    {
        var record = $$"""{"user_id":{{i % 5000}},"content_id":{{i % 997}},"read_percent":{{i % 101}},"updated_at":"2022-03-{{1 + i % 27:D2}} 10:00:00"}""";
        return EventarcRequest.ForPubSubMessage("bench", "user-interaction",
            new PubsubMessage { Data = ByteString.CopyFromUtf8(record), MessageId = $"bench-{i}", PublishTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) },
            "projects/bench/subscriptions/eventarc-bench");
    }

    private static async Task<long> CountAsync(BenchStack stack)
    {
        var database = stack.App.Services.GetRequiredService<Pipeline.Warehouse.DuckDb.DuckDbDatabase>();
        await using var connection = await database.OpenReaderAsync(default);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM user_interaction";
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
