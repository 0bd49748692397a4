using Pipeline.Domain.Backfill;
using Pipeline.Domain.Rows;
using Pipeline.Tests.Fixtures;
using Pipeline.Tests.GoogleSql;
using Pipeline.Warehouse.BigQuery;

namespace Pipeline.Tests.Conformance;

/// <summary>
/// Two instances of BackfillCsv (two processes: their turns do not see each other) decide on two generations of one
/// object from the same load_log, then both commit. The commit that comes second loses (its claim conflicts, or its
/// basis changed) and writes nothing; the same delivery decides again and answers success. Whichever commits first,
/// the object ends with the newer generation's rows only.
/// </summary>
[Collection(ZetaSqlCollection.Name)]
public sealed class BigQueryRaceTest(ZetaSqlEngine engine)
{
    private const string Object = "user_interaction/a.csv";

    [Fact]
    public async Task TwoGenerationsDecidedAtOnce_EndWithTheNewerOnly()
    {
        await using var bigQuery = await FakeBigQuery.StartAsync(engine, "proj", "ds");
        var objects = new MemoryObjects();
        objects.Put($"gs://dumps/{Object}", 1, "user_id,content_id,read_percent,updated_at\n7,1,95,2022-03-27\n"u8.ToArray());
        objects.Put($"gs://dumps/{Object}", 2, "user_id,content_id,read_percent,updated_at\n7,2,95,2022-03-27\n7,3,95,2022-03-27\n"u8.ToArray());
        using var bothRead = new Barrier(2);
        await using var first = Instance(bigQuery, objects, bothRead);
        await using var second = Instance(bigQuery, objects, bothRead);

        var attempts = await Task.WhenAll(
            Attempt(first.Backfill, Load(1)),
            Attempt(second.Backfill, Load(2)));

        Assert.All(attempts, Assert.Null);
        Assert.Equal([$"gs://dumps/{Object}#2:2", $"gs://dumps/{Object}#2:3"],
            (await bigQuery.InteractionsAsync()).Select(i => i.Row.EventId).Order(StringComparer.Ordinal));
    }

    private static CsvLoad Load(long generation) => CsvLoad.ForObject("dumps", Object, generation, RecordKind.Interaction);

    private static async Task<Exception?> Attempt(CsvBackfill backfill, CsvLoad load)
    {
        try
        {
            await backfill.LoadAsync(load, default);
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    private static Process Instance(FakeBigQuery bigQuery, MemoryObjects objects, Barrier? barrier)
    {
        var services = new ServiceCollection().AddLogging().AddSingleton<TimeProvider>(new FixedClock(BigQueryFunctions.Now))
            .AddSingleton<IObjectSource>(objects).AddBigQueryWarehouse(BigQueryFunctions.Options(bigQuery)).BuildServiceProvider();
        var store = services.GetRequiredService<BigQueryBackfill>();
        ILoadLog log = barrier is null ? store : new ReadTogether(store, barrier);
        return new Process(services, new CsvBackfill(log, store, objects, TimeProvider.System));
    }

    private sealed record Process(ServiceProvider Services, CsvBackfill Backfill) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Services.DisposeAsync();
    }

    /// <summary>Both instances have read the load_log before either goes on.</summary>
    private sealed class ReadTogether(ILoadLog inner, Barrier barrier) : ILoadLog
    {
        private int _reads;

        public async Task<IReadOnlyList<LoadLogEntry>> ReadAsync(CsvLoad load, CancellationToken cancellationToken)
        {
            var entries = await inner.ReadAsync(load, cancellationToken);
            if (Interlocked.Increment(ref _reads) == 1)
            {
                await Task.Run(() => barrier.SignalAndWait(TimeSpan.FromSeconds(30)), cancellationToken);
            }
            return entries;
        }

        public Task AppendAsync(CsvLoad load, LoadOutcome outcome, DateTime startedAt, CancellationToken cancellationToken) =>
            inner.AppendAsync(load, outcome, startedAt, cancellationToken);
    }
}
