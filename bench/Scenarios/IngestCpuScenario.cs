using System.Diagnostics;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Pipeline.EventarcRequests;
using Pipeline.Events.Protobuf.Cloud.PubSub.V1;
using Pipeline.Functions.Hosting;
using Pipeline.Functions.IngestInteraction;
using Pipeline.Ingestion;
using Pipeline.Local.PubSub;
using Pipeline.Warehouse.BigQuery;

namespace Pipeline.Bench.Scenarios;

/// <summary>
/// CPU time per ingested event, in-process (the process's <see cref="Process.TotalProcessorTime"/> over the events,
/// so a machine shared with other work does not move it as it moves wall time), on two paths at concurrency 32:
/// <list type="bullet">
/// <item>local: a Pub/Sub REST publish request as <c>topics.publish</c> receives it (base64 data), handed to the local
/// stack's publish path, delivered to IngestInteraction and committed to DuckDB;</item>
/// <item>production: the Eventarc binary-mode request IngestInteraction receives on Cloud Run, its rows sent by
/// <c>insertAll</c> over loopback to <see cref="UploadSink"/> (which does no work), the BigQuery adapter as deployed;</item>
/// <item>function: the same request and adapter one event at a time, <c>insertAll</c> written to an in-process handler
/// that answers success (no socket, no sink, no concurrency): the function's own work on the payload, which the
/// two paths above bury under DuckDB's commits and loopback HTTP.</item>
/// </list>
/// Both include the process's own background work (DuckDB's writer, Kestrel, the GC) during the run.
/// </summary>
public static class IngestCpuScenario
{
    private const int Concurrency = 32;

    public static async Task<BenchResult> RunAsync(Sizes sizes, string workDir)
    {
        var events = sizes.IngestEvents;
        var warmup = Math.Min(2000, events / 10);
        var local = await LocalAsync(events, warmup, workDir);
        var production = await ProductionAsync(events, warmup);
        var function = await ProductionAsync(events, warmup, socket: false);
        var figures = new Dictionary<string, double>
        {
            ["events"] = events,
            ["local_failures"] = local.Run.Failures,
            ["local_cpu_us_per_event"] = local.CpuMicroseconds / events,
            ["local_events_per_s"] = local.Run.PerSecond,
            ["production_failures"] = production.Run.Failures,
            ["production_cpu_us_per_event"] = production.CpuMicroseconds / events,
            ["production_events_per_s"] = production.Run.PerSecond,
            ["function_failures"] = function.Run.Failures,
            ["function_cpu_us_per_event"] = function.CpuMicroseconds / events,
            ["peak_rss_mb"] = Rss.PeakMegabytes(),
        };
        return new BenchResult("ingest-cpu", figures,
        [
            Target.AtMost(figures, "local_failures", 0),
            Target.AtMost(figures, "production_failures", 0),
            Target.AtMost(figures, "function_failures", 0),
        ], "process CPU time (user + system) per event; the figure to compare across a shared machine, not wall time");
    }

    private sealed record Measured(LoadDriver.Run Run, double CpuMicroseconds);

    private static async Task<Measured> LocalAsync(int events, int warmup, string workDir)
    {
        await using var stack = await BenchStack.StartAsync(Path.Combine(workDir, "ingest-cpu"));
        var pubSub = stack.App.Services.GetRequiredService<LocalPubSub>();
        var requests = Enumerable.Range(0, events + warmup)
            .Select(i => new PublishRequest([new PublishedMessage(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Record(i))), null, null)]))
            .ToArray();
        async Task<bool> Publish(int i) => await pubSub.PublishAsync("bench", "user-interaction", requests[i]) is IStatusCodeHttpResult { StatusCode: 200 };
        await LoadDriver.RunAsync(warmup, Concurrency, i => Publish(events + i));
        return await MeasureAsync(events, Publish);
    }

    private static async Task<Measured> ProductionAsync(int events, int warmup, bool socket = true)
    {
        await using var sink = await UploadSink.StartAsync();
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<Pipeline.Domain.Backfill.IObjectSource>(new Warehouse.DuckDb.LocalFileSource(Path.GetTempFileName()))
            .AddPubSubIngestion()
            .AddBigQueryWarehouse(new BigQueryOptions("bench", "ds", "EU") { EmulatorRoot = sink.Root, Interactions = new("bench", "ds", "user_interaction"),
                ContentMeta = new("bench", "ds", "content_meta"), IngestErrors = new("bench", "ds", "ingest_errors"), LoadLog = new("bench", "ds", "load_log") })
            .AddFunctionTarget<IngestInteractionFunction>();
        if (!socket)
        {
            services.AddHttpClient(Pipeline.Warehouse.BigQuery.Rest.BigQueryRestClient.HttpClientName)
                .ConfigurePrimaryHttpMessageHandler(() => new InsertAllAccepted());
        }
        await using var provider = services.BuildServiceProvider();
        var function = FunctionTarget.RequestDelegate<IngestInteractionFunction>();
        var requests = Enumerable.Range(0, events + warmup).Select(i => EventarcRequest.ForPubSubMessage("bench", "user-interaction",
            new PubsubMessage { Data = ByteString.CopyFromUtf8(Record(i)), MessageId = $"bench-{i}", PublishTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) },
            "projects/bench/subscriptions/eventarc-bench")).ToArray();
        var scopes = provider.GetRequiredService<IServiceScopeFactory>();
        async Task<bool> Deliver(int i)
        {
            await using var scope = scopes.CreateAsyncScope();
            var context = requests[i].ToHttpContext(scope.ServiceProvider, default);
            await function(context);
            return context.Response.StatusCode == 200;
        }
        var concurrency = socket ? Concurrency : 1;
        await LoadDriver.RunAsync(warmup, concurrency, i => Deliver(events + i));
        return await MeasureAsync(events, Deliver, concurrency);
    }

    /// <summary>Answers every insertAll with success once its body is written (the client serializes it as it would for a socket).</summary>
    private sealed class InsertAllAccepted : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await request.Content!.CopyToAsync(Stream.Null, cancellationToken);
            return new HttpResponseMessage(System.Net.HttpStatusCode.OK)
            {
                Content = new StringContent("""{"kind":"bigquery#tableDataInsertAllResponse"}""", System.Text.Encoding.UTF8, "application/json"),
            };
        }
    }

    private static async Task<Measured> MeasureAsync(int events, Func<int, Task<bool>> send, int concurrency = Concurrency)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var process = Process.GetCurrentProcess();
        var before = process.TotalProcessorTime;
        var run = await LoadDriver.RunAsync(events, concurrency, send);
        process.Refresh();
        return new Measured(run, (process.TotalProcessorTime - before).TotalMicroseconds);
    }

    private static string Record(int i) =>
        $$"""{"user_id":{{i % 5000}},"content_id":{{i % 997}},"read_percent":{{i % 101}},"updated_at":"2022-03-{{1 + i % 27:D2}} 10:00:00"}""";
}
