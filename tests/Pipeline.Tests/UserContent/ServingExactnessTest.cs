using System.Globalization;
using System.Text;
using CsCheck;
using Pipeline.Domain.Backfill;
using Pipeline.Domain.Query;
using Pipeline.Domain.Rows;
using Pipeline.Tests.Fixtures;
using Pipeline.Warehouse.DuckDb;

namespace Pipeline.Tests.UserContent;

/// <summary>
/// The in-memory answers (<see cref="FinishedReads"/>) equal the SQL's answers on the same store, after every step of
/// random interleavings of ingests, redeliveries, late and changed content_meta, backfill loads, replacements,
/// failed loads and restarts.
/// </summary>
public sealed class ServingExactnessTest
{
    private static readonly DateOnly s_firstDay = new(2022, 3, 1);
    private static readonly string[] s_categories = ["romance", "drama", "horror"];
    private const int Users = 4;
    private const int Contents = 5;

    [Fact]
    public async Task RandomInterleavings_MemoryAnswersEqualTheSqlAfterEveryStep() =>
        await Gen.Int[0, int.MaxValue].SampleAsync(async seed =>
        {
            await using var run = new Run(seed);
            await run.ExecuteAsync();
        }, iter: 30, threads: 1);

    /// <summary>One random sequence of steps on one store, checked after each step.</summary>
    private sealed class Run(int seed) : IAsyncDisposable
    {
        private readonly Random _random = new(seed);
        private readonly string _directory = Path.Combine(Path.GetTempPath(), "pipeline-tests", "serving-" + Guid.NewGuid().ToString("N"));
        private readonly List<IngestBatch> _delivered = [];
        private readonly Dictionary<string, long> _generations = [];
        private TempWarehouse _store = null!;
        private int _messages;
        private long _clockGeneration = 1000;

        public async Task ExecuteAsync()
        {
            _store = new TempWarehouse(_directory, TimeProvider.System);
            await _store.Serving.PrepareAsync();
            var steps = _random.Next(8, 16);
            for (var step = 0; step < steps; step++)
            {
                var what = await StepAsync();
                await CheckAsync($"seed {seed}, step {step} ({what})");
            }
        }

        private async Task<string> StepAsync()
        {
            switch (_random.Next(9))
            {
                case 0 or 1:
                    await DeliverAsync(new IngestBatch(Interactions($"m{++_messages}", _random.Next(1, 6)), [], [], DateTime.UtcNow));
                    return "ingest interactions";
                case 2 when _delivered.Count > 0:
                    await _store.Warehouse.WriteAsync(_delivered[_random.Next(_delivered.Count)], default);
                    return "redelivery";
                case 3:
                    // Late or changed metadata: a content gains a category, possibly one it had.
                    var id = $"c{++_messages}";
                    await DeliverAsync(new IngestBatch([], [new ContentMeta(id, _random.Next(Contents), Category(), null)], [], DateTime.UtcNow));
                    return "content_meta";
                case 4 or 5:
                    return await BackfillAsync(RecordKind.Interaction, $"user_interaction/u{_random.Next(2)}.csv");
                case 6:
                    return await BackfillAsync(RecordKind.ContentMeta, "content_meta/c0.csv");
                case 7:
                    await RestartAsync();
                    return "restart";
                default:
                    return await BackfillAsync(RecordKind.Interaction, $"user_interaction/u{_random.Next(2)}.csv", fail: true);
            }
        }

        private async Task DeliverAsync(IngestBatch batch)
        {
            _delivered.Add(batch);
            await _store.Warehouse.WriteAsync(batch, default);
        }

        /// <summary>A dump of the object: a new generation (replacing an older one when there is one), or a file that fails.</summary>
        private async Task<string> BackfillAsync(RecordKind target, string name, bool fail = false)
        {
            var csv = new StringBuilder(target == RecordKind.Interaction ? "user_id,content_id,read_percent,updated_at\n" : "content_id,category_name\n");
            var rows = _random.Next(0, 8);
            for (var i = 0; i < rows; i++)
            {
                csv.Append(target == RecordKind.Interaction
                    ? $"{_random.Next(Users)},{_random.Next(Contents)},{ReadPercent().ToString(CultureInfo.InvariantCulture)},{Day():yyyy-MM-dd}\n"
                    : $"{_random.Next(Contents)},{Category()}\n");
            }
            if (fail)
            {
                // More bad rows than the limit: the file fails whole and nothing of it is stored.
                csv.Append("x,y,z,w\nx,y,z,w\n");
            }
            _store.PutObject(name, Encoding.UTF8.GetBytes(csv.ToString()));
            var generation = _random.Next(5) == 0 && _generations.TryGetValue(name, out var known) ? known : ++_clockGeneration;
            _generations[name] = generation;
            var outcome = await _store.Backfill.LoadAsync(CsvLoad.ForObject("bucket", name, generation, target, maxBadRows: 1), default);
            return $"backfill {name}#{generation}: {outcome.Status}";
        }

        private async Task RestartAsync()
        {
            await _store.Warehouse.DisposeAsync();
            _store = new TempWarehouse(_directory, TimeProvider.System);
            await _store.Serving.PrepareAsync();
        }

        private async Task CheckAsync(string where)
        {
            Assert.True(_store.Serving.ServesFromMemory, where);
            for (var user = 0; user < Users; user++)
            {
                foreach (var date in new[] { s_firstDay.AddDays(_random.Next(0, 14)), s_firstDay.AddDays(_random.Next(14, 30)) })
                {
                    var window = new ReadingWindow(user, date);
                    var fromMemory = await _store.Warehouse.CountCategoriesAsync(window, default);
                    var bySql = await _store.Serving.CountCategoriesBySqlAsync(window, default);
                    Assert.True(bySql.OrderBy(c => c.Category).SequenceEqual(fromMemory.OrderBy(c => c.Category)),
                        $"{where}, user {user}, {date:yyyy-MM-dd}: SQL [{string.Join(", ", bySql)}] memory [{string.Join(", ", fromMemory)}]");
                }
            }
        }

        private List<Interaction> Interactions(string messageId, int count) =>
            [.. Enumerable.Range(0, count).Select(i => new Interaction(count == 1 ? messageId : $"{messageId}:{i}",
                _random.Next(Users), _random.Next(Contents), ReadPercent(), Day().ToDateTime(new TimeOnly(_random.Next(24), 0), DateTimeKind.Utc)))];

        /// <summary>Both sides of the 90 boundary, and the window's edges (its first and last dates).</summary>
        private double ReadPercent() => new[] { 40, 90, 90.5, 95, 100 }[_random.Next(5)];

        private DateOnly Day() => s_firstDay.AddDays(_random.Next(-2, 32));

        private string Category() => s_categories[_random.Next(s_categories.Length)];

        public async ValueTask DisposeAsync()
        {
            if (_store is not null)
            {
                await _store.DisposeAsync();
            }
        }
    }
}
