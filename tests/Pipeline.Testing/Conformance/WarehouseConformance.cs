using Pipeline.Domain.Backfill;
using Pipeline.Domain.Query;
using Pipeline.Domain.Rows;
using Pipeline.Tests.Fixtures;
using Pipeline.Tests.GoogleSql;

namespace Pipeline.Tests.Conformance;

/// <summary>
/// The behaviour of the warehouse port, one set of cases for every engine: ingest, redelivery, dead letters,
/// backfill (load, redelivery, replacement, late generations, failure, a missing object) and the UserContent answer.
/// Each engine runs them through its own adapter — DuckDB for real, BigQuery against a fake whose every statement
/// GoogleSQL's reference engine executes — so where the two would differ, a case fails. Expected values are written
/// out by hand.
/// </summary>
public abstract class WarehouseConformance : IAsyncLifetime
{
    protected static readonly DateTimeOffset Now = new(2022, 4, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly DateTime s_day = new(2022, 3, 27, 0, 0, 0, DateTimeKind.Utc);
    private IWarehouseUnderTest _engine = null!;

    protected abstract Task<IWarehouseUnderTest> CreateAsync(TimeProvider clock);

    public async Task InitializeAsync() => _engine = await CreateAsync(new FixedClock(Now));

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    private string Uri(string name) => $"gs://{_engine.Bucket}/{name}";

    private Task PutAsync(string name, long generation, string content) =>
        _engine.PutObjectAsync(name, generation, System.Text.Encoding.UTF8.GetBytes(content));

    private Task<LoadOutcome> LoadAsync(string name, long generation, int maxBadRows = 10) =>
        _engine.Backfill.LoadAsync(CsvLoad.ForObject(_engine.Bucket, name, generation,
            name.StartsWith("content_meta/", StringComparison.Ordinal) ? RecordKind.ContentMeta : RecordKind.Interaction, maxBadRows), default);

    private async Task<Dictionary<string, long>> CountsAsync(long userId, DateOnly date) =>
        (await _engine.Warehouse.CountCategoriesAsync(new ReadingWindow(userId, date), default)).ToDictionary(c => c.Category, c => c.Count);

    private static List<string> EventIds(IEnumerable<string> eventIds) => eventIds.Distinct().Order(StringComparer.Ordinal).ToList();

    private async Task<List<(string Status, long Loaded, long Rejected, string? Error)>> LoadLogAsync() =>
        (await _engine.LoadLogAsync()).OrderBy(l => l.StartedAt).ThenBy(l => l.Status)
            .Select(l => (l.Status, l.RowsLoaded, l.RowsRejected, l.Error)).ToList();

    [Fact]
    public async Task Ingest_StoresValidRowsAndTheDeadLetters()
    {
        await _engine.Warehouse.WriteAsync(new IngestBatch(
            [new Interaction("m1:0", 9007199254740993, 12, 95.5, s_day.AddHours(10))],
            [new ContentMeta("m2", 12, "romance", null)],
            [new DeadLetter("IngestInteraction", "m1:1", """{"user_id":-1}""", "user_id: must be ≥ 0, got -1")],
            s_day), default);

        var interaction = Assert.Single(await _engine.InteractionsAsync());
        Assert.Equal(new(new Interaction("m1:0", 9007199254740993L, 12L, 95.5, s_day.AddHours(10)), s_day), interaction);
        Assert.Equal(new(new ContentMeta("m2", 12L, "romance", null), s_day), Assert.Single(await _engine.ContentMetaAsync()));
        Assert.Equal(new(new DeadLetter("IngestInteraction", "m1:1", """{"user_id":-1}""", "user_id: must be ≥ 0, got -1"), s_day),
            Assert.Single(await _engine.IngestErrorsAsync()));
    }

    [Fact]
    public async Task Redelivery_IsCountedOnce()
    {
        var batch = new IngestBatch(
            [new Interaction("r1", 7, 12, 95, s_day), new Interaction("r2", 7, 13, 99, s_day)],
            [new ContentMeta("c1", 12, "romance", null), new ContentMeta("c2", 13, "drama", null)],
            [new DeadLetter("IngestInteraction", "r3", "{}", "user_id: missing")],
            s_day);

        await _engine.Warehouse.WriteAsync(batch, default);
        await _engine.Warehouse.WriteAsync(batch with { ReceivedAt = s_day.AddMinutes(1) }, default);

        Assert.Equal(new Dictionary<string, long> { ["romance"] = 1, ["drama"] = 1 }, await CountsAsync(7, DateOnly.FromDateTime(s_day)));
        Assert.Equal(["r1", "r2"], EventIds((await _engine.InteractionsAsync()).Select(i => i.Row.EventId)));
        Assert.Equal(["r3"], EventIds((await _engine.IngestErrorsAsync()).Select(e => e.Row.EventId)));
    }

    [Fact]
    public async Task UserContent_CountsFinishedReadsInTheWindowPerCategory()
    {
        var first = s_day.AddDays(-14);
        await _engine.Warehouse.WriteAsync(new IngestBatch(
        [
            new Interaction("in-first", 7, 1, 91, first),
            new Interaction("in-last", 7, 2, 100, s_day.AddDays(1).AddTicks(-10)),
            new Interaction("before", 7, 1, 95, first.AddTicks(-10)),
            new Interaction("after", 7, 1, 95, s_day.AddDays(1)),
            new Interaction("exactly-90", 7, 1, 90, s_day),
            new Interaction("other-user", 8, 1, 95, s_day),
            new Interaction("no-metadata", 7, 3, 95, s_day),
        ],
        [
            new ContentMeta("k1", 1, "romance", null), new ContentMeta("k2", 1, "drama", null),
            new ContentMeta("k3", 1, "romance", null), new ContentMeta("k4", 2, "drama", null),
        ], [], s_day), default);

        // in-first counts in romance and drama (content 1 has both; its duplicate pair counts once), in-last in drama.
        Assert.Equal(new Dictionary<string, long> { ["romance"] = 1, ["drama"] = 2 }, await CountsAsync(7, DateOnly.FromDateTime(s_day)));
        // A day earlier, the window ends just after "before" (the last µs of its day) and starts 15 dates before.
        Assert.Equal(new Dictionary<string, long> { ["romance"] = 1, ["drama"] = 1 }, await CountsAsync(7, DateOnly.FromDateTime(first).AddDays(-1)));
        Assert.Empty(await CountsAsync(7, DateOnly.FromDateTime(first).AddDays(-2)));
    }

    [Fact]
    public async Task Backfill_LoadsGoodRowsAndDeadLettersBadOnesKeyedByLine()
    {
        await PutAsync("user_interaction/a.csv", 100,
            "Pratilipi_ID, extra ,USER_ID,read_percent,updated_at\r\n12,x,7,95.5,2022-03-27\r\n13,\"y, z\",7,250,2022-03-27\r\n14,z,9223372036854775807,91,2022-03-27T10:00:00+05:30\r\n");

        var outcome = await LoadAsync("user_interaction/a.csv", 100);

        Assert.Equal(new LoadOutcome(LoadStatus.Loaded, 2, 1, "1 bad rows dead-lettered"), outcome);
        var rows = (await _engine.InteractionsAsync()).OrderBy(i => i.Row.EventId, StringComparer.Ordinal).ToList();
        Assert.Equal(
        [
            new(new Interaction(Uri("user_interaction/a.csv") + "#100:2", 7L, 12L, 95.5, s_day), Now.UtcDateTime),
            new(new Interaction(Uri("user_interaction/a.csv") + "#100:4", long.MaxValue, 14L, 91.0, s_day.AddHours(4).AddMinutes(30)), Now.UtcDateTime),
        ], rows);
        Assert.Equal(new(new DeadLetter("BackfillCsv", Uri("user_interaction/a.csv") + "#100:3", "13,\"y, z\",7,250,2022-03-27",
            "line 3: read_percent: must be between 0 and 100, got '250'"), Now.UtcDateTime), Assert.Single(await _engine.IngestErrorsAsync()));
        Assert.Equal([("loaded", 2L, 1L, "1 bad rows dead-lettered")], await LoadLogAsync());
        Assert.Equal(new Dictionary<string, long>(), await CountsAsync(7, DateOnly.FromDateTime(s_day)));
    }

    [Fact]
    public async Task Backfill_RedeliveredEvent_IsSkippedAndLoadsNothingTwice()
    {
        await PutAsync("content_meta/c.csv", 5, "content_id,category_name,updated_at\n12,romance,2022-03-27\n12,drama,\n");

        var first = await LoadAsync("content_meta/c.csv", 5);
        var second = await LoadAsync("content_meta/c.csv", 5);

        Assert.Equal((LoadStatus.Loaded, 2L), (first.Status, first.RowsLoaded));
        Assert.Equal(LoadOutcome.Skipped("generation 5 is already loaded"), second);
        Assert.Equal(2, (await _engine.ContentMetaAsync()).Count);
        Assert.Equal([("loaded", 2L, 0L, null), ("skipped", 0L, 0L, "generation 5 is already loaded")], await LoadLogAsync());
    }

    [Fact]
    public async Task Backfill_NewerGeneration_ReplacesTheOlderRowsOfThatObjectOnly()
    {
        await PutAsync("user_interaction/a.csv#b.csv", 1, "user_id,content_id,read_percent,updated_at\n8,1,95,2022-03-27\n");
        await LoadAsync("user_interaction/a.csv#b.csv", 1);
        await PutAsync("user_interaction/a.csv", 1, "user_id,content_id,read_percent,updated_at\n7,1,95,2022-03-27\n7,2,95,2022-03-27\n");
        await LoadAsync("user_interaction/a.csv", 1);
        await PutAsync("user_interaction/a.csv", 2, "user_id,content_id,read_percent,updated_at\n7,3,95,2022-03-27\n");

        var replaced = await LoadAsync("user_interaction/a.csv", 2);
        var late = await LoadAsync("user_interaction/a.csv", 1);

        Assert.Equal((LoadStatus.Loaded, 1L), (replaced.Status, replaced.RowsLoaded));
        Assert.Equal(LoadOutcome.Skipped("superseded: generation 2 is already loaded"), late);
        Assert.Equal([Uri("user_interaction/a.csv") + "#2:2", Uri("user_interaction/a.csv#b.csv") + "#1:2"],
            EventIds((await _engine.InteractionsAsync()).Select(i => i.Row.EventId)));
    }

    [Fact]
    public async Task Backfill_TooManyBadRows_FailsTheWholeFileAndTheFailureIsFinal()
    {
        await PutAsync("user_interaction/bad.csv", 3, "user_id,content_id,read_percent,updated_at\nx,1,95,2022-03-27\n1,1,95,2022-03-27\ny,1,95,2022-03-27\n");

        var failed = await LoadAsync("user_interaction/bad.csv", 3, maxBadRows: 1);
        var again = await LoadAsync("user_interaction/bad.csv", 3, maxBadRows: 1);

        Assert.Equal(LoadOutcome.Failed("more than 1 bad rows; the first, line 2: user_id: must be an integer ≥ 0, got 'x'", 2), failed);
        Assert.Equal(LoadOutcome.Skipped("generation 3 already failed: more than 1 bad rows; the first, line 2: user_id: must be an integer ≥ 0, got 'x'"), again);
        Assert.Empty(await _engine.InteractionsAsync());
        Assert.Empty(await _engine.IngestErrorsAsync());
        Assert.Equal(["failed", "skipped"], (await LoadLogAsync()).Select(l => l.Status));
    }

    [Fact]
    public async Task Backfill_MissingColumnOrObject_FailsNamingWhy()
    {
        await PutAsync("content_meta/c.csv", 4, "content_id,updated_at\n1,2022-03-27\n");

        var missingColumn = await LoadAsync("content_meta/c.csv", 4);
        var missingObject = await LoadAsync("content_meta/none.csv", 4);

        Assert.Equal(LoadStatus.Failed, missingColumn.Status);
        Assert.StartsWith("missing required column 'category_name'", missingColumn.Error);
        Assert.Equal(LoadOutcome.Failed("the object does not exist"), missingObject);
        Assert.Equal(2, (await LoadLogAsync()).Count(l => l.Status == "failed"));
    }

    [Fact]
    public async Task Backfill_HeaderMissingSeveralColumns_NamesThemAllInOneMessage()
    {
        await PutAsync("user_interaction/h.csv", 6, "user,pratilipi_id,percent\n7,12,95\n");

        var outcome = await LoadAsync("user_interaction/h.csv", 6);

        Assert.Equal(LoadOutcome.Failed(
            "missing required columns 'user_id', 'read_percent', 'updated_at'; unknown columns: 'user', 'percent'; "
            + "the header must name: user_id, content_id (or pratilipi_id), read_percent, updated_at; it has: user, pratilipi_id, percent"), outcome);
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("crc")]
    public async Task Backfill_DamagedGzip_FailsWholeAndLoadsNothing(string damage)
    {
        var csv = "user_id,content_id,read_percent,updated_at\n" + string.Concat(Enumerable.Range(0, 2000).Select(i => $"{i},1,95,2022-03-27\n"));
        using var compressed = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(System.Text.Encoding.UTF8.GetBytes(csv));
        }
        var bytes = compressed.ToArray();
        if (damage == "crc")
        {
            bytes[^6] ^= 1;
        }
        await _engine.PutObjectAsync("user_interaction/t.csv.gz", 1, damage == "truncated" ? bytes[..(bytes.Length / 2)] : bytes);

        var outcome = await LoadAsync("user_interaction/t.csv.gz", 1);

        Assert.Equal(LoadStatus.Failed, outcome.Status);
        Assert.StartsWith("not a valid gzip file: ", outcome.Error);
        Assert.Empty(await _engine.InteractionsAsync());
    }

