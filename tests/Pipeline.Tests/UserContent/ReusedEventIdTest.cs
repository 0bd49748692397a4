using Pipeline.Domain.Query;
using Pipeline.Domain.Rows;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.UserContent;

/// <summary>
/// A record whose event id is already stored is not stored again (idempotent writes), so it must not be served
/// either; and when its content differs from the stored record's it is not dropped but dead-lettered, saying so: an
/// emulator that restarts its message ids at 1 sends new records under old ids.
/// </summary>
public sealed class ReusedEventIdTest
{
    private static readonly DateTime s_at = new(2022, 3, 27, 8, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task ContentMetaUnderAStoredEventId_IsNeitherStoredNorServedFromMemory()
    {
        await using var store = new TempWarehouse();
        await store.Warehouse.WriteAsync(new IngestBatch([new Interaction("r1", 7, 5, 95, s_at)], [new ContentMeta("1", 5, "romance", null)], [], s_at), default);
        await store.Serving.PrepareAsync();

        var outcome = await store.Warehouse.WriteAsync(new IngestBatch([], [new ContentMeta("1", 5, "drama", null)], [], s_at), default);

        var window = new ReadingWindow(7, DateOnly.FromDateTime(s_at));
        Assert.True(store.Serving.ServesFromMemory);
        Assert.Equal(0, outcome.NewlyStored);
        Assert.Equal(
            (await store.Serving.CountCategoriesBySqlAsync(window, default)).OrderBy(c => c.Category),
            (await store.Serving.CountCategoriesAsync(window, default)).OrderBy(c => c.Category));
    }

    [Fact]
    public async Task NewRecordsUnderStoredEventIds_AreDeadLetteredSayingSo_AndRedeliveriesAreNot()
    {
        await using var store = new TempWarehouse();
        await store.Warehouse.WriteAsync(new IngestBatch([new Interaction("1", 7, 5, 95, s_at)], [new ContentMeta("2", 5, "romance", null)], [], s_at), default);

        // The same records again (a redelivery), then other records under the same ids (an emulator restarted).
        var redelivered = await store.Warehouse.WriteAsync(new IngestBatch([new Interaction("1", 7, 5, 95, s_at)], [new ContentMeta("2", 5, "romance", null)], [], s_at), default);
        var reused = await store.Warehouse.WriteAsync(new IngestBatch([new Interaction("1", 8, 6, 91, s_at)], [new ContentMeta("2", 6, "drama", s_at)], [], s_at), default);
        var reusedAgain = await store.Warehouse.WriteAsync(new IngestBatch([new Interaction("1", 8, 6, 91, s_at)], [], [], s_at), default);

        Assert.Equal(new WriteOutcome(0, 0), redelivered);
        Assert.Equal(new WriteOutcome(0, 2), reused);
        Assert.Equal(new WriteOutcome(0, 1), reusedAgain);
        Assert.Equal([new Interaction("1", 7, 5, 95, s_at)], (await store.InteractionsAsync()).Select(r => r.Row));
        Assert.Equal([new ContentMeta("2", 5, "romance", null)], (await store.ContentMetaAsync()).Select(r => r.Row));
        var errors = (await store.ErrorsAsync()).OrderBy(e => e.Source).ToList();
        Assert.Equal(2, errors.Count);
        Assert.Equal(DeadLetterSources.IngestContent, errors[0].Source);
        Assert.StartsWith("2#", errors[0].EventId);
        Assert.Equal("""{"event_id":"2","content_id":6,"category_name":"drama","updated_at":"2022-03-27T08:00:00.000000Z"}""", errors[0].Payload);
        Assert.StartsWith("event id '2' is already stored with other content (" +
            """{"event_id":"2","content_id":5,"category_name":"romance","updated_at":null}); this record was not stored.""", errors[0].Error);
        Assert.Equal(DeadLetterSources.IngestInteraction, errors[1].Source);
        Assert.Equal("""{"event_id":"1","user_id":8,"content_id":6,"read_percent":91.0,"updated_at":"2022-03-27T08:00:00.000000Z"}""", errors[1].Payload);
    }
}
