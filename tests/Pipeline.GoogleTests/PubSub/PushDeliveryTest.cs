using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Pipeline.Domain;
using Pipeline.Domain.Rows;
using Pipeline.Tests.Fixtures;
using Pipeline.Warehouse.DuckDb;

namespace Pipeline.Tests.PubSub;

/// <summary>
/// Google's Pub/Sub emulator pushing to the ingest functions through a push subscription, each message relayed as
/// Eventarc delivers it (<see cref="EventarcRelay"/>): to the production functions in their own processes against a
/// fake BigQuery, and to the local stack's <c>/functions/*</c> endpoints. Records, arrays, bad records, non-JSON and
/// non-UTF-8 bodies go where the semantics say; a warehouse outage answers 5xx, the emulator delivers again, and the
/// message is stored once.
/// </summary>
[Collection(GooglePubSubEmulatorCollection.Name)]
public sealed class PushDeliveryTest(GooglePubSubEmulator emulator) : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly HttpClient _emulator = new() { BaseAddress = emulator.RestRoot };

    public ValueTask DisposeAsync()
    {
        _emulator.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Where the messages end up, and the switch that takes the warehouse down.</summary>
    private sealed record Target(Uri Interactions, Uri Content, Func<Task<(int Interactions, int Content, int Errors)>> CountsAsync,
        Func<string, Task<int>> StoredCopiesAsync, Action<bool> SetOutage);

    [SkippableFact]
    public async Task EmulatorPushToTheIngestFunctionProcesses_StoresEachWhereItBelongsAndOnceAfterAnOutage()
    {
        GoogleCloudSdk.RequirePubSubEmulator();
        await using var bigQuery = await FakeBigQuery.StartAsync();
        var environment = new Dictionary<string, string>
        {
            ["GOOGLE_CLOUD_PROJECT"] = "proj",
            ["BIGQUERY_DATASET"] = "ds",
            ["BIGQUERY_LOCATION"] = "EU",
            ["BIGQUERY_EMULATOR_HOST"] = bigQuery.Root.ToString(),
            ["BIGQUERY_RETRY_BUDGET_SECONDS"] = "1",
        };
        await using var interaction = await FunctionProcess.StartAsync("IngestInteraction", environment);
        await using var content = await FunctionProcess.StartAsync("IngestContent", environment);
        var outage = false;
        var refused = new ConcurrentDictionary<RecordedRequest, bool>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < 1000; i++)
        {
            bigQuery.Script(r => Volatile.Read(ref outage) && r.Path.EndsWith("/insertAll", StringComparison.Ordinal) && refused.TryAdd(r, true)
                ? (503, """{"error":{"code":503,"message":"Service unavailable","errors":[{"reason":"backendError"}]}}""")
                : null);
        }
        IEnumerable<(string Table, InsertedRow Row)> Stored() => bigQuery.Requests
            .Where(r => r.Path.EndsWith("/insertAll", StringComparison.Ordinal) && !refused.ContainsKey(r))
            .SelectMany(r => r.InsertedRows.Select(row => (r.Path.Split('/')[^2], row)));

        await DeliverEveryKindAsync("push-functions", new Target(interaction.Root, content.Root,
            () => Task.FromResult((Count("user_interaction"), Count("content_meta"), Count("ingest_errors"))),
            id => Task.FromResult(Stored().Count(s => s.Table == "user_interaction" && s.Row.String("event_id") == id)),
            down => Volatile.Write(ref outage, down)), () => $"IngestInteraction:\n{interaction.Output}\nIngestContent:\n{content.Output}");

        int Count(string table) => Stored().Count(s => s.Table == table);
    }

    [SkippableFact]
    public async Task EmulatorPushToTheLocalStacksFunctionEndpoints_StoresEachWhereItBelongsAndOnceAfterAnOutage()
    {
        GoogleCloudSdk.RequirePubSubEmulator();
        // A fresh data directory: the emulator's ids restart at 1 on each start, never reused in one stack's warehouse.
        await using var stack = await LocalStackHost.StartOnLoopbackAsync(services =>
        {
            services.AddSingleton(provider => new SwitchableWarehouse(provider.GetRequiredService<DuckDbWarehouse>()));
            services.AddSingleton<IWarehouse>(provider => provider.GetRequiredService<SwitchableWarehouse>());
        });
        var warehouse = stack.Services.GetRequiredService<SwitchableWarehouse>();

        async Task<int> CountAsync(string table) => Convert.ToInt32((await stack.QueryAsync($"SELECT count(*) FROM {table}"))[0][0], System.Globalization.CultureInfo.InvariantCulture);
        await DeliverEveryKindAsync("push-local", new Target(new Uri(stack.Root, "/functions/IngestInteraction"), new Uri(stack.Root, "/functions/IngestContent"),
            async () => (await CountAsync("user_interaction"), await CountAsync("content_meta"), await CountAsync("ingest_errors")),
            async id => Convert.ToInt32((await stack.QueryAsync($"SELECT count(*) FROM user_interaction WHERE event_id = '{id}'"))[0][0], System.Globalization.CultureInfo.InvariantCulture),
            down => warehouse.Down = down), () => "");
    }

    private async Task DeliverEveryKindAsync(string project, Target target, Func<string> logs)
    {
        await using var relay = await EventarcRelay.StartAsync();
        await SubscribeAsync(project, "user-interaction", relay.PushEndpoint(project, "user-interaction", target.Interactions));
        await SubscribeAsync(project, "content-meta", relay.PushEndpoint(project, "content-meta", target.Content));

        async Task<(int, int, int)> DeliverAsync(string topic, byte[] data)
        {
            var before = await target.CountsAsync();
            var id = await PublishAsync(project, topic, data);
            await UntilAsync(() => relay.Deliveries.Any(d => d.MessageId == id && d.Status is >= 200 and < 300),
                () => $"message {id} was never acknowledged: {string.Join(", ", relay.Deliveries)}\n{logs()}");
            var after = await target.CountsAsync();
            return (after.Interactions - before.Interactions, after.Content - before.Content, after.Errors - before.Errors);
        }

        Func<string, byte[]> utf8 = Encoding.UTF8.GetBytes;
        Assert.Equal((1, 0, 0), await DeliverAsync("user-interaction", utf8(Messages.SeedInteraction)));
        Assert.Equal((2, 0, 0), await DeliverAsync("user-interaction", utf8($"[{Messages.SeedInteraction}, {Messages.SeedInteraction.Replace("65045", "65046")}]")));
        Assert.Equal((0, 0, 1), await DeliverAsync("user-interaction", utf8("""{"user_id": "reader", "content_id": 12345, "read_percent": 92, "updated_at": "2022-03-27"}""")));
        Assert.Equal((0, 0, 1), await DeliverAsync("user-interaction", utf8("user_id=65045, not JSON")));
        Assert.Equal((0, 0, 1), await DeliverAsync("user-interaction", [0x7B, 0xFF, 0xFE, 0x7D]));
        Assert.Equal((0, 1, 0), await DeliverAsync("content-meta", utf8(Messages.SeedContent)));

        // BigQuery (or DuckDB) down: 5xx, and the emulator delivers the message again once it is back.
        target.SetOutage(true);
        var id = await PublishAsync(project, "user-interaction", utf8(Messages.SeedInteraction.Replace("65045", "65047")));
        await UntilAsync(() => relay.Deliveries.Any(d => d.MessageId == id && d.Status >= 500), () => $"no 5xx for {id}: {string.Join(", ", relay.Deliveries)}\n{logs()}");
        target.SetOutage(false);
        await UntilAsync(() => relay.Deliveries.Any(d => d.MessageId == id && d.Status is >= 200 and < 300),
            () => $"message {id} was not delivered again: {string.Join(", ", relay.Deliveries)}\n{logs()}");
        Assert.Equal(1, await target.StoredCopiesAsync(id));
    }

    private async Task SubscribeAsync(string project, string topic, string endpoint)
    {
        (await _emulator.PutAsJsonAsync($"v1/projects/{project}/topics/{topic}", new { })).EnsureSuccessStatusCode();
        var subscription = await _emulator.PutAsJsonAsync($"v1/projects/{project}/subscriptions/eventarc-{topic}", new
        {
            topic = $"projects/{project}/topics/{topic}",
            pushConfig = new { pushEndpoint = endpoint },
            ackDeadlineSeconds = 10,
        });
        Assert.True(subscription.IsSuccessStatusCode, await subscription.Content.ReadAsStringAsync());
    }

    private async Task<string> PublishAsync(string project, string topic, byte[] data)
    {
        var response = await _emulator.PostAsJsonAsync($"v1/projects/{project}/topics/{topic}:publish",
            new { messages = new[] { new { data = Convert.ToBase64String(data) } } });
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True(response.IsSuccessStatusCode, body.ToJsonString());
        return body["messageIds"]![0]!.GetValue<string>();
    }

    private static async Task UntilAsync(Func<bool> condition, Func<string> failure)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure());
            await Task.Delay(50);
        }
    }

    /// <summary>The local stack's warehouse, which a test can take down: every write fails before writing.</summary>
    private sealed class SwitchableWarehouse(IWarehouse inner) : IWarehouse
    {
        public volatile bool Down;

        public Task<WriteOutcome> WriteAsync(IngestBatch batch, CancellationToken cancellationToken) =>
            Down ? throw new IOException("warehouse unavailable (test outage)") : inner.WriteAsync(batch, cancellationToken);

        public Task<IReadOnlyList<Pipeline.Domain.Query.CategoryCount>> CountCategoriesAsync(Pipeline.Domain.Query.ReadingWindow window, CancellationToken cancellationToken) =>
            inner.CountCategoriesAsync(window, cancellationToken);
    }
}
