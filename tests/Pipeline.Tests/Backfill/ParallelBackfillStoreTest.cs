using System.Text;
using Pipeline.Domain.Backfill;
using Pipeline.Domain.Query;
using Pipeline.Domain.Rows;
using Pipeline.Tests.Fixtures;
using Pipeline.Warehouse.DuckDb;

namespace Pipeline.Tests.Backfill;

/// <summary>
/// The embedded store stages an attempt's rows without the write lock: other writes and the served answers go on
/// meanwhile, and the commit leaves the answers equal to the SQL.
/// </summary>
public sealed class ParallelBackfillStoreTest
{
    private static readonly DateTime s_at = new(2022, 3, 27, 10, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task AnswersBuiltWhileALoadStages_AfterItsCommit_EqualTheSql()
    {
        await using var temp = new TempWarehouse();
        temp.PutObject("content_meta/meta.csv", Encoding.UTF8.GetBytes("content_id,category_name\n12,romance\n13,drama\n"));
        Assert.Equal(LoadStatus.Loaded, (await temp.Backfill.LoadAsync(CsvLoad.ForObject("b", "content_meta/meta.csv", 1, RecordKind.ContentMeta), default)).Status);
        IBackfillSink store = new DuckDbBackfillStore(temp.Database, temp.Serving, TimeProvider.System);
        var load = CsvLoad.ForObject("b", "user_interaction/reads.csv", 1, RecordKind.Interaction);

        await using (var write = await store.BeginAsync(load, s_at, default))
        {
            await write.AddAsync([new Interaction(load.EventIdPrefix + "2", 7, 12, 95, s_at), new Interaction(load.EventIdPrefix + "3", 7, 13, 99, s_at)], default);
            // Built now, from tables that do not hold the staged rows yet: staging holds no lock that building needs.
            await temp.Serving.PrepareAsync().WaitAsync(TimeSpan.FromSeconds(10));
            await write.CommitAsync([], new LoadOutcome(LoadStatus.Loaded, 2, 0, null), LoadDecision.Load(replacing: false), default);
        }

        var window = new ReadingWindow(7, DateOnly.FromDateTime(s_at));
        var bySql = await temp.Serving.CountCategoriesBySqlAsync(window, default);
        Assert.Equal(2, bySql.Count);
        Assert.Equal(bySql.OrderBy(c => c.Category), (await temp.Serving.CountCategoriesAsync(window, default)).OrderBy(c => c.Category));
        await temp.Serving.PrepareAsync();
        Assert.True(temp.Serving.ServesFromMemory);
        Assert.Equal(bySql.OrderBy(c => c.Category), (await temp.Serving.CountCategoriesAsync(window, default)).OrderBy(c => c.Category));
    }
}