    [Fact]
    public async Task Backfill_HeaderOnly_LoadsNothingAndStillReplaces()
    {
        await PutAsync("user_interaction/e.csv", 1, "user_id,content_id,read_percent,updated_at\n7,1,95,2022-03-27\n");
        await LoadAsync("user_interaction/e.csv", 1);
        await PutAsync("user_interaction/e.csv", 2, "user_id,content_id,read_percent,updated_at\n");

        var outcome = await LoadAsync("user_interaction/e.csv", 2);

        Assert.Equal(new LoadOutcome(LoadStatus.Loaded, 0, 0, null), outcome);
        Assert.Empty(await _engine.InteractionsAsync());
    }

    [Fact]
    public async Task Backfill_RowsAreAnsweredByUserContent()
    {
        await PutAsync("user_interaction/u.csv", 1, "user_id,content_id,read_percent,updated_at\n7,1,95,2022-03-20\n7,2,95,2022-03-27 23:59:59\n");
        await PutAsync("content_meta/m.csv", 1, "content_id,category_name\n1,romance\n2,romance\n2,drama\n");

        await LoadAsync("user_interaction/u.csv", 1);
        await LoadAsync("content_meta/m.csv", 1);

        Assert.Equal(new Dictionary<string, long> { ["romance"] = 2, ["drama"] = 1 }, await CountsAsync(7, DateOnly.FromDateTime(s_day)));
    }
}
