using System.Net;
using System.Text;
using Pipeline.Domain.Backfill;
using Pipeline.Events.Protobuf.Cloud.Storage.V1;
using Pipeline.Functions.BackfillCsv;
using Pipeline.Functions.Hosting;
using Pipeline.Functions.Testing;
using Pipeline.EventarcRequests;
using Pipeline.Tests.Fixtures;
using Pipeline.Tests.GoogleSql;

namespace Pipeline.Tests.Conformance;

/// <summary>
/// A burst on the production path: 50 parts dropped at once, their events delivered concurrently to several
/// BackfillCsv processes (each its own host and CsvBackfill) against one ZetaSQL-backed BigQuery, with duplicate
/// deliveries and, for some parts, a newer generation delivered before or alongside the older. Every delivery is
/// answered 200 (none refused, none redelivered), and the tables end as loading the same events one by one does.
/// </summary>
[Collection(ZetaSqlCollection.Name)]
public sealed class BigQueryBurstTest(ZetaSqlEngine engine)
{
    private const int Parts = 50;
    private const int Processes = 4;

    [Fact]
    public async Task FiftyPartsAtOnceOnSeveralProcesses_LoadExactlyOnceAsOneByOne()
    {
        var objects = new MemoryObjects();
        var events = new List<(string Name, long Generation)>();
        var process = new Dictionary<(string, long, int), int>(); // a part's generations, and a duplicate, go to different processes
        for (var part = 0; part < Parts; part++)
        {
            var name = $"user_interaction/part-{part:D2}.csv";
            objects.Put($"gs://dumps/{name}", 1000 + part, Csv(part, generation: 1));
            events.Add((name, 1000 + part));
            process[(name, 1000 + part, 0)] = part % Processes;
            if (part % 5 == 0)
            {
                objects.Put($"gs://dumps/{name}", 2000 + part, Csv(part, generation: 2)); // replaced: a newer generation
                events.Add((name, 2000 + part));
                process[(name, 2000 + part, 0)] = (part + 1) % Processes;
            }
            if (part % 7 == 0)
            {
                events.Add((name, 1000 + part)); // a duplicate delivery
                process[(name, 1000 + part, 1)] = (part + 2) % Processes;
            }
        }
        var shuffled = events.OrderBy(e => HashCode.Combine(e.Name.GetHashCode(StringComparison.Ordinal), e.Generation, 17)).ToList();

        await using var burst = await FakeBigQuery.StartAsync(engine, "proj", "ds");
        // Each script waits a little before its COMMIT (outside the fake's lock), so that commits overlap as they do
        // on BigQuery, where a commit takes seconds: two first loads of one object then run at the same time.
        burst.BeforeStatement = (_, statement) => statement.Kind == "RESOLVED_COMMIT_STMT" ? Task.Delay(100) : Task.CompletedTask;
        var servers = new List<FunctionTestServer<BackfillCsvFunction>>();
        for (var i = 0; i < Processes; i++)
        {
            servers.Add(await StartAsync(burst, objects));
        }
        try
        {
            var seen = new HashSet<(string, long)>();
            var answers = await Task.WhenAll(shuffled.Select(e => DeliverAsync(servers[process[(e.Name, e.Generation, seen.Add(e) ? 0 : 1)]], e)));
            var errors = string.Join("\n", burst.Jobs.Values.Select(j => j["status"]?["errorResult"]?["message"]?.ToString()).OfType<string>().Select(m => m.Length > 300 ? m[..300] : m).Distinct().Take(10));
            Assert.True(answers.All(a => a == HttpStatusCode.OK), $"{answers.Count(a => a != HttpStatusCode.OK)} failed; job errors:\n{errors}");
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }

        await using var oneByOne = await FakeBigQuery.StartAsync(engine, "proj", "ds");
        await using (var server = await StartAsync(oneByOne, objects))
        {
            foreach (var e in events.OrderBy(e => e.Generation))
            {
                Assert.Equal(HttpStatusCode.OK, await DeliverAsync(server, e));
            }
        }
        var rows = (await burst.InteractionsAsync()).Select(r => r.Row).OrderBy(r => r.EventId, StringComparer.Ordinal).ToList();
        Assert.Equal((await oneByOne.InteractionsAsync()).Select(r => r.Row).OrderBy(r => r.EventId, StringComparer.Ordinal), rows);
        Assert.Equal(rows.Count, rows.Select(r => r.EventId).Distinct().Count());
        Assert.Equal(Parts, rows.Select(r => r.EventId[..r.EventId.IndexOf('#', StringComparison.Ordinal)]).Distinct().Count());
        Assert.All(rows, r => Assert.Contains(r.EventId.Contains("#20", StringComparison.Ordinal) ? "#20" : "#10", r.EventId));
        // Dead letters of the newest generations are the same (one by one, a replaced generation's stay too).
        var newestPrefixes = events.GroupBy(e => e.Name).Select(g => $"gs://dumps/{g.Key}#{g.Max(e => e.Generation)}:").ToList();
        Assert.Equal(
            (await oneByOne.IngestErrorsAsync()).Select(e => e.Row.EventId).Where(id => newestPrefixes.Any(n => id.StartsWith(n, StringComparison.Ordinal))).Order(StringComparer.Ordinal),
            (await burst.IngestErrorsAsync()).Select(e => e.Row.EventId).Where(id => newestPrefixes.Any(n => id.StartsWith(n, StringComparison.Ordinal))).Order(StringComparer.Ordinal));
        // The newest generation of every part is loaded once; no part's older generation stands beside it.
        var loaded = (await burst.LoadLogAsync()).Where(e => e.Status == "loaded").ToList();
        foreach (var part in events.GroupBy(e => e.Name))
        {
            var newest = part.Max(e => e.Generation).ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.Single(loaded, e => e.Object == $"gs://dumps/{part.Key}" && e.Generation == newest);
            Assert.DoesNotContain(rows, r => r.EventId.StartsWith($"gs://dumps/{part.Key}#", StringComparison.Ordinal) && !r.EventId.Contains($"#{newest}:", StringComparison.Ordinal));
        }
    }

    /// <summary>A small part: three rows and one bad row; a newer generation has other values.</summary>
    private static byte[] Csv(int part, int generation) => Encoding.UTF8.GetBytes(
        "user_id,content_id,read_percent,updated_at\n"
        + $"{part + 1},{generation},95,2022-03-27\n{part + 1},{generation + 10},40,2022-03-26\nx,1,1,2022-03-26\n{part + 100},{generation},99.5,2022-03-25\n");

    private static Task<FunctionTestServer<BackfillCsvFunction>> StartAsync(FakeBigQuery bigQuery, MemoryObjects objects) =>
        BigQueryFunctions.StartAsync<BackfillCsvFunction>(BigQueryFunctions.Options(bigQuery) with { RetryBudget = TimeSpan.FromMinutes(2) }, // the fake answers a query job once it ran
           
            services => services.AddSingleton(new BackfillOptions()).AddSingleton<IObjectSource>(objects));

    private static async Task<HttpStatusCode> DeliverAsync(FunctionTestServer<BackfillCsvFunction> server, (string Name, long Generation) e)
    {
        var response = await server.SendAsync(EventarcRequest.ForFinalizedObject(
            new StorageObjectData { Bucket = "dumps", Name = e.Name, Generation = e.Generation }, $"dumps/{e.Name}/{e.Generation}"));
        return response.StatusCode;
    }
}
