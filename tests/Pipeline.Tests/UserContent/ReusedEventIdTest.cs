using Pipeline.Domain.Query;
using Pipeline.Domain.Rows;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.UserContent;

/// <summary>
/// A record whose event id is already stored is not stored again (idempotent writes), so it must not be served
/// either: an emulator that restarts its message ids at 1 sends new records under old ids.
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
}
